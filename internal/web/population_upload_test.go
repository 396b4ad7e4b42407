package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPopulationUploadStreamsFieldsThenFile: the upload is read as a stream, fields first and
// the file last (the form's order), the file going straight into the import's spool. A form
// whose fields are missing or come after the file is refused field by field and queues nothing;
// the typed values are kept.
func TestPopulationUploadStreamsFieldsThenFile(t *testing.T) {
	t.Parallel()
	f := newFieldworkFixture(t)
	staff := f.login("staff@firm.example")
	path := f.createTest(t, staff, f.nl03, "inspection")
	imports := func() int {
		var n int
		require.NoError(t, f.app.DB.Raw(`SELECT count(*) FROM population_imports`).Row().Scan(&n))
		return n
	}

	// The file before the fields: the fields are not known when the file arrives.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "hires.csv")
	require.NoError(t, err)
	_, _ = fw.Write(hires(30))
	require.NoError(t, mw.WriteField("source", "HRIS new-hire report"))
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, staff.URL(path+"/populations?_csrf="+staff.CSRFToken()), &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp := staff.Do(req)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Say where the population comes from")
	assert.Zero(t, imports(), "nothing queued")

	// No file at all.
	resp = uploadPopulation(t, staff, path, map[string]string{"source": "HRIS new-hire report", "completeness_check": "Agreed to payroll"}, "", nil)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, resp.Body, "Choose a CSV or XLSX file.")
	assert.Contains(t, resp.Body, "HRIS new-hire report", "the typed source is kept")
	assert.Zero(t, imports())

	// Fields, then the file: queued.
	resp = uploadPopulation(t, staff, path, map[string]string{"source": "HRIS new-hire report", "completeness_check": "Agreed to payroll", "key_column": "employee_id"}, "hires.csv", hires(30))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, 1, imports())
	var source, key, name string
	require.NoError(t, f.app.DB.Raw(`SELECT source, key_column, file_name FROM population_imports`).Row().Scan(&source, &key, &name))
	assert.Equal(t, []string{"HRIS new-hire report", "employee_id", "hires.csv"}, []string{source, key, name})

	// The form puts the file last, so browsers send it after the fields.
	page := staff.Get(path + "/population").Body
	form := between(page, `/populations?_csrf=`, `</form>`)
	require.NotEmpty(t, form)
	assert.Greater(t, bytes.Index([]byte(form), []byte(`name="file"`)), bytes.Index([]byte(form), []byte(`name="completeness_check"`)),
		fmt.Sprintf("the file field follows the text fields: %.200s", form))
}

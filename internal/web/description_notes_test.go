package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDescriptionNoteAnswerAndClear: the client answers the demo's note on DC4 beside the section;
// staff may not clear someone else's note (told why, nothing changes); its author clears it.
func TestDescriptionNoteAnswerAndClear(t *testing.T) {
	t.Parallel()
	app, _ := demoApp(t)
	var note struct {
		ID           int64
		EngagementID int64
		Version      int
	}
	require.NoError(t, app.DB.Raw(`SELECT id, engagement_id, version FROM review_notes
		WHERE target_type = 'description_section' AND body LIKE 'Please give the date%'`).Scan(&note).Error)
	require.NotZero(t, note.ID)
	back := "/engagements/" + itoa(note.EngagementID) + "/description/DC4#notes"
	path := "/description-notes/" + itoa(note.ID)

	dana := demoLogin(t, app, "dana@northwind.example")
	resp := dana.PostForm(path+"/answer", url.Values{"response": {"12 March 2026, found by the storage monitoring alert."}, "version": {itoa(int64(note.Version))}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Equal(t, back, resp.Header.Get("Location"))
	assert.Contains(t, dana.Get(back).Body, "Answer recorded.")
	require.NoError(t, app.DB.Raw(`SELECT version FROM review_notes WHERE id = ?`, note.ID).Scan(&note.Version).Error)

	staff := demoLogin(t, app, "staff@attest.example")
	resp = staff.PostForm(path+"/clear", url.Values{"version": {itoa(int64(note.Version))}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Contains(t, staff.Get(back).Body, "Only the note&#39;s author, or a manager or partner on the team, can clear it.")
	var open int
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM review_notes WHERE id = ? AND cleared_at IS NULL`, note.ID).Scan(&open).Error)
	assert.Equal(t, 1, open, "a refused clear changes nothing")

	senior := demoLogin(t, app, "senior@attest.example")
	resp = senior.PostForm(path+"/clear", url.Values{"version": {itoa(int64(note.Version))}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.Body)
	assert.Contains(t, senior.Get(back).Body, "Note cleared.")
	require.NoError(t, app.DB.Raw(`SELECT count(*) FROM review_notes WHERE id = ? AND cleared_at IS NULL`, note.ID).Scan(&open).Error)
	assert.Equal(t, 0, open)
}

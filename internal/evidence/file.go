package evidence

import (
	"archive/zip"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/csvsafe"
	dbx "github.com/attest-soc/attest/internal/db"
)

// MaxFilesPerUpload bounds one upload; each file has its own size limit (Service.MaxBytes).
const MaxFilesPerUpload = 20

// Service stores evidence bytes and records who uploaded what, for which request, test or sample.
type Service struct {
	DB       *gorm.DB
	Store    Store
	MaxBytes int64 // per file
}

// Received is one file that passed the checks and waits, spooled, to be recorded as evidence:
// its bytes reach the store with CommitBlobs, just before the transaction that records it, so an
// upload refused by its checks stores nothing.
// Call Discard when done (recorded or not) to remove the temporary copy.
type Received struct {
	FileName    string
	ContentType string
	// PertainsTo is the date the evidence is about (the day of the sampled change, the quarter's
	// review …), not the upload date; every file carries one.
	PertainsTo *time.Time
	Blob
	spooled *Spooled
	store   Store
}

// Discard removes the temporary copy of the file.
func (r Received) Discard() { r.spooled.Discard() }

// DiscardAll removes the temporary copies of files.
func DiscardAll(files []Received) {
	for _, f := range files {
		f.Discard()
	}
}

// Receive checks name and type from the first bytes, then streams r into a temporary file while
// hashing it. Nothing is kept when it returns an error.
func (s *Service) Receive(ctx context.Context, name string, r io.Reader) (Received, error) {
	clean, err := CleanFileName(name)
	if err != nil {
		return Received{}, err
	}
	br := bufio.NewReaderSize(r, SniffLen)
	head, err := br.Peek(SniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Received{}, fmt.Errorf("reading %s: %w", clean, err)
	}
	if len(head) == 0 {
		return Received{}, &Refusal{quote(clean) + " is empty. Choose the file again; an empty file is no evidence."}
	}
	ctype, err := Classify(clean, head)
	if err != nil {
		return Received{}, err
	}
	sp, err := s.Store.Spool(br, s.MaxBytes)
	switch {
	case errors.Is(err, ErrEmpty):
		return Received{}, &Refusal{quote(clean) + " is empty. Choose the file again; an empty file is no evidence."}
	case errors.Is(err, ErrTooLarge):
		return Received{}, &Refusal{quote(clean) + " is larger than the upload limit of " + FormatSize(s.MaxBytes) + ". Split it or compress it, then upload again."}
	case err != nil:
		return Received{}, fmt.Errorf("storing %s: %w", clean, err)
	}
	return Received{FileName: clean, ContentType: ctype, Blob: sp.Blob, spooled: sp, store: s.Store}, nil
}

// Target says what evidence supports; EngagementID is always set, plus at most one of the others.
type Target struct {
	EngagementID, RequestID, TestID, SampleID int64
}

// File is one evidence file as lists and the manifest show it.
type File struct {
	ID            int64
	EngagementID  int64
	RequestID     *int64
	RequestNumber *int
	TestID        *int64
	SampleID      *int64
	SampleItem    string // the sample's item key, for files attached to a sample
	FileName      string
	ContentType   string
	SizeBytes     int64
	SHA256        string `gorm:"column:sha256"`
	BlobKey       string
	UploadedBy    int64
	UploaderName  string
	UploaderEmail string
	UploadedAt    time.Time
	PertainsTo    *time.Time
	// OutOfPeriod: the pertains-to date falls outside the examination period (after the as-of
	// date for Type I). Such evidence does not count for a test until PeriodExplanation is given.
	OutOfPeriod       bool
	PeriodExplanation string
	PeriodExplainer   string
	PeriodExplainedAt *time.Time
}

// Counts reports whether the file may support a conclusion: in the period, or explained.
func (f File) Counts() bool { return !f.OutOfPeriod || f.PeriodExplanation != "" }

// CommitBlobs puts the received files' bytes in the store. Call it before the transaction that
// records them (RecordTx): a store upload (S3 included) can take seconds, and the transaction
// holds row locks and the audit chain's lock, which every audited change in the firm waits for.
// Blobs are content-addressed, so storing first is safe: if the transaction then refuses the
// files or fails, the blob is an orphan, never served and collected later (CollectOrphans).
func CommitBlobs(ctx context.Context, files []Received) error {
	for _, f := range files {
		if f.spooled == nil {
			return fmt.Errorf("storing evidence %s: the file was not received through Receive", f.FileName)
		}
		if err := f.store.Commit(ctx, f.spooled); err != nil {
			return fmt.Errorf("storing evidence %s: %w", f.FileName, err)
		}
		f.spooled.committed = true
	}
	return nil
}

// RecordTx records received files, already in the store (CommitBlobs), as evidence for t inside
// tx, with one audit event each. It does no storage I/O, so the locks of tx are held only for
// the inserts.
func RecordTx(ctx context.Context, tx *gorm.DB, actor audit.Actor, clientID int64, t Target, files []Received) ([]int64, error) {
	if len(files) == 0 {
		return nil, apperr.Validation{"files": "Choose at least one file to upload."}
	}
	for _, f := range files {
		if f.PertainsTo == nil {
			return nil, apperr.Validation{"pertains_to": "Give the date the evidence pertains to (the day of the change, review or event it shows)."}
		}
	}
	ids := make([]int64, 0, len(files))
	for _, f := range files {
		if f.spooled == nil || !f.spooled.committed {
			return nil, fmt.Errorf("recording evidence %s: its bytes are not in the store; call CommitBlobs before the transaction", f.FileName)
		}
		var id int64
		err := tx.Raw(`INSERT INTO evidence_files (engagement_id, request_id, test_id, sample_id, file_name, content_type, size_bytes, sha256, blob_key, uploaded_by, pertains_to)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, t.EngagementID, nullID(t.RequestID), nullID(t.TestID), nullID(t.SampleID),
			f.FileName, f.ContentType, f.Size, f.SHA256, f.SHA256, actor.ID, f.PertainsTo.Format(time.DateOnly)).Row().Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("recording evidence %s: %w", f.FileName, err)
		}
		err = audit.Record(ctx, tx, actor, audit.Event{Action: "evidence.upload", EntityType: "evidence_file", EntityID: id,
			EngagementID: t.EngagementID, ClientID: clientID, After: map[string]any{"file_name": f.FileName, "sha256": f.SHA256,
				"size": f.Size, "content_type": f.ContentType, "pertains_to": f.PertainsTo.Format(time.DateOnly), "request_id": t.RequestID, "test_id": t.TestID, "sample_id": t.SampleID}})
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

const fileColumns = `f.id, f.engagement_id, f.request_id, r.number AS request_number, f.test_id, f.sample_id,
	coalesce(sm.item_key, '') AS sample_item, f.file_name,
	f.content_type, f.size_bytes, f.sha256, f.blob_key, f.uploaded_by, u.name AS uploader_name, u.email AS uploader_email, f.uploaded_at,
	f.pertains_to, ` + OutOfPeriodSQL + ` AS out_of_period, f.period_explanation, coalesce(xu.name, '') AS period_explainer, f.period_explained_at`

// OutOfPeriodSQL is true when the evidence file f of engagement e is dated outside the
// examination period: outside period_start..period_end (Type II), after the as-of date (Type I).
const OutOfPeriodSQL = `coalesce(CASE WHEN e.report_type = 'type2' THEN f.pertains_to NOT BETWEEN e.period_start AND e.period_end
	ELSE f.pertains_to > e.as_of_date END, false)`

const fileFrom = ` FROM evidence_files f JOIN engagements e ON e.id = f.engagement_id JOIN users u ON u.id = f.uploaded_by
	LEFT JOIN info_requests r ON r.id = f.request_id LEFT JOIN samples sm ON sm.id = f.sample_id
	LEFT JOIN users xu ON xu.id = f.period_explained_by `

// Get loads one evidence file.
func (s *Service) Get(ctx context.Context, id int64) (File, error) {
	return dbx.One[File](s.DB.WithContext(ctx), fmt.Sprintf("evidence file %d", id), `SELECT `+fileColumns+fileFrom+`WHERE f.id = ?`, id)
}

// ForRequest lists a request's evidence, oldest first.
func (s *Service) ForRequest(ctx context.Context, requestID int64) ([]File, error) {
	var out []File
	err := s.DB.WithContext(ctx).Raw(`SELECT `+fileColumns+fileFrom+`WHERE f.request_id = ? ORDER BY f.uploaded_at, f.id`, requestID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing evidence of request %d: %w", requestID, err)
	}
	return out, nil
}

// ForTest lists the auditors' evidence of a test workpaper: files attached to the test and to
// its samples, oldest first.
func (s *Service) ForTest(ctx context.Context, testID int64) ([]File, error) {
	var out []File
	// Two indexed lookups (the test's files, its samples' files): an OR across the join would
	// read every evidence file of the firm.
	err := s.DB.WithContext(ctx).Raw(`SELECT `+fileColumns+fileFrom+`WHERE f.id IN (
			SELECT id FROM evidence_files WHERE test_id = ?
			UNION ALL SELECT e.id FROM evidence_files e JOIN samples s ON s.id = e.sample_id WHERE s.test_id = ?)
		ORDER BY f.uploaded_at, f.id`, testID, testID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing evidence of test %d: %w", testID, err)
	}
	return out, nil
}

// ForSample lists the evidence attached to one sample.
func (s *Service) ForSample(ctx context.Context, sampleID int64) ([]File, error) {
	var out []File
	err := s.DB.WithContext(ctx).Raw(`SELECT `+fileColumns+fileFrom+`WHERE f.sample_id = ? ORDER BY f.uploaded_at, f.id`, sampleID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing evidence of sample %d: %w", sampleID, err)
	}
	return out, nil
}

// ForEngagement lists an engagement's evidence; requestsOnly limits it to what clients uploaded
// against requests (client users never see the auditors' own working evidence).
func (s *Service) ForEngagement(ctx context.Context, engagementID int64, requestsOnly bool) ([]File, error) {
	q := `SELECT ` + fileColumns + fileFrom + `WHERE f.engagement_id = ?`
	if requestsOnly {
		q += ` AND f.request_id IS NOT NULL`
	}
	var out []File
	if err := s.DB.WithContext(ctx).Raw(q+` ORDER BY r.number NULLS LAST, f.uploaded_at, f.id`, engagementID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing evidence of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// OpenVerified checks the stored bytes against the recorded SHA-256 first, so a damaged file is
// refused before anything is sent; the returned reader verifies again while streaming.
func (s *Service) OpenVerified(ctx context.Context, f File) (io.ReadCloser, error) {
	if err := Verify(ctx, s.Store, f.BlobKey); err != nil {
		return nil, fmt.Errorf("evidence file %d (%s): %w", f.ID, f.FileName, err)
	}
	return s.Store.Open(ctx, f.BlobKey)
}

// WriteZip streams files into a ZIP archive with a manifest.csv listing each file's name, size,
// SHA-256, request and uploader. Entries are written as they are read: memory stays flat.
func (s *Service) WriteZip(ctx context.Context, w io.Writer, files []File) error {
	zw := zip.NewWriter(w)
	names := zipPaths(files)
	mf, err := zw.Create("manifest.csv")
	if err != nil {
		return err
	}
	if err := writeManifest(mf, names, files); err != nil {
		return err
	}
	for i, f := range files {
		if err := s.copyEntry(ctx, zw, names[i], f); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeManifest writes manifest.csv. File names come from clients, so cells go through csvsafe:
// a name such as =cmd|'/C calc'!A0 opens in a spreadsheet as text, not as a formula.
func writeManifest(w io.Writer, names []string, files []File) error {
	cw := csvsafe.NewWriter(w)
	cw.Write([]string{"path", "file_name", "size_bytes", "sha256", "request", "uploaded_by", "uploaded_at"})
	for i, f := range files {
		req := ""
		if f.RequestNumber != nil {
			req = RequestLabel(*f.RequestNumber)
		}
		cw.Write([]string{names[i], f.FileName, strconv.FormatInt(f.SizeBytes, 10), f.SHA256, req, f.UploaderEmail, f.UploadedAt.UTC().Format(time.RFC3339)})
	}
	cw.Flush()
	return cw.Error()
}

// zipPaths names each file's entry: a folder per request (R-007/), per sampled item
// (sample NW-1004/) or per test (test 12/), then the file name; a name already taken gets a
// number in front (2-report.pdf, 3-report.pdf …) so no entry hides another when unpacked.
func zipPaths(files []File) []string {
	taken := map[string]bool{"manifest.csv": true}
	names := make([]string, len(files))
	folderSafe := strings.NewReplacer("/", "_", "\\", "_")
	for i, f := range files {
		folder := "other"
		switch {
		case f.RequestNumber != nil:
			folder = RequestLabel(*f.RequestNumber)
		case f.SampleItem != "":
			folder = "sample " + folderSafe.Replace(f.SampleItem)
		case f.TestID != nil:
			folder = "test " + strconv.FormatInt(*f.TestID, 10)
		}
		name := folder + "/" + f.FileName
		for n := 2; taken[name]; n++ {
			name = folder + "/" + strconv.Itoa(n) + "-" + f.FileName
		}
		taken[name] = true
		names[i] = name
	}
	return names
}

func (s *Service) copyEntry(ctx context.Context, zw *zip.Writer, name string, f File) error {
	rc, err := s.Store.Open(ctx, f.BlobKey)
	if err != nil {
		return fmt.Errorf("evidence file %d (%s): %w", f.ID, f.FileName, err)
	}
	defer rc.Close()
	ew, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: f.UploadedAt})
	if err != nil {
		return err
	}
	if _, err := io.Copy(ew, rc); err != nil {
		return fmt.Errorf("evidence file %d (%s): %w", f.ID, f.FileName, err)
	}
	return nil
}

// RequestLabel is a request's number as auditors write it: R-007.
func RequestLabel(n int) string { return fmt.Sprintf("R-%03d", n) }

// FormatSize writes a byte count for people: 200 MB, 12.5 KB.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return trimZero(float64(n)/(1<<20)) + " MB"
	case n >= 1<<10:
		return trimZero(float64(n)/(1<<10)) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func trimZero(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

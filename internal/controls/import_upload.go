package controls

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/csvsafe"
	dbx "github.com/attest-soc/attest/internal/db"
)

// Upload is an import file as the user sent it.
type Upload struct {
	Name string
	Data []byte
}

// ProblemColumn is the column the refused rows' file adds to the user's own columns.
const ProblemColumn = "problem"

// ImportUpload reads and imports an uploaded matrix. Without opts.Partial it is all or nothing
// (an *ImportError lists every problem); with it the valid rows are imported and the refused
// rows kept as a file in the user's own format (ImportResult.ImportID, RefusedFile). When a
// cell names two frequencies, nothing is imported yet: the upload is kept and the
// *ImportError's Questions and PendingID say what to ask (Answer finishes it).
func (s *Service) ImportUpload(ctx context.Context, actor audit.Actor, engagementID int64, up Upload, opts ImportOptions) (ImportResult, error) {
	return s.run(ctx, actor, engagementID, 0, up, opts)
}

// Answer finishes a pending import with the user's choice of frequency per row.
func (s *Service) Answer(ctx context.Context, actor audit.Actor, engagementID, importID int64, answers map[int]string) (ImportResult, error) {
	p, err := s.pending(ctx, s.DB, engagementID, importID)
	if err != nil {
		return ImportResult{}, err
	}
	return s.run(ctx, actor, engagementID, importID, Upload{Name: p.FileName, Data: p.Upload}, ImportOptions{Partial: p.Partial, Frequencies: answers})
}

// Pending is an import waiting for the user's answers, as its page shows it.
type Pending struct {
	ID        int64
	FileName  string
	Partial   bool
	Questions []Question
	Problems  []Problem // rows a partial import will refuse
	Warnings  []Problem
}

// PendingImport loads a pending import and plans it again, so the page asks what is still open.
func (s *Service) PendingImport(ctx context.Context, engagementID, importID int64) (Pending, error) {
	p, err := s.pending(ctx, s.DB, engagementID, importID)
	if err != nil {
		return Pending{}, err
	}
	out := Pending{ID: importID, FileName: p.FileName, Partial: p.Partial}
	sh, err := ReadSheet(p.FileName, bytes.NewReader(p.Upload))
	if err != nil {
		return out, err
	}
	sc, err := s.LoadScope(ctx, engagementID)
	if err != nil {
		return out, err
	}
	existing, err := s.List(ctx, engagementID)
	if err != nil {
		return out, err
	}
	plan := planImport(sc, existing, sh, nil)
	out.Questions, out.Problems, out.Warnings = plan.questions, plan.problems, plan.warnings
	return out, nil
}

type importRow struct {
	ID           int64
	FileName     string
	Partial      bool
	Status       string
	Upload       []byte
	Imported     int
	Refused      int
	RefusedName  string
	RefusedFile  []byte
	CreatedAt    time.Time
	EngagementID int64
}

func (s *Service) pending(ctx context.Context, tx *gorm.DB, engagementID, importID int64) (importRow, error) {
	return dbx.One[importRow](tx.WithContext(ctx), fmt.Sprintf("pending import %d", importID),
		`SELECT id, file_name, partial, status, upload FROM control_imports WHERE id = ? AND engagement_id = ? AND status = 'pending'`,
		importID, engagementID)
}

// run imports up in one transaction; importID is the pending import it finishes (0 for a new upload).
func (s *Service) run(ctx context.Context, actor audit.Actor, engagementID, importID int64, up Upload, opts ImportOptions) (ImportResult, error) {
	sh, err := ReadSheet(up.Name, bytes.NewReader(up.Data))
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	var waiting *ImportError
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if importID != 0 {
			// Lock the pending row so two answers to the same questions import once.
			if _, err := dbx.One[int64](tx, fmt.Sprintf("pending import %d", importID),
				`SELECT id FROM control_imports WHERE id = ? AND engagement_id = ? AND status = 'pending' FOR UPDATE`, importID, engagementID); err != nil {
				return err
			}
		}
		res, err = s.importTx(ctx, tx, actor, engagementID, up.Name, sh, opts)
		var ie *ImportError
		if errors.As(err, &ie) && len(ie.Questions) > 0 {
			// Nothing imported: keep the upload until the user answers.
			if importID == 0 {
				if err := tx.Raw(`INSERT INTO control_imports (engagement_id, file_name, partial, status, upload, created_by)
					VALUES (?, ?, ?, 'pending', ?, ?) RETURNING id`, engagementID, up.Name, opts.Partial, up.Data, nullID(actor.ID)).
					Row().Scan(&importID); err != nil {
					return fmt.Errorf("keeping %s until its questions are answered: %w", up.Name, err)
				}
			}
			ie.PendingID, waiting = importID, ie
			return audit.Record(ctx, tx, actor, audit.Event{Action: "control.import_pending", EntityType: "engagement", EntityID: engagementID,
				EngagementID: engagementID, After: map[string]any{"file": up.Name, "import_id": importID, "questions": len(ie.Questions)}})
		}
		if err != nil {
			return err
		}
		var refused []byte
		if len(res.RefusedRows) > 0 {
			if refused, err = refusedFile(up.Name, sh, res.Problems); err != nil {
				return err
			}
		}
		if importID == 0 && len(res.RefusedRows) == 0 {
			return nil // an import that refused nothing needs no record beyond its audit event
		}
		if importID == 0 {
			err = tx.Raw(`INSERT INTO control_imports (engagement_id, file_name, partial, status, imported, refused, refused_name, refused_file, created_by)
				VALUES (?, ?, ?, 'done', ?, ?, ?, ?, ?) RETURNING id`, engagementID, up.Name, opts.Partial, res.Imported, len(res.RefusedRows),
				res.RefusedName, refused, nullID(actor.ID)).Row().Scan(&importID)
		} else {
			err = tx.Exec(`UPDATE control_imports SET status = 'done', upload = NULL, imported = ?, refused = ?, refused_name = ?, refused_file = ?
				WHERE id = ?`, res.Imported, len(res.RefusedRows), res.RefusedName, refused, importID).Error
		}
		if err != nil {
			return fmt.Errorf("recording the import of %s: %w", up.Name, err)
		}
		if len(res.RefusedRows) > 0 {
			res.ImportID = importID // its page offers the refused rows' file
		}
		return nil
	})
	if err == nil && waiting != nil {
		return res, waiting
	}
	return res, err
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// Imported is a finished import as its page shows it.
type Imported struct {
	ID                int64
	FileName          string
	Imported, Refused int
	RefusedName       string
	CreatedAt         time.Time
}

// ImportSummary loads a finished import of the engagement.
func (s *Service) ImportSummary(ctx context.Context, engagementID, importID int64) (Imported, error) {
	return dbx.One[Imported](s.DB.WithContext(ctx), fmt.Sprintf("import %d", importID),
		`SELECT id, file_name, imported, refused, refused_name, created_at FROM control_imports
		WHERE id = ? AND engagement_id = ? AND status = 'done'`, importID, engagementID)
}

// RefusedFile returns the refused rows' file of a finished import: its name and bytes.
func (s *Service) RefusedFile(ctx context.Context, engagementID, importID int64) (string, []byte, error) {
	row, err := dbx.One[importRow](s.DB.WithContext(ctx), fmt.Sprintf("refused rows of import %d", importID),
		`SELECT refused_name, refused_file FROM control_imports WHERE id = ? AND engagement_id = ? AND status = 'done'`, importID, engagementID)
	if err != nil {
		return "", nil, err
	}
	if len(row.RefusedFile) == 0 {
		return "", nil, apperr.ErrNotFound
	}
	return row.RefusedName, row.RefusedFile, nil
}

// RefusedFileName is the name of the file that gives a partial import's refused rows back:
// the upload's name with "-refused", in the upload's format.
func RefusedFileName(upload string) string {
	ext := strings.ToLower(filepath.Ext(upload))
	base := strings.TrimSuffix(filepath.Base(upload), filepath.Ext(upload))
	switch ext {
	case ".csv", ".txt":
		return base + "-refused.csv"
	}
	return base + "-refused.xlsx"
}

// IsCSV reports whether a file name is one the import reads as CSV.
func IsCSV(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".csv" || ext == ".txt"
}

// refusedFile writes the refused rows of sh — the user's own columns, as they were, plus a
// "problem" column saying what to correct — as CSV (through csvsafe, so no cell runs as a
// formula) or XLSX (every cell a text cell), matching the upload.
func refusedFile(upload string, sh Sheet, problems []Problem) ([]byte, error) {
	byRow := map[int][]string{}
	var order []int
	for _, p := range problems {
		if _, ok := byRow[p.Row]; !ok {
			order = append(order, p.Row)
		}
		msg := p.Message
		if p.Column != "" {
			msg = p.Column + ": " + msg
		}
		byRow[p.Row] = append(byRow[p.Row], msg)
	}
	width := len(sh.Header)
	for _, n := range order {
		if i := n - 2; i >= 0 && i < len(sh.Rows) && len(sh.Rows[i]) > width {
			width = len(sh.Rows[i])
		}
	}
	header := append(append([]string{}, sh.Header...), make([]string, width-len(sh.Header))...)
	header = append(header, ProblemColumn)
	records := [][]string{header}
	for _, n := range order {
		i := n - 2
		if i < 0 || i >= len(sh.Rows) {
			continue
		}
		rec := append(append([]string{}, sh.Rows[i]...), make([]string, width-len(sh.Rows[i]))...)
		rec = append(rec, "Row "+strconv.Itoa(n)+" of "+filepath.Base(upload)+": "+strings.Join(byRow[n], " "))
		records = append(records, rec)
	}
	var buf bytes.Buffer
	if IsCSV(upload) {
		w := csvsafe.NewWriter(&buf)
		for _, rec := range records {
			if err := w.Write(rec); err != nil {
				return nil, err
			}
		}
		w.Flush()
		return buf.Bytes(), w.Error()
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Refused rows"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	for r, rec := range records {
		for c, v := range rec {
			cellName, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err != nil {
				return nil, err
			}
			if err := f.SetCellStr(sheet, cellName, v); err != nil {
				return nil, err
			}
		}
	}
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("writing the refused rows: %w", err)
	}
	return buf.Bytes(), nil
}

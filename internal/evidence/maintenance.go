package evidence

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Ages after which leftovers are collected: a temporary file of an upload still arriving is far
// younger than an hour; a blob stored just before its transaction commits is far younger than a
// day (and a reused blob is renewed by Commit).
const (
	StaleUploadAge = time.Hour
	OrphanAge      = 24 * time.Hour
)

// referencedBlobs returns every blob address a row refers to. Every table that points into the
// blob store names that column blob_key or sha256 (evidence files, description images, report
// versions, and whatever comes next), so the columns are found in the schema rather than listed
// here: a new table cannot have its blobs collected as orphans by being forgotten. A sha256
// column that is not a blob address only spares more.
func referencedBlobs(ctx context.Context, db *gorm.DB) (map[string]bool, error) {
	var cols []struct{ TableName, ColumnName string }
	err := db.WithContext(ctx).Raw(`SELECT c.table_name, c.column_name FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		  AND c.column_name IN ('blob_key', 'sha256') AND c.data_type IN ('text', 'character varying')
		ORDER BY 1, 2`).Scan(&cols).Error
	if err != nil {
		return nil, fmt.Errorf("finding blob columns: %w", err)
	}
	refs := map[string]bool{}
	for _, c := range cols {
		var keys []string
		q := fmt.Sprintf(`SELECT DISTINCT %q FROM %q WHERE %q IS NOT NULL`, c.ColumnName, c.TableName, c.ColumnName)
		if err := db.WithContext(ctx).Raw(q).Scan(&keys).Error; err != nil {
			return nil, fmt.Errorf("reading %s.%s: %w", c.TableName, c.ColumnName, err)
		}
		for _, k := range keys {
			refs[k] = true
		}
	}
	return refs, nil
}

// Collected counts what CollectLeftovers removed.
type Collected struct {
	TempFiles, Orphans int
}

// CollectLeftovers removes temporary files of interrupted uploads older than StaleUploadAge and
// blobs no row refers to that are older than OrphanAge. attest serve runs it periodically.
func (s *Service) CollectLeftovers(ctx context.Context) (Collected, error) {
	store := s.Store
	var out Collected
	n, err := store.RemoveStaleUploads(ctx, StaleUploadAge)
	out.TempFiles = n
	if err != nil {
		return out, fmt.Errorf("removing stale uploads: %w", err)
	}
	refs, err := referencedBlobs(ctx, s.DB)
	if err != nil {
		return out, err
	}
	cutoff := time.Now().Add(-OrphanAge)
	err = store.Walk(ctx, func(b StoredBlob) error {
		if refs[b.SHA256] || b.Modified.After(cutoff) {
			return nil
		}
		if err := store.Delete(ctx, b.SHA256); err != nil {
			return err
		}
		out.Orphans++
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("collecting orphan blobs: %w", err)
	}
	return out, nil
}

// Damage is one blob that fails its check.
type Damage struct {
	SHA256  string
	Problem string   // "damaged" (bytes do not match the address) or "missing" (a row refers to it)
	Files   []string // evidence file names that use it, for the operator
}

// VerifyAll reads every stored blob and checks it against its SHA-256, and checks that every
// blob a row refers to exists. It returns how many blobs it checked and the problems found.
func (s *Service) VerifyAll(ctx context.Context) (int, []Damage, error) {
	store := s.Store
	refs, err := referencedBlobs(ctx, s.DB)
	if err != nil {
		return 0, nil, err
	}
	checked := 0
	seen := map[string]bool{}
	var problems []Damage
	err = store.Walk(ctx, func(b StoredBlob) error {
		checked++
		seen[b.SHA256] = true
		ok, err := intact(ctx, store, b.SHA256)
		if err != nil {
			return err
		}
		if !ok {
			problems = append(problems, Damage{SHA256: b.SHA256, Problem: "damaged"})
		}
		return nil
	})
	if err != nil {
		return checked, nil, fmt.Errorf("verifying blobs: %w", err)
	}
	var keys []string
	if err := s.DB.WithContext(ctx).Raw(`SELECT DISTINCT blob_key FROM evidence_files ORDER BY 1`).Scan(&keys).Error; err != nil {
		return checked, nil, fmt.Errorf("listing evidence files: %w", err)
	}
	var missing []string
	for _, f := range keys {
		if !seen[f] && refs[f] {
			missing = append(missing, f)
			seen[f] = true
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		problems = append(problems, Damage{SHA256: m, Problem: "missing"})
	}
	for i := range problems {
		_ = s.DB.WithContext(ctx).Raw(`SELECT file_name FROM evidence_files WHERE blob_key = ? ORDER BY id`, problems[i].SHA256).
			Scan(&problems[i].Files).Error
	}
	return checked, problems, nil
}

package quality

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr(v float64) *float64 { return &v }

func TestMarkOutliers(t *testing.T) {
	fs := []Figures{
		{EngagementName: "a", ExceptionShare: ptr(0.10), DaysToSignature: ptr(60)},
		{EngagementName: "b", ExceptionShare: ptr(0.12), DaysToSignature: ptr(55)},
		{EngagementName: "c", ExceptionShare: ptr(0.08), DaysToSignature: ptr(65)},
		{EngagementName: "d", ExceptionShare: ptr(0.11), DaysToSignature: ptr(58)},
		{EngagementName: "rushed", ExceptionShare: ptr(0.0), DaysToSignature: ptr(2)},
		{EngagementName: "new"}, // nothing concluded yet: no figure, never an outlier
	}
	MarkOutliers(fs)
	assert.Equal(t, Low, fs[4].ExceptionOutlier)
	assert.Equal(t, Low, fs[4].DaysOutlier)
	for _, f := range fs[:4] {
		assert.Equal(t, NotOutlier, f.ExceptionOutlier, f.EngagementName)
		assert.Equal(t, NotOutlier, f.DaysOutlier, f.EngagementName)
	}
	assert.Equal(t, NotOutlier, fs[5].ExceptionOutlier)
}

func TestMarkOutliersNeedsEnoughEngagements(t *testing.T) {
	fs := []Figures{{ExceptionShare: ptr(0)}, {ExceptionShare: ptr(0.5)}, {ExceptionShare: ptr(0.9)}}
	MarkOutliers(fs)
	for _, f := range fs {
		assert.Equal(t, NotOutlier, f.ExceptionOutlier)
	}
}

func TestComparisonFromTheDatabase(t *testing.T) {
	f := newDBFixture(t)
	require.NoError(t, f.db.Exec(`UPDATE tests SET result = 'exceptions' WHERE id = ?`, f.myTest).Error)
	require.NoError(t, f.db.Exec(`UPDATE tests SET result = 'no_exceptions' WHERE engagement_id = ? AND id <> ?`, f.mine, f.myTest).Error)
	require.NoError(t, f.db.Exec(`INSERT INTO evidence_files (engagement_id, file_name, content_type, size_bytes, sha256, blob_key, uploaded_by, uploaded_at)
		VALUES (?, 'a.pdf', 'application/pdf', 1, 'x', 'x', ?, '2026-07-01T10:00:00Z')`, f.mine, f.partner.ID).Error)
	require.NoError(t, f.db.Exec(`UPDATE engagements SET locked_at = '2026-07-11T10:00:00Z' WHERE id = ?`, f.mine).Error)
	fs, err := f.svc.Comparison(f.ctx)
	require.NoError(t, err)
	var mine Figures
	for _, x := range fs {
		if x.EngagementID == f.mine {
			mine = x
		}
	}
	assert.Equal(t, 2, mine.TestsConcluded)
	assert.Equal(t, 1, mine.TestsWithExceptions)
	require.NotNil(t, mine.ExceptionShare)
	assert.InDelta(t, 0.5, *mine.ExceptionShare, 1e-9)
	require.NotNil(t, mine.DaysToSignature)
	assert.InDelta(t, 10, *mine.DaysToSignature, 1e-9)
}

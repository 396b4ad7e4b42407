package seed

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/evidence"
)

func TestDescriptionDemoData(t *testing.T) {
	gdb := dbtest.New(t)
	ctx := context.Background()
	clk := &clock.Fixed{T: time.Date(2026, 7, 20, 9, 0, 0, 0, time.UTC)}
	store, err := evidence.NewLocalStore(t.TempDir())
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		_, err = Demo(ctx, gdb, clk, WithEvidenceStore(store))
		require.NoError(t, err, "run %d", i+1)
	}
	var northwind, bluejay int64
	require.NoError(t, gdb.Raw(`SELECT e.id FROM engagements e JOIN clients c ON c.id = e.client_id WHERE c.name LIKE 'Northwind%' AND e.name = 'SOC 2 Type II 2026'`).Row().Scan(&northwind))
	require.NoError(t, gdb.Raw(`SELECT e.id FROM engagements e JOIN clients c ON c.id = e.client_id WHERE c.name LIKE 'Bluejay%'`).Row().Scan(&bluejay))
	svc := &description.Service{DB: gdb, Clock: clk, Store: store}

	secs, err := svc.Sections(ctx, northwind)
	require.NoError(t, err)
	require.Len(t, secs, 9)
	var changed []string
	for _, s := range secs {
		assert.True(t, s.Written(), s.Code)
		if s.ChangedAfterReview() {
			changed = append(changed, s.Code)
		}
	}
	assert.Equal(t, []string{"DC3"}, changed, "one section changed after review")
	imgs, err := svc.Images(ctx, northwind)
	require.NoError(t, err)
	require.Len(t, imgs, 1)
	assert.Contains(t, secs[2].Body, imgs[0].Markdown(), "DC3 shows the network diagram")
	rc, err := svc.OpenImage(ctx, imgs[0])
	require.NoError(t, err, "the diagram is in the blob store")
	rc.Close()

	r, err := svc.ForReport(ctx, northwind)
	require.NoError(t, err)
	require.NotNil(t, r.Assertion, "Northwind's assertion is approved")
	assert.Equal(t, "Dana Whitfield", r.Assertion.OfficerName)
	assert.False(t, r.ReviewComplete, "DC3 changed after review and a note is open")

	bj, err := svc.Summarize(ctx, bluejay)
	require.NoError(t, err)
	assert.Equal(t, 2, bj.Written)
	assert.Equal(t, 8, bj.Total, "Type I: DC1-DC8")
	assert.False(t, bj.Approved)
}

package verification

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/signing"
)

var issuedAt = time.Date(2026, 8, 15, 12, 0, 0, 0, time.UTC)

// fakeReport renders a small deterministic report the way the report package does (fpdf),
// with stamp in every page footer.
type fakeReport struct{}

func renderReport(stamp, code string) []byte {
	pdf := fpdf.New("P", "mm", "Letter", "")
	pdf.SetCreationDate(issuedAt)
	pdf.SetModificationDate(issuedAt)
	pdf.SetCatalogSort(true)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, stamp, "", 1, "C", false, 0, "")
	})
	for i := 0; i < 3; i++ {
		pdf.AddPage()
		pdf.SetFont("Helvetica", "", 12)
		pdf.Cell(40, 10, fmt.Sprintf("SOC 2 Type II report, page %d", i+1))
		if i == 0 && code != "" {
			pdf.LinkString(10, 30, 60, 10, URL("https://attest.firm.example", code))
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func (fakeReport) RenderCopy(_ context.Context, _ int64, stamp string) ([]byte, error) {
	return renderReport(strings.ReplaceAll(stamp, "—", "-"), ""), nil
}

type fixture struct {
	db       *gorm.DB
	svc      *Service
	ctx      context.Context
	partner  auth.User
	client   auth.User
	eng      int64
	version  int64
	code     string
	issued   []byte
	clientID int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	gdb := dbtest.New(t)
	store, err := evidence.NewLocalStore(t.TempDir())
	require.NoError(t, err)
	f := &fixture{db: gdb, ctx: context.Background(),
		svc: &Service{DB: gdb, Clock: &clock.Fixed{T: issuedAt}, Store: store, Render: fakeReport{}, BaseURL: "https://attest.firm.example"}}
	require.NoError(t, gdb.Exec(`UPDATE firm_settings SET firm_name = 'Example & Partners LLP'`).Error)
	require.NoError(t, gdb.Raw(`INSERT INTO clients (name) VALUES ('Northwind Ledger') RETURNING id`).Row().Scan(&f.clientID))
	require.NoError(t, gdb.Raw(`INSERT INTO users (email, name, role) VALUES ('pat@firm.example', 'Pat Partner', 'partner') RETURNING id`).Row().Scan(&f.partner.ID))
	f.partner.Email, f.partner.Role = "pat@firm.example", auth.RolePartner
	require.NoError(t, gdb.Raw(`INSERT INTO users (email, name, role, client_id) VALUES ('dana@northwind.example', 'Dana', 'client', ?) RETURNING id`, f.clientID).Row().Scan(&f.client.ID))
	f.client.Email, f.client.Role = "dana@northwind.example", auth.RoleClient
	require.NoError(t, gdb.Raw(`INSERT INTO engagements (client_id, name, report_type, period_start, period_end, report_date)
		VALUES (?, 'SOC 2 Type II 2026', 'type2', '2026-01-01', '2026-06-30', '2026-08-15') RETURNING id`, f.clientID).Row().Scan(&f.eng))
	f.code, err = NewCode()
	require.NoError(t, err)
	f.issued = renderReport("Verification code "+Format(f.code), f.code)
	f.version = f.issue(t, f.issued, 1, "current")
	return f
}

// issue records an issued version as the report package does, with its verification code.
func (f *fixture) issue(t *testing.T, doc []byte, n int, state string) int64 {
	sum := sha256.Sum256(doc)
	var id int64
	require.NoError(t, f.db.Raw(`INSERT INTO report_versions (engagement_id, variant, version, state, opinion_kind, sha256, size, blob_key,
		release_date, report_date, issued_by) VALUES (?, 'type2', ?, ?, 'unmodified', ?, ?, ?, '2026-08-15', '2026-08-15', ?) RETURNING id`,
		f.eng, n, state, hex.EncodeToString(sum[:]), len(doc), hex.EncodeToString(sum[:]), f.partner.ID).Row().Scan(&id))
	code := f.code
	if n != 1 {
		var err error
		code, err = NewCode()
		require.NoError(t, err)
	}
	require.NoError(t, f.db.Transaction(func(tx *gorm.DB) error {
		return f.svc.Register(f.ctx, tx, audit.Actor{ID: f.partner.ID, Email: f.partner.Email}, f.eng, id, code, false)
	}))
	return id
}

func TestLookupShowsOnlyThePublicFields(t *testing.T) {
	f := newFixture(t)
	p, err := f.svc.Lookup(f.ctx, strings.ToLower(Format(f.code)))
	require.NoError(t, err)
	assert.Equal(t, Public{VersionID: f.version, Code: Format(f.code), Firm: "Example & Partners LLP", ServiceOrg: "Northwind Ledger",
		Kind: "SOC 2 Type II", Period: "1 January 2026 to 30 June 2026", ReportDate: "15 August 2026", Version: 1,
		State: StateCurrent, SHA256: hashOf(f.issued)}, p)

	for _, bad := range []string{"AAAA-BBBB-CCCC-DDDD", "not a code", strings.Repeat("A", 500), ""} {
		_, err := f.svc.Lookup(f.ctx, bad)
		assert.ErrorIs(t, err, apperr.ErrNotFound, bad)
	}
}

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestCheckAuthenticModifiedUnknown(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Check(f.ctx, Format(f.code), f.issued)
	require.NoError(t, err)
	assert.Equal(t, Authentic, r.Outcome)
	assert.Equal(t, 1, r.Report.Version)
	assert.Nil(t, r.Copy)

	// Without a typed code the same bytes are found by their hash.
	r, err = f.svc.Check(f.ctx, "", f.issued)
	require.NoError(t, err)
	assert.Equal(t, Authentic, r.Outcome)

	// One byte changed: the code matches, the bytes do not.
	changed := bytes.Clone(f.issued)
	i := bytes.Index(changed, []byte("/Producer"))
	require.Positive(t, i)
	changed[i+1] = 'p'
	r, err = f.svc.Check(f.ctx, Format(f.code), changed)
	require.NoError(t, err)
	assert.Equal(t, Modified, r.Outcome)
	assert.Equal(t, f.version, r.Report.VersionID)
	// Dropped without a code: the link on the cover names it.
	r, err = f.svc.Check(f.ctx, "", changed)
	require.NoError(t, err)
	assert.Equal(t, Modified, r.Outcome)

	// An unrelated PDF, with an unknown and without any code.
	unrelated := renderReport("something else", "")
	for _, code := range []string{"", "AAAA-BBBB-CCCC-DDDD", "garbage"} {
		r, err = f.svc.Check(f.ctx, code, unrelated)
		require.NoError(t, err)
		assert.Equal(t, Unknown, r.Outcome, code)
		assert.Nil(t, r.Report)
	}
}

func TestWithdrawnAndSupersededVersions(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.db.Exec(`UPDATE report_versions SET state = 'superseded' WHERE id = ?`, f.version).Error)
	v2 := f.issue(t, renderReport("v2", ""), 2, "current")
	p, err := f.svc.Lookup(f.ctx, f.code)
	require.NoError(t, err)
	assert.Equal(t, StateSuperseded, p.State)
	assert.Equal(t, 2, p.SupersededBy)

	err = f.svc.Withdraw(f.ctx, f.partner, v2, " ")
	v, ok := apperr.AsValidation(err)
	require.True(t, ok)
	assert.Contains(t, v, "reason")
	require.NoError(t, f.svc.Withdraw(f.ctx, f.partner, v2, "Management's description was found to be misstated."))
	var code2 string
	require.NoError(t, f.db.Raw(`SELECT code FROM report_verification_codes WHERE report_version_id = ?`, v2).Row().Scan(&code2))
	p, err = f.svc.Lookup(f.ctx, code2)
	require.NoError(t, err)
	assert.Equal(t, StateWithdrawn, p.State)
	assert.Equal(t, "Management's description was found to be misstated.", p.WithdrawalReason)
	assert.Equal(t, "15 August 2026", p.WithdrawnOn)
	var events int64
	require.NoError(t, f.db.Raw(`SELECT count(*) FROM audit_events WHERE action = 'report.withdraw' AND entity_id = ?`, v2).Scan(&events).Error)
	assert.Equal(t, int64(1), events)

	// No copies of either.
	_, err = f.svc.RequestCopy(f.ctx, f.client, v2, Recipient{"Acme Bank", "Riley Risk", "riley@acme.example"})
	v, ok = apperr.AsValidation(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, v["version"], "was withdrawn on 15 August 2026: Management's description was found to be misstated.")
	_, err = f.svc.RequestCopy(f.ctx, f.client, f.version, Recipient{"Acme Bank", "Riley Risk", "riley@acme.example"})
	v, ok = apperr.AsValidation(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, v["version"], "superseded")
	// The withdrawn version cannot be withdrawn again.
	assert.Error(t, f.svc.Withdraw(f.ctx, f.partner, v2, "again"))
}

func pdfsig(t *testing.T, doc []byte) string {
	p := filepath.Join(t.TempDir(), "copy.pdf")
	require.NoError(t, os.WriteFile(p, doc, 0o600))
	out, _ := exec.Command("pdfsig", p).CombinedOutput()
	return string(out)
}

func pdfText(t *testing.T, doc []byte) string {
	p := filepath.Join(t.TempDir(), "copy.pdf")
	require.NoError(t, os.WriteFile(p, doc, 0o600))
	out, err := exec.Command("pdftotext", p, "-").CombinedOutput()
	require.NoError(t, err, string(out))
	return string(out)
}

func TestRecipientCopiesAreStampedSignedAndRecognised(t *testing.T) {
	f := newFixture(t)
	certPEM, keyPEM, err := signing.SelfSigned("Example & Partners LLP", issuedAt)
	require.NoError(t, err)
	f.svc.Signer, err = signing.Parse(certPEM, keyPEM)
	require.NoError(t, err)

	_, err = f.svc.RequestCopy(f.ctx, f.client, f.version, Recipient{"", "Riley", "not-an-address"})
	v, ok := apperr.AsValidation(err)
	require.True(t, ok)
	assert.Contains(t, v, "organization")
	assert.Contains(t, v, "email")

	c1, err := f.svc.RequestCopy(f.ctx, f.client, f.version, Recipient{"Acme Bank", "Riley Risk", "riley@acme.example"})
	require.NoError(t, err)
	c2, err := f.svc.RequestCopy(f.ctx, f.client, f.version, Recipient{"Globex", "Sam Vendor", "sam@globex.example"})
	require.NoError(t, err)
	assert.Equal(t, 1, c1.CopyNumber)
	assert.Equal(t, 2, c2.CopyNumber)
	assert.True(t, c1.Signed)
	assert.NotEqual(t, c1.SHA256, c2.SHA256)

	_, doc, err := f.svc.CopyBytes(f.ctx, f.client, c1.ID)
	require.NoError(t, err)
	assert.Equal(t, c1.SHA256, hashOf(doc))
	txt := pdfText(t, doc)
	assert.Equal(t, 3, strings.Count(txt, "Prepared for Acme Bank (Riley Risk, riley@acme.example) - 15 August 2026 - copy 1"), "on every page")
	assert.Contains(t, pdfsig(t, doc), "Signature is Valid.")

	r, err := f.svc.Check(f.ctx, Format(f.code), doc)
	require.NoError(t, err)
	assert.Equal(t, Authentic, r.Outcome)
	require.NotNil(t, r.Copy)
	assert.Equal(t, CopyInfo{Number: 1, Organization: "Acme Bank", Person: "Riley Risk", PreparedOn: "15 August 2026"}, *r.Copy)

	copies, err := f.svc.Copies(f.ctx, f.eng)
	require.NoError(t, err)
	require.Len(t, copies, 2)
	assert.Equal(t, "Dana", copies[0].RequestedByName)
	var events int64
	require.NoError(t, f.db.Raw(`SELECT count(*) FROM audit_events WHERE action = 'report.copy'`).Scan(&events).Error)
	assert.Equal(t, int64(2), events)
}

func TestRateLimitCountsPerAddressAndKind(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < UploadLimit; i++ {
		ok, err := f.svc.Allow(f.ctx, "198.51.100.7", KindUpload)
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, f.svc.Log(f.ctx, "198.51.100.7", KindUpload, "", "unknown"))
	}
	ok, err := f.svc.Allow(f.ctx, "198.51.100.7", KindUpload)
	require.NoError(t, err)
	assert.False(t, ok)
	ok, err = f.svc.Allow(f.ctx, "198.51.100.7", KindPage)
	require.NoError(t, err)
	assert.True(t, ok, "pages count separately")
	ok, err = f.svc.Allow(f.ctx, "203.0.113.9", KindUpload)
	require.NoError(t, err)
	assert.True(t, ok, "another address is not limited")
	f.svc.Clock.(*clock.Fixed).Advance(LimitWindow + time.Second)
	ok, err = f.svc.Allow(f.ctx, "198.51.100.7", KindUpload)
	require.NoError(t, err)
	assert.True(t, ok, "the window passes")
}

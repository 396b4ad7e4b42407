package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/report"
	"github.com/attest-soc/attest/internal/verification"
)

// runReport renders an engagement's report with the same code (and so the same bytes) as the
// web app: --draft gives the watermarked draft the Report tab offers; without it, a signed
// engagement gives the final report (the bytes issued, for the same data).
func runReport(ctx context.Context, a *app, args []string) error {
	const synopsis = "report render --engagement ID --variant type1|type2|soc3 [--draft] --out FILE"
	if len(args) == 0 || args[0] != "render" {
		fmt.Fprintln(a.stderr, "Usage: attest "+synopsis)
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return nil
		}
		return ErrUsage
	}
	fs := a.newFlags("report render", synopsis)
	id := fs.Int64("engagement", 0, "engagement id")
	variant := fs.String("variant", "", "type1, type2 or soc3")
	draft := fs.Bool("draft", false, "watermark the report DRAFT even when it is signed")
	out := fs.String("out", "", "the PDF file to write")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *id == 0 || *variant == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return ErrUsage
	}
	gdb, err := a.database(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	if err := db.Migrate(ctx, gdb); err != nil {
		return err
	}
	store, err := evidence.NewStore(ctx, a.cfg)
	if err != nil {
		return fmt.Errorf("opening the blob store: %w", err)
	}
	svc := &report.Service{DB: gdb, Store: store, Clock: a.clock,
		Description: &description.Service{DB: gdb, Clock: a.clock, Store: store}}
	if a.cfg.ReportWordingDir != "" {
		svc.Wording = &report.Wording{FS: os.DirFS(a.cfg.ReportWordingDir)}
	}
	// An issued report is rendered as it was issued: with its version's verification code and
	// public address, compared with the stored file.
	if !*draft {
		versions, err := svc.Versions(ctx, *id)
		if err != nil {
			return err
		}
		for _, v := range versions {
			if v.Variant == report.Variant(*variant) && v.State == report.StateCurrent {
				return writeIssued(ctx, a, svc, v, *out)
			}
		}
	}
	pdf, doc, err := svc.Render(ctx, *id, report.Variant(*variant), *draft)
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		return fmt.Errorf("no engagement %d", *id)
	case err != nil:
		return err
	}
	if err := os.WriteFile(*out, pdf, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	sum := sha256.Sum256(pdf)
	state := "final"
	if doc.Draft {
		state = "draft"
	}
	fmt.Fprintf(a.stdout, "%s (%s, %d bytes) written to %s\nsha256 %s\n", doc.Title, state, len(pdf), *out, hex.EncodeToString(sum[:]))
	return nil
}

// errNotReproduced: the rendered bytes differ from the issued ones (the file is still written).
var errNotReproduced = errors.New("the rendered report differs from the issued version")

// writeIssued renders issued version v again and says whether it gives the issued bytes: all of
// them for an unsigned version; for a signed one, the bytes before the firm's signature (which
// is an incremental update appended at issue, with its own signing time).
func writeIssued(ctx context.Context, a *app, svc *report.Service, v report.Version, out string) error {
	codes := &verification.Service{DB: svc.DB, Clock: a.clock, Store: svc.Store, BaseURL: a.cfg.BaseURL}
	rep, err := verification.ReportRenderer{Reports: svc, Codes: codes}.Reproduce(ctx, v.ID)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, rep.PDF, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	sum := sha256.Sum256(rep.PDF)
	fmt.Fprintf(a.stdout, "%s version %d (final, issued, %d bytes) written to %s\nsha256 %s\n", v.Variant.Label(), v.Version,
		len(rep.PDF), out, hex.EncodeToString(sum[:]))
	if rep.Code != "" {
		fmt.Fprintf(a.stdout, "verification code %s\n", verification.Format(rep.Code))
	}
	switch {
	case rep.Matches && rep.Signed:
		fmt.Fprintf(a.stdout, "identical to the issued version's first %d of %d bytes: the rest is the firm's PDF signature, added at issue\n",
			len(rep.PDF), v.Size)
	case rep.Matches:
		fmt.Fprintf(a.stdout, "identical to the issued version (sha256 %s)\n", v.SHA256)
	default:
		fmt.Fprintf(a.stderr, "The rendered bytes differ from issued version %d (sha256 %s): the engagement's data, the firm's settings or the report wording changed after issue.\n",
			v.Version, v.SHA256)
		return errNotReproduced
	}
	return nil
}

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

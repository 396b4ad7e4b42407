package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/evidence"
)

func runEvidence(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(a.stderr, "Usage: attest evidence verify")
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return nil
		}
		return ErrUsage
	}
	fs := a.newFlags("evidence verify", "evidence verify")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	gdb, err := a.database(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	store, err := evidence.NewStore(ctx, a.cfg)
	if err != nil {
		return fmt.Errorf("opening the evidence store: %w", err)
	}
	n, problems, err := (&evidence.Service{DB: gdb, Store: store}).VerifyAll(ctx)
	if err != nil {
		return err
	}
	for _, p := range problems {
		files := ""
		if len(p.Files) > 0 {
			files = " (" + strings.Join(p.Files, ", ") + ")"
		}
		fmt.Fprintf(a.stdout, "%s %s%s\n", p.Problem, p.SHA256, files)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d of the stored files are damaged or missing: upload the originals again to repair them", len(problems))
	}
	fmt.Fprintf(a.stdout, "evidence intact: %d stored files verified\n", n)
	return nil
}

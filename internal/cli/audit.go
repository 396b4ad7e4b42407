package cli

import (
	"context"
	"fmt"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/db"
)

func runAudit(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(a.stderr, "Usage: attest audit verify")
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return nil
		}
		return ErrUsage
	}
	fs := a.newFlags("audit verify", "audit verify")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	gdb, err := a.database(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	res, err := audit.Verify(ctx, gdb)
	if err != nil {
		return err
	}
	if !res.OK() {
		return fmt.Errorf("audit trail broken at event %d: %s (%d events before it verified)", res.BrokenID, res.Reason, res.Checked)
	}
	fmt.Fprintf(a.stdout, "audit trail intact: %d events verified\n", res.Checked)
	return nil
}

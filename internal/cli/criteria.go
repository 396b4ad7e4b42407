package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/criteria"
	"github.com/attest-soc/attest/internal/db"
)

// runCriteria loads the AICPA's official criterion wording, which the firm licenses and so
// Attest cannot ship.
func runCriteria(ctx context.Context, a *app, args []string) error {
	const synopsis = "criteria import FILE   (CSV with header id,text or JSON array of {\"id\",\"text\"})"
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(a.stderr, "Usage: attest "+synopsis)
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return nil
		}
		return ErrUsage
	}
	fs := a.newFlags("criteria import", synopsis)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return ErrUsage
	}
	name := fs.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("reading criteria file: %w", err)
	}
	gdb, err := a.database(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	if err := db.Migrate(ctx, gdb); err != nil {
		return err
	}
	n, err := criteria.NewService(gdb).ImportFile(ctx, audit.System, name, data)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "official text loaded for %d criteria\n", n)
	return nil
}

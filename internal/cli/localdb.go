package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/attest-soc/attest/internal/db"
)

func runLocalDB(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("localdb", "localdb start|stop|dsn|psql")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cluster, err := db.DefaultLocalCluster()
	if err != nil {
		return err
	}
	switch fs.Arg(0) {
	case "start":
		if err := cluster.Ensure(ctx); err != nil {
			return err
		}
		if err := cluster.CreateDatabase(ctx, "attest"); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "PostgreSQL runs in %s\n", cluster.Dir)
	case "stop":
		if err := cluster.Stop(ctx); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, "PostgreSQL stopped")
	case "dsn":
		fmt.Fprintln(a.stdout, cluster.DSN("attest"))
	case "psql":
		if err := cluster.Ensure(ctx); err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, "psql", cluster.DSN("attest"))
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		return cmd.Run()
	default:
		fs.Usage()
		return ErrUsage
	}
	return nil
}

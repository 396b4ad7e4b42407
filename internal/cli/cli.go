// Package cli implements the attest command's subcommands; cmd/attest only calls Run.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/config"
	"github.com/attest-soc/attest/internal/db"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, app *app, args []string) error
}

var commands = map[string]command{
	"serve":     {"run the web server (migrates first)", runServe},
	"dev":       {"start the local database, migrate, load demo data and serve (what `make run` does)", runDev},
	"migrate":   {"apply (up), roll back (down) or list (status) migrations", runMigrate},
	"seed":      {"load demo data (--demo) or the scale fixture (--scale large)", runSeed},
	"user":      {"manage users: user create", runUser},
	"audit":     {"the audit trail: audit verify | audit checkpoints --export | audit keygen FILE", runAudit},
	"localdb":   {"the project-local PostgreSQL: localdb start|stop|dsn|psql", runLocalDB},
	"demo-code": {"print the current MFA code of a demo account (not in production)", runDemoCode},
	"criteria":  {"load the official criterion texts: criteria import FILE", runCriteria},
	"evidence":  {"check the evidence store: evidence verify (every blob against its SHA-256)", runEvidence},
	"report":    {"render a report PDF: report render --engagement ID --variant type1|type2|soc3 [--draft] --out FILE", runReport},
	"loadtest":  {"drive 200 requests/s for 30 s over seven pages of a server with the scale fixture; print p50/p95/p99 and errors per page", runLoadtest},
	"notify":    {"e-mail: notify send (deliver the outbox) | notify digest (queue the daily overdue digest, then send)", runNotify},
}

// app carries what the subcommands share.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	cfg            config.Config
	log            *slog.Logger
	clock          clock.Clock
}

// ErrUsage marks a wrong invocation; the usage was printed already.
var ErrUsage = errors.New("usage")

// Run executes the command line args (without the program name) and returns the exit code.
// Standard input is the process's (RunWithInput lets tests give their own).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return RunWithInput(ctx, args, os.Stdin, stdout, stderr, getenv)
}

// RunWithInput is Run reading standard input from stdin (e.g. `user create --password-stdin`).
func RunWithInput(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "attest: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "attest:", err)
		return 1
	}
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, cfg: cfg, clock: clock.System{}, log: newLogger(cfg, stderr)}
	if err := cmd.run(ctx, a, args[1:]); err != nil {
		if errors.Is(err, ErrUsage) || errors.Is(err, flag.ErrHelp) {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		fmt.Fprintln(stderr, "attest:", err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: attest <command> [options]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun `attest <command> --help` for a command's options. Configuration comes from environment variables (see README.md).")
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	if cfg.Production() {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// newFlags makes a flag set whose --help prints the command's synopsis and options.
func (a *app) newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage: attest %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// database connects as the schema's owner for operator commands and migrations:
// ATTEST_MIGRATE_DATABASE_URL when set, else DATABASE_URL, else the project-local cluster
// (started or reused).
func (a *app) database(ctx context.Context) (*gorm.DB, error) {
	dsn := a.cfg.MigrateDatabaseURL
	if dsn == "" {
		var err error
		if dsn, err = a.databaseURL(ctx); err != nil {
			return nil, err
		}
	}
	return db.Open(ctx, dsn)
}

// databaseURL is DATABASE_URL, or the project-local cluster's (started if needed).
func (a *app) databaseURL(ctx context.Context) (string, error) {
	if a.cfg.DatabaseURL != "" {
		return a.cfg.DatabaseURL, nil
	}
	cluster, err := db.DefaultLocalCluster()
	if err != nil {
		return "", err
	}
	if err := cluster.Ensure(ctx); err != nil {
		return "", err
	}
	if err := cluster.CreateDatabase(ctx, "attest"); err != nil {
		return "", err
	}
	return cluster.DSN("attest"), nil
}

// Main is what cmd/attest calls.
func Main() {
	ctx, stop := signalContext()
	defer stop()
	os.Exit(Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

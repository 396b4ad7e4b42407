package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/jobs"
	"github.com/attest-soc/attest/internal/seed"
	"github.com/attest-soc/attest/internal/signing"
	"github.com/attest-soc/attest/internal/web"
)

func runServe(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("serve", "serve")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return a.serve(ctx)
}

// serveGCPercent is the garbage collector's target when GOGC is not set. The server's live heap
// is small (tens of MB) and every page allocates its rows afresh, so at the default (100) the
// collector ran so often it took a tenth of the CPU under load; 400 trades some memory for it
// (docs/performance.md, issue #19).
const serveGCPercent = 400

func (a *app) serve(ctx context.Context) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if a.cfg.PprofAddr != "" {
		go a.servePprof()
	}
	signer, err := a.auditSigner()
	if err != nil {
		return err
	}
	gdb, appDSN, err := a.appDatabase(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	srv, err := web.New(gdb, a.cfg, a.clock, a.log)
	if err != nil {
		return err
	}
	srv.UseAuditSigner(signer)
	// Background jobs (population imports) run on River beside the server; every instance works
	// the same queue, each job once. Stopping cancels jobs in progress: they roll back and are
	// retried here after a restart or by another instance. It connects as the server does (the
	// least-privilege role; River's tables come from Attest's migrations).
	runner, err := jobs.NewRunner(ctx, appDSN, srv.Workers(), a.log, jobs.Options{})
	if err != nil {
		return err
	}
	if err := runner.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := runner.Stop(stopCtx); err != nil {
			a.log.Error("stopping the job runner", "err", err)
		}
	}()
	// The e-mail sender and the hourly housekeeping (the overdue digest, at most one per person
	// per day however many servers run it; pruning dead sessions and old sign-in attempts) work
	// beside the server and stop with it.
	var wg sync.WaitGroup
	workCtx, stopWork := context.WithCancel(ctx)
	wg.Add(2)
	go func() { defer wg.Done(); srv.Notifier.Run(workCtx, 30*time.Second) }()
	go func() {
		defer wg.Done()
		every(workCtx, time.Hour, func(ctx context.Context) {
			if n, err := srv.Requests.QueueOverdueDigest(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("queueing the overdue digest", "err", err)
			} else if n > 0 {
				a.log.Info("overdue digest queued", "emails", n)
			}
			if sessions, attempts, err := srv.Auth.Prune(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("pruning sessions", "err", err)
			} else if sessions+attempts > 0 {
				a.log.Info("pruned", "sessions", sessions, "login_attempts", attempts)
			}
			// A signed checkpoint of the audit chain at least hourly, so truncating or rewriting
			// the trail is detected (attest audit verify).
			if cp, err := srv.Audit.WriteCheckpoint(ctx, signer, audit.CheckpointHourly); err != nil && ctx.Err() == nil {
				a.log.Error("writing the audit checkpoint", "err", err)
			} else if err == nil {
				a.log.Info("audit checkpoint written", "events", cp.EventCount, "head_id", cp.HeadID, "key_id", cp.KeyID)
			}
			// Temporary files of interrupted uploads (older than an hour) and blobs no row refers
			// to (older than a day), in the local directory or S3.
			if got, err := srv.Evidence.CollectLeftovers(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("collecting evidence leftovers", "err", err, "temp_files", got.TempFiles, "orphan_blobs", got.Orphans)
			} else {
				a.log.Info("evidence leftovers collected", "temp_files", got.TempFiles, "orphan_blobs", got.Orphans)
			}
		})
	}()
	defer func() { stopWork(); wg.Wait() }()
	return srv.Run(ctx)
}

// servePprof serves Go's profiler (net/http/pprof) on the loopback address ATTEST_PPROF_ADDR,
// apart from the application's router, for measuring (docs/performance.md).
func (a *app) servePprof() {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: a.cfg.PprofAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	a.log.Info("profiler listening", "addr", a.cfg.PprofAddr)
	if err := srv.ListenAndServe(); err != nil {
		a.log.Error("profiler stopped", "err", err)
	}
}

// auditSigner loads the checkpoint signing key (ATTEST_AUDIT_KEY_FILE). Development generates
// one at the default .data/audit-key.pem; production refuses to start without it.
func (a *app) auditSigner() (*audit.Signer, error) {
	path := a.cfg.AuditKeyFile
	if path == "" {
		return nil, errors.New("ATTEST_AUDIT_KEY_FILE must be set when ATTEST_ENV=production: it names the Ed25519 key that signs the audit trail's checkpoints, kept outside the database. Create one with `attest audit keygen FILE` (README: The anchored audit trail)")
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if a.cfg.Production() {
			return nil, fmt.Errorf("ATTEST_AUDIT_KEY_FILE=%s does not exist: create it with `attest audit keygen %s` and keep a copy of its public key elsewhere", path, path)
		}
		if err := audit.GenerateKeyFile(path); err != nil {
			return nil, err
		}
		a.log.Info("generated the development audit signing key", "file", path)
	}
	return audit.LoadSigner(path)
}

// appDatabase migrates as the schema's owner and returns the connection the server runs on: the
// least-privilege application role wherever one is set up (db.GrantAppRole). The local cluster
// creates attest_app; with ATTEST_MIGRATE_DATABASE_URL the owner grants DATABASE_URL's role. The
// production server refuses a role that could alter the audit trail.
func (a *app) appDatabase(ctx context.Context) (*gorm.DB, string, error) {
	owner, err := a.database(ctx)
	if err != nil {
		return nil, "", err
	}
	defer db.Close(owner)
	if err := db.Migrate(ctx, owner); err != nil {
		return nil, "", err
	}
	var dsn, role string
	switch {
	case a.cfg.DatabaseURL == "":
		cluster, err := db.DefaultLocalCluster()
		if err != nil {
			return nil, "", err
		}
		if err := db.EnsureRole(ctx, owner, db.LocalAppRole, ""); err != nil {
			return nil, "", err
		}
		if err := db.GrantAppRole(ctx, owner, db.LocalAppRole); err != nil {
			return nil, "", err
		}
		dsn = cluster.DSNAs(db.LocalAppRole, "attest")
	case a.cfg.MigrateDatabaseURL != "":
		// The owner creates DATABASE_URL's role with its password when it does not exist yet
		// (docker-compose's first start); an existing role keeps its password.
		dsn = a.cfg.DatabaseURL
		pc, err := pgconn.ParseConfig(dsn)
		if err != nil {
			return nil, "", fmt.Errorf("DATABASE_URL: %w", err)
		}
		role = pc.User
		if err := db.EnsureRole(ctx, owner, role, pc.Password); err != nil {
			return nil, "", err
		}
	default:
		dsn = a.cfg.DatabaseURL // one role for both: development only
	}
	app, err := db.Open(ctx, dsn)
	if err != nil {
		return nil, "", err
	}
	if a.cfg.MigrateDatabaseURL != "" {
		if err := db.GrantAppRole(ctx, owner, role); err != nil {
			db.Close(app)
			return nil, "", err
		}
	}
	if err := db.CheckLeastPrivilege(ctx, app); err != nil {
		if a.cfg.Production() {
			db.Close(app)
			return nil, "", fmt.Errorf("refusing to start: %w. Connect the server (DATABASE_URL) as a role that may only read and add audit events, and run migrations as the owner (ATTEST_MIGRATE_DATABASE_URL); see README, Deployment", err)
		}
		a.log.Warn("the server's database role could alter the audit trail (allowed in development only)", "err", err)
	}
	return app, dsn, nil
}

// every runs fn at once and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func runDev(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("dev", "dev")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gdb, err := a.database(ctx)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx, gdb); err != nil {
		return err
	}
	logins, err := a.seedDemo(ctx, gdb)
	db.Close(gdb)
	if err != nil {
		return err
	}
	printLogins(a, logins)
	return a.serve(ctx)
}

func printLogins(a *app, logins []seed.Login) {
	fmt.Fprintf(a.stdout, "\nAttest is starting on %s\n\nDemo logins (password %q for all):\n", a.cfg.BaseURL, seed.DemoPassword)
	for _, l := range logins {
		fmt.Fprintf(a.stdout, "  %-28s %-14s %s\n", l.Email, l.Role, l.Note)
	}
	fmt.Fprintln(a.stdout)
}

func runSeed(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("seed", "seed --demo | seed --scale large")
	demo := fs.Bool("demo", false, "load the fictional demo firm, clients and engagements (idempotent)")
	scale := fs.String("scale", "", "large: load the scale fixture for benchmarks and `attest loadtest` (idempotent; about a minute)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scale != "" && *scale != "large" {
		fmt.Fprintf(a.stderr, "attest seed: unknown scale %q (the one scale is \"large\")\n", *scale)
		return ErrUsage
	}
	if !*demo && *scale == "" {
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
	if *scale != "" {
		return a.seedScale(ctx, gdb)
	}
	logins, err := a.seedDemo(ctx, gdb)
	if err != nil {
		return err
	}
	printLogins(a, logins)
	return nil
}

// seedScale loads the large scale fixture and says where it is.
func (a *app) seedScale(ctx context.Context, gdb *gorm.DB) error {
	store, err := evidence.NewStore(ctx, a.cfg)
	if err != nil {
		return fmt.Errorf("opening the evidence store: %w", err)
	}
	fmt.Fprintln(a.stdout, "Loading the large scale fixture (200 clients, 1,000 engagements, one large engagement with a 1,000,000-row population and 200,000 audit events)…")
	res, err := seed.SeedScale(ctx, gdb, store, a.clock, seed.LargeScale)
	if err != nil {
		return err
	}
	if res.Created {
		fmt.Fprintf(a.stdout, "Loaded in %s.\n", res.Took.Round(time.Second))
	} else {
		fmt.Fprintln(a.stdout, "The scale fixture is already loaded; nothing changed.")
	}
	fmt.Fprintf(a.stdout, "Large engagement: /engagements/%d (test with samples: /tests/%d/population)\nSign in as %s or %s, password %q; then run `attest loadtest`.\n",
		res.EngagementID, res.TestID, seed.ScaleManagerEmail, seed.ScaleClientEmail, seed.DemoPassword)
	return nil
}

// seedDemo loads the demo data, putting demo evidence in the configured evidence store.
func (a *app) seedDemo(ctx context.Context, gdb *gorm.DB) ([]seed.Login, error) {
	store, err := evidence.NewStore(ctx, a.cfg)
	if err != nil {
		return nil, fmt.Errorf("opening the evidence store: %w", err)
	}
	opts := []seed.Option{seed.WithEvidenceStore(store), seed.WithBaseURL(a.cfg.BaseURL)}
	if a.cfg.SigningCertFile != "" {
		// The demo's issued reports are signed like the server's when a certificate is configured.
		signer, err := signing.Load(a.cfg.SigningCertFile, a.cfg.SigningKeyFile)
		if err != nil {
			return nil, err
		}
		opts = append(opts, seed.WithSigner(signer))
	}
	return seed.Demo(ctx, gdb, a.clock, opts...)
}

func runMigrate(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("migrate", "migrate [up|down|status]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gdb, err := a.database(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	switch verb := fs.Arg(0); verb {
	case "", "up":
		if err := db.Migrate(ctx, gdb); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, "migrations applied")
		return nil
	case "down":
		return db.MigrateDown(ctx, gdb)
	case "status":
		return db.MigrationStatus(ctx, gdb, a.stdout)
	default:
		fmt.Fprintf(a.stderr, "attest migrate: unknown action %q\n", verb)
		fs.Usage()
		return ErrUsage
	}
}

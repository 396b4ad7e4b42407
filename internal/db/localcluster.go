package db

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LocalCluster is a PostgreSQL cluster in a project folder (.data/postgres), started from the
// machine's PostgreSQL binaries. It listens only on a Unix socket inside its folder, so it never
// collides with a PostgreSQL already running on the machine.
type LocalCluster struct {
	Dir string // absolute path of the data folder
}

// The OS user that runs the server when we are root: initdb refuses to run as root.
const clusterOSUser = "postgres"

// DSN is the connection string for database name on this cluster, as the owner (attest).
func (c LocalCluster) DSN(name string) string { return c.DSNAs("attest", name) }

// DSNAs connects as role (the local cluster trusts its own socket).
func (c LocalCluster) DSNAs(role, name string) string {
	return fmt.Sprintf("host=%s user=%s dbname=%s sslmode=disable", c.Dir, role, name)
}

// Ensure initialises the cluster if needed and starts it if it is not running. Several processes
// (test packages run in parallel) may call it at once: a file lock serialises them.
func (c LocalCluster) Ensure(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Dir(c.Dir), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(c.Dir), err)
	}
	unlock, err := lockFile(c.Dir + ".lock")
	if err != nil {
		return err
	}
	defer unlock()

	bin, err := postgresBinDir()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.Dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx, bin); err != nil {
			return err
		}
	}
	if c.running(ctx, bin) {
		return nil
	}
	logFile := filepath.Join(c.Dir, "server.log")
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -c max_connections=200 -c fsync=off -c full_page_writes=off", c.Dir)
	if err := c.run(ctx, filepath.Join(bin, "pg_ctl"), "-D", c.Dir, "-l", logFile, "-o", opts, "-w", "-t", "60", "start"); err != nil {
		tail, _ := os.ReadFile(logFile)
		return fmt.Errorf("starting PostgreSQL in %s: %w\n%s", c.Dir, err, lastLines(string(tail), 15))
	}
	return nil
}

// Stop stops the cluster if it runs.
func (c LocalCluster) Stop(ctx context.Context) error {
	bin, err := postgresBinDir()
	if err != nil {
		return err
	}
	if !c.running(ctx, bin) {
		return nil
	}
	return c.run(ctx, filepath.Join(bin, "pg_ctl"), "-D", c.Dir, "-m", "fast", "-w", "stop")
}

// CreateDatabase creates name (optionally from a template) unless it exists.
func (c LocalCluster) CreateDatabase(ctx context.Context, name string) error {
	gdb, err := Open(ctx, c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer Close(gdb)
	var n int64
	if err := gdb.WithContext(ctx).Raw("SELECT count(*) FROM pg_database WHERE datname = ?", name).Scan(&n).Error; err != nil {
		return fmt.Errorf("looking for database %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	if err := gdb.WithContext(ctx).Exec(`CREATE DATABASE ` + quoteIdent(name)).Error; err != nil {
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	return nil
}

func (c LocalCluster) initdb(ctx context.Context, bin string) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", c.Dir, err)
	}
	if err := c.chownToServerUser(); err != nil {
		return err
	}
	if err := c.run(ctx, filepath.Join(bin, "initdb"), "-D", c.Dir, "-A", "trust", "-U", "attest", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		return fmt.Errorf("initdb in %s: %w", c.Dir, err)
	}
	return nil
}

func (c LocalCluster) running(ctx context.Context, bin string) bool {
	return c.run(ctx, filepath.Join(bin, "pg_ctl"), "-D", c.Dir, "status") == nil
}

// run executes a PostgreSQL binary, as the postgres OS user when we are root.
func (c LocalCluster) run(ctx context.Context, name string, args ...string) error {
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", clusterOSUser, "--", name}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, name, args...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", filepath.Base(name), strings.Join(args, " "), err, lastLines(string(out), 10))
	}
	return nil
}

func (c LocalCluster) chownToServerUser() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup(clusterOSUser)
	if err != nil {
		return fmt.Errorf("running as root needs the %q OS user (install the postgresql package): %w", clusterOSUser, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(c.Dir, uid, gid); err != nil {
		return fmt.Errorf("handing %s to %s: %w", c.Dir, clusterOSUser, err)
	}
	// The server user must be able to reach the folder through its parents.
	for dir := filepath.Dir(c.Dir); dir != "/"; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(dir, info.Mode().Perm()|0o011); err != nil {
				return fmt.Errorf("making %s traversable for %s: %w", dir, clusterOSUser, err)
			}
		}
	}
	return nil
}

// postgresBinDir finds initdb and pg_ctl on PATH or in Debian's versioned folders.
func postgresBinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found: run `make deps` or install the postgresql package")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("waiting for lock %s: %w", path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ProjectRoot walks up from the working directory to the folder holding go.mod, so the local
// cluster lands in the project's .data/ wherever a command or test runs from.
func ProjectRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// DefaultLocalCluster is the cluster under <project>/.data/postgres.
func DefaultLocalCluster() (LocalCluster, error) {
	root, err := ProjectRoot()
	if err != nil {
		return LocalCluster{}, err
	}
	return LocalCluster{Dir: filepath.Join(root, ".data", "postgres")}, nil
}

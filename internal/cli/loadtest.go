package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/attest-soc/attest/internal/loadtest"
	"github.com/attest-soc/attest/internal/seed"
)

// errTargetMissed makes the command fail when a page missed the target, after the report.
var errTargetMissed = errors.New("a page missed the target (p95 ≤ 25 ms, 0 errors)")

func runLoadtest(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("loadtest", "loadtest [-url URL] [-rate N] [-duration D] [-warmup D]")
	base := fs.String("url", "http://"+a.cfg.Addr, "the running Attest to drive (it must have the scale fixture: attest seed --scale large)")
	rate := fs.Int("rate", 200, "requests per second over all seven pages")
	duration := fs.Duration("duration", 30*time.Second, "how long to hold the rate")
	warmup := fs.Duration("warmup", 10*time.Second, "drive the same rate this long first, reported apart and not judged (a server just started prepares its statements on every connection); 0 for none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rate <= 0 || *duration <= 0 || *warmup < 0 {
		fmt.Fprintln(a.stderr, "attest loadtest: -rate and -duration must be positive, -warmup zero or more")
		return ErrUsage
	}
	rep, err := loadtest.Run(ctx, loadtest.Config{BaseURL: *base, Rate: *rate, Duration: *duration, Warmup: *warmup,
		ManagerEmail: seed.ScaleManagerEmail, ClientEmail: seed.ScaleClientEmail, Password: seed.DemoPassword,
		Engagement: seed.ScaleLargeEngagement}, a.stdout)
	if err != nil {
		return err
	}
	if err := rep.Write(a.stdout); err != nil {
		return err
	}
	if !rep.OK() {
		return errTargetMissed
	}
	return nil
}

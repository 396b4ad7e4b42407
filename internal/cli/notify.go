package cli

import (
	"context"
	"fmt"

	"github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/notify"
	"github.com/attest-soc/attest/internal/requests"
)

// runNotify delivers the e-mail outbox now (send) or queues the daily overdue digest and then
// delivers it (digest); run digest once a day from cron or a scheduler.
func runNotify(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("notify", "notify send|digest")
	if err := fs.Parse(args); err != nil {
		return err
	}
	verb := fs.Arg(0)
	if verb != "send" && verb != "digest" {
		fs.Usage()
		return ErrUsage
	}
	gdb, err := a.database(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	if verb == "digest" {
		svc := &requests.Service{DB: gdb, Clock: a.clock, BaseURL: a.cfg.BaseURL}
		n, err := svc.QueueOverdueDigest(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "queued %d overdue digest(s)\n", n)
	}
	sender := &notify.Sender{DB: gdb, Mailer: notify.NewMailer(a.cfg, a.log), Clock: a.clock, Log: a.log}
	n, err := sender.SendPending(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "sent %d e-mail(s)\n", n)
	return nil
}

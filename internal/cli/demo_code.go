package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/pquerna/otp/totp"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/seed"
)

// runDemoCode prints the current TOTP code of a demo account, so the demo can be tried without
// an authenticator app. It knows only the published demo secrets and refuses in production.
func runDemoCode(_ context.Context, a *app, args []string) error {
	fs := a.newFlags("demo-code", "demo-code --email admin@attest.example")
	email := fs.String("email", "", "a demo account that uses MFA ("+demoMFAEmails()+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if a.cfg.Production() {
		return errors.New("demo-code is disabled when ATTEST_ENV=production")
	}
	secret, ok := seed.DemoMFASecrets[auth.NormalizeEmail(*email)]
	if !ok {
		return fmt.Errorf("%q is not a demo account with MFA; use one of %s", *email, demoMFAEmails())
	}
	code, err := totp.GenerateCode(secret, a.clock.Now())
	if err != nil {
		return fmt.Errorf("generating code: %w", err)
	}
	fmt.Fprintln(a.stdout, code)
	return nil
}

func demoMFAEmails() string {
	emails := make([]string, 0, len(seed.DemoMFASecrets))
	for e := range seed.DemoMFASecrets {
		emails = append(emails, e)
	}
	sort.Strings(emails)
	return strings.Join(emails, ", ")
}

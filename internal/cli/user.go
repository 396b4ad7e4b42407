package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/db"
)

func runUser(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(a.stderr, "Usage: attest user create --email E --name N --role ROLE [--client-id ID] [--password-stdin]\n\nThe initial password comes from standard input (--password-stdin) or $"+passwordEnv+"; without either, a one-time set-password link is printed.")
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return nil
		}
		return ErrUsage
	}
	fs := a.newFlags("user create", "user create --email E --name N --role ROLE [--client-id ID] [--password-stdin]")
	email := fs.String("email", "", "e-mail address (the sign-in name)")
	name := fs.String("name", "", "full name")
	title := fs.String("title", "", "job title")
	role := fs.String("role", "", "admin, partner, manager, senior, staff or client")
	clientID := fs.Int64("client-id", 0, "client organization id (client users only)")
	fromStdin := fs.Bool("password-stdin", false, "read the initial password from standard input (its first line)")
	onCommandLine := fs.String("password", "", "refused: a password on the command line is visible to other users; use --password-stdin or $"+passwordEnv)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *onCommandLine != "" {
		fmt.Fprintf(a.stderr, "  --password: a password on the command line shows in the process list and the shell history; pipe it to --password-stdin or set %s instead\n", passwordEnv)
		return fmt.Errorf("user not created")
	}
	password, err := initialPassword(a, *fromStdin)
	if err != nil {
		return err
	}
	gdb, err := a.database(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	if err := db.Migrate(ctx, gdb); err != nil {
		return err
	}
	svc := auth.NewService(gdb, a.clock, a.cfg.SessionIdle, a.cfg.SessionMaxAge)
	in := auth.NewUser{Email: *email, Name: *name, Title: *title, Role: auth.Role(*role), Password: password}
	if *clientID != 0 {
		in.ClientID = clientID
	}
	u, err := svc.CreateUser(ctx, audit.System, in)
	if v, ok := apperr.AsValidation(err); ok {
		for field, msg := range v {
			fmt.Fprintf(a.stderr, "  --%s: %s\n", flagName(field), msg)
		}
		return fmt.Errorf("user not created")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "created user %d %s (%s)\n", u.ID, u.Email, u.Role.Label())
	if password == "" {
		var token string
		err := gdb.Transaction(func(tx *gorm.DB) error {
			token, err = svc.CreateInvitation(ctx, tx, audit.System, u.ID)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "set-password link (valid %s, single use): %s/invitations/%s\n", auth.InvitationTTL, a.cfg.BaseURL, token)
	}
	return nil
}

// passwordEnv names the environment variable `user create` reads an initial password from.
const passwordEnv = "ATTEST_USER_PASSWORD"

// initialPassword reads the new user's password from standard input (first line, without its
// line ending) or from passwordEnv; "" means none (an invitation link is printed instead).
func initialPassword(a *app, fromStdin bool) (string, error) {
	if !fromStdin {
		return a.getenv(passwordEnv), nil
	}
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("--password-stdin: standard input held no password")
	}
	return line, nil
}

func flagName(field string) string {
	if field == "client_id" {
		return "client-id"
	}
	return field
}

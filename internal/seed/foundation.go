package seed

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
)

type demoUser struct {
	email, name, title string
	role               auth.Role
	client             string // key of the client for client users
}

var demoClients = []struct{ key, name, legal, website string }{
	{"northwind", "Northwind Ledger", "Northwind Ledger, Inc.", "https://northwind-ledger.example"},
	{"bluejay", "Bluejay Health Analytics", "Bluejay Health Analytics, Inc.", "https://bluejay-health.example"},
}

var demoUsers = []demoUser{
	{"admin@attest.example", "Avery Admin", "IT administrator", auth.RoleAdmin, ""},
	{"partner@attest.example", "Patricia Okafor", "Engagement partner", auth.RolePartner, ""},
	{"manager@attest.example", "Miguel Santos", "Audit manager", auth.RoleManager, ""},
	{"senior@attest.example", "Sara Lindqvist", "Audit senior", auth.RoleSenior, ""},
	{"staff@attest.example", "Tom Becker", "Staff auditor", auth.RoleStaff, ""},
	{"dana@northwind.example", "Dana Whitfield", "Chief Technology Officer", auth.RoleClient, "northwind"},
	{"jordan@northwind.example", "Jordan Reyes", "Compliance lead", auth.RoleClient, "northwind"},
	{"lee@bluejay.example", "Lee Chen", "Head of Security", auth.RoleClient, "bluejay"},
}

// DemoMFASecrets are the fixed, published TOTP secrets of the demo accounts that must use MFA.
// They are for the demo only: add one to an authenticator app, or run
// `attest demo-code --email admin@attest.example` to print the current code.
var DemoMFASecrets = map[string]string{
	"admin@attest.example":   "ATTESTDEMOADMINMFAKEYFORDEMOONLY",
	"partner@attest.example": "ATTESTDEMOPARTNERMFAKEYDEMOONLYX",
}

var demoLogins = func() []Login {
	var out []Login
	for _, u := range demoUsers {
		note := u.title
		if secret := DemoMFASecrets[u.email]; secret != "" {
			note += " · TOTP secret " + secret + " (or `attest demo-code --email " + u.email + "`)"
		}
		out = append(out, Login{Email: u.email, Role: u.role.Label(), Note: note})
	}
	return out
}()

func seedFoundation(ctx context.Context, e *Env) error {
	err := e.DB.WithContext(ctx).Exec(`UPDATE firm_settings SET firm_name = 'Harbor & Vale CPAs LLP', city = 'Portland', state = 'Oregon'
		WHERE id = 1 AND firm_name = 'Your Firm LLP'`).Error
	if err != nil {
		return err
	}
	for _, c := range demoClients {
		var id int64
		err := e.DB.WithContext(ctx).Raw(`SELECT id FROM clients WHERE lower(name) = lower(?)`, c.name).Row().Scan(&id)
		if err != nil {
			err = e.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				if err := tx.Raw(`INSERT INTO clients (name, legal_name, website) VALUES (?, ?, ?) RETURNING id`, c.name, c.legal, c.website).Row().Scan(&id); err != nil {
					return err
				}
				return audit.Record(ctx, tx, audit.System, audit.Event{Action: "client.create", EntityType: "client", EntityID: id, ClientID: id,
					After: map[string]any{"name": c.name, "legal_name": c.legal}})
			})
			if err != nil {
				return fmt.Errorf("client %s: %w", c.name, err)
			}
		}
		e.SetID("client:"+c.key, id)
	}
	for _, du := range demoUsers {
		var u auth.User
		err := e.DB.WithContext(ctx).Where("lower(email) = ?", du.email).First(&u).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			in := auth.NewUser{Email: du.email, Name: du.name, Title: du.title, Role: du.role, Password: DemoPassword}
			if du.client != "" {
				id := e.ID("client:" + du.client)
				in.ClientID = &id
			}
			u, err = e.Auth.CreateUser(ctx, audit.System, in)
		}
		if err != nil {
			return fmt.Errorf("user %s: %w", du.email, err)
		}
		if secret := DemoMFASecrets[du.email]; secret != "" && !u.MFAEnabled() {
			if _, err := e.Auth.EnableMFA(ctx, audit.System, u.ID, secret); err != nil {
				return fmt.Errorf("enrolling demo user %s in MFA: %w", du.email, err)
			}
			if u, err = e.Auth.UserByID(ctx, u.ID); err != nil {
				return err
			}
		}
		e.users[du.email] = u
	}
	return nil
}

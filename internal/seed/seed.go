// Package seed loads the fictional demo firm and its clients (shared/domain/soc2.md §9) so that
// `make run` shows every feature populated. It is idempotent: a second run changes nothing.
package seed

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/signing"
)

// DemoPassword is the password of every demo account; `make run` prints it.
const DemoPassword = "attest-demo-2026"

// Login is one demo account as `make run` prints it.
type Login struct {
	Email, Role, Note string
}

// Env is what the seed steps share.
type Env struct {
	DB    *gorm.DB
	Auth  *auth.Service
	Clock clock.Clock
	// Evidence is where demo evidence files go; Demo falls back to the default local store.
	Evidence evidence.Store
	// BaseURL is the server's public address, for the links in the demo e-mails.
	BaseURL string
	// Signer, when the firm configured a certificate, signs the demo's issued reports and copies.
	Signer *signing.Signer
	users  map[string]auth.User // by e-mail
	ids    map[string]int64     // named rows created by earlier steps, e.g. "client:northwind"
}

// User returns a demo user created by the foundation step.
func (e *Env) User(email string) auth.User { return e.users[email] }

// ID returns the id of a named row created by an earlier step.
func (e *Env) ID(name string) int64 { return e.ids[name] }

// SetID names a row for later steps.
func (e *Env) SetID(name string, id int64) { e.ids[name] = id }

type step struct {
	name string
	run  func(ctx context.Context, e *Env) error
}

// steps run in order; each area of Attest adds its demo data as one step.
var steps = []step{
	{"firm, clients and users", seedFoundation},
	{"engagements", seedEngagements},
	{"control matrix of the Northwind engagement", seedControls},
	{"fieldwork: tests, samples, exceptions, review notes", seedFieldwork},
	{"information requests and evidence", seedPortal},
	{"the client's coordinator and a colleague", seedCoordinator},
	{"quality review: a procedure copied between clients", seedQuality},
	{"system description and management's assertion", seedDescription},
	{"the issued 2025 report", seedIssuedReport},
}

// Option adjusts the seed environment.
type Option func(*Env)

// WithEvidenceStore stores demo evidence in s (the store the server is configured with).
func WithEvidenceStore(s evidence.Store) Option { return func(e *Env) { e.Evidence = s } }

// WithBaseURL makes the demo e-mails link to the server's configured address.
func WithBaseURL(u string) Option { return func(e *Env) { e.BaseURL = u } }

// WithSigner signs the demo's issued reports and recipient copies with the firm's certificate.
func WithSigner(s *signing.Signer) Option { return func(e *Env) { e.Signer = s } }

// Demo loads the demo data and returns the logins to print.
func Demo(ctx context.Context, gdb *gorm.DB, clk clock.Clock, opts ...Option) ([]Login, error) {
	e := &Env{DB: gdb, Clock: clk, Auth: auth.NewService(gdb, clk, 0, 0), users: map[string]auth.User{}, ids: map[string]int64{}}
	for _, o := range opts {
		o(e)
	}
	for _, s := range steps {
		if err := s.run(ctx, e); err != nil {
			return nil, fmt.Errorf("demo data (%s): %w", s.name, err)
		}
	}
	return demoLogins, nil
}

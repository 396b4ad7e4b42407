// Package web serves Attest over HTTP: the routes, the middleware and thin handlers that parse
// input, ask the policy, call one domain function and render a templ component.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/config"
	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/internal/criteria"
	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/fieldwork"
	"github.com/attest-soc/attest/internal/firm"
	"github.com/attest-soc/attest/internal/jobs"
	"github.com/attest-soc/attest/internal/notify"
	"github.com/attest-soc/attest/internal/opinion"
	"github.com/attest-soc/attest/internal/quality"
	"github.com/attest-soc/attest/internal/report"
	"github.com/attest-soc/attest/internal/requests"
	"github.com/attest-soc/attest/internal/signing"
	"github.com/attest-soc/attest/internal/verification"
)

// Server holds every dependency the handlers use; nothing is global.
type Server struct {
	DB     *gorm.DB
	Config config.Config
	Clock  clock.Clock
	Log    *slog.Logger
	Auth   *auth.Service

	// One Service per capability, built once here; handlers reach each through its field.
	Engagements *engagements.Service
	Controls    *controls.Service
	Criteria    *criteria.Service
	Audit       *audit.Service
	Evidence    *evidence.Service
	Fieldwork   *fieldwork.Service
	Firm        *firm.Service
	Description *description.Service
	Requests    *requests.Service
	Reports     *report.Service
	Opinions    *opinion.Service
	Notifier    *notify.Sender // delivers the e-mail outbox; `attest serve` runs it
	// AuditSigner signs audit checkpoints (audit.WriteCheckpointTx); nil when no key file exists
	// (tests; production refuses to start without one).
	AuditSigner *audit.Signer
	Quality     *quality.Service
	// Verification answers the public verification page and makes recipient copies.
	Verification *verification.Service
	// Signer puts the firm's PDF signature on issued reports and recipient copies; nil when no
	// certificate is configured (reports are then issued unsigned).
	Signer *signing.Signer
	Jobs   *jobs.Inserter // queues background jobs (River); `attest serve` works them

	echo   *echo.Echo
	routes []route
	assets assetIndex
}

// New builds the server and its routes.
func New(gdb *gorm.DB, cfg config.Config, clk clock.Clock, log *slog.Logger) (*Server, error) {
	s := &Server{
		DB:     gdb,
		Config: cfg,
		Clock:  clk,
		Log:    log,
		Auth:   auth.NewService(gdb, clk, cfg.SessionIdle, cfg.SessionMaxAge),
	}
	store, err := evidence.NewStore(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("opening the evidence store: %w", err)
	}
	var auditSigner *audit.Signer
	if cfg.AuditKeyFile != "" {
		if _, statErr := os.Stat(cfg.AuditKeyFile); statErr == nil {
			if auditSigner, err = audit.LoadSigner(cfg.AuditKeyFile); err != nil {
				return nil, err
			}
		}
	}
	if cfg.SigningCertFile != "" {
		// A key that does not match its certificate stops the server here, with the reason.
		if s.Signer, err = signing.Load(cfg.SigningCertFile, cfg.SigningKeyFile); err != nil {
			return nil, err
		}
		log.Info("issued reports are signed", "signer", s.Signer.Subject(), "certificate_expires", s.Signer.NotAfter().Format("2006-01-02"))
	}
	s.Engagements = engagements.NewService(gdb)
	s.Controls = controls.NewService(gdb)
	s.Criteria = criteria.NewService(gdb)
	s.Audit = audit.NewService(gdb)
	s.Evidence = &evidence.Service{DB: gdb, Store: store, MaxBytes: cfg.MaxUploadBytes}
	s.Fieldwork = fieldwork.NewService(gdb, clk)
	s.Firm = &firm.Service{DB: gdb, Clock: clk}
	s.Description = &description.Service{DB: gdb, Clock: clk, Store: store, Password: s.Auth}
	s.Reports = &report.Service{DB: gdb, Store: store, Clock: clk, Description: s.Description}
	if cfg.ReportWordingDir != "" {
		s.Reports.Wording = &report.Wording{FS: os.DirFS(cfg.ReportWordingDir)}
	}
	s.Opinions = opinion.NewService(gdb, clk, s.Auth, s.Reports)
	s.Requests = &requests.Service{DB: gdb, Clock: clk, Evidence: s.Evidence, BaseURL: cfg.BaseURL}
	s.Verification = &verification.Service{DB: gdb, Clock: clk, Store: store, Signer: s.Signer, BaseURL: cfg.BaseURL}
	s.Verification.Render = verification.ReportRenderer{Reports: s.Reports, Codes: s.Verification}
	s.Reports.Issuing = s.Verification
	s.Quality = &quality.Service{DB: gdb, Clock: clk, Threshold: cfg.BoilerplateThreshold}
	s.Opinions.Boilerplate = s.unacknowledgedBoilerplate
	s.UseAuditSigner(auditSigner)
	s.Notifier = &notify.Sender{DB: gdb, Mailer: notify.NewMailer(cfg, log), Clock: clk, Log: log}
	if gdb != nil { // unit tests of the error pages build a server without a database
		if s.Jobs, err = jobs.NewInserter(gdb); err != nil {
			return nil, err
		}
	}
	s.Fieldwork.Blobs, s.Fieldwork.Jobs = store, s.Jobs
	if s.assets, err = newAssetIndex(); err != nil {
		return nil, fmt.Errorf("indexing static files: %w", err)
	}
	s.echo = echo.New()
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.HTTPErrorHandler = s.handleError
	s.echo.IPExtractor = echo.ExtractIPDirect()
	s.useMiddleware()
	s.registerRoutes()
	return s, nil
}

// Workers lists the background jobs this server can work, for the River client that
// `attest serve` runs (jobs.NewRunner).
func (s *Server) Workers() *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &fieldwork.PopulationImportWorker{Service: s.fieldwork()})
	return w
}

// ServeHTTP makes the server an http.Handler (tests use it with httptest).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Run serves until ctx ends, then drains in-flight requests for up to 15 seconds.
func (s *Server) Run(ctx context.Context) error {
	srv := &http.Server{
		Addr:              s.Config.Addr,
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	s.Log.Info("serving", "addr", "http://"+s.Config.Addr)
	select {
	case err := <-errc:
		return fmt.Errorf("serving on %s: %w", s.Config.Addr, err)
	case <-ctx.Done():
	}
	s.Log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// UseAuditSigner sets the key that signs audit checkpoints: the status route, the partner's
// signature and report issue each write one in their transaction (nil writes none).
func (s *Server) UseAuditSigner(signer *audit.Signer) {
	s.AuditSigner, s.Opinions.AuditSigner, s.Reports.AuditSigner = signer, signer, signer
}

// unacknowledgedBoilerplate describes the engagement's boilerplate warnings that the partner has
// not acknowledged, for the signature gate.
func (s *Server) unacknowledgedBoilerplate(ctx context.Context, engagementID int64) ([]string, error) {
	ws, err := s.Quality.Unacknowledged(ctx, engagementID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, fmt.Sprintf("%s %s is %d%% identical to %s (%s)", w.Text.Kind.Label(), w.Text.Ref, w.Percent(), w.Other.EngagementName, w.Other.ClientName))
	}
	return out, nil
}

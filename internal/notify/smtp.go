package notify

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/wneessen/go-mail"

	"github.com/attest-soc/attest/internal/config"
)

// SMTPMailer sends through an SMTP server.
type SMTPMailer struct {
	Host, User, Password, From string
	Port                       int
	// TLS: opportunistic STARTTLS unless the server is plain (tests use a plain local server).
	Plain bool
}

// NewMailer returns the SMTP mailer when ATTEST_SMTP_HOST is set, else the log mailer.
func NewMailer(cfg config.Config, log *slog.Logger) Mailer {
	if cfg.SMTPHost == "" {
		return LogMailer{Log: log}
	}
	return &SMTPMailer{Host: cfg.SMTPHost, Port: cfg.SMTPPort, User: cfg.SMTPUser, Password: cfg.SMTPPassword, From: cfg.MailFrom}
}

// Configured reports whether messages leave the machine (so links need not be shown on screen).
func Configured(cfg config.Config) bool { return cfg.SMTPHost != "" }

// Send delivers m.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	msg := mail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return fmt.Errorf("sender address %q: %w", s.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("recipient address %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	opts := []mail.Option{mail.WithPort(s.Port)}
	if s.Plain {
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if s.User != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(s.User), mail.WithPassword(s.Password))
	}
	client, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return fmt.Errorf("configuring SMTP client for %s: %w", s.Host, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("sending via %s:%d: %w", s.Host, s.Port, err)
	}
	return nil
}

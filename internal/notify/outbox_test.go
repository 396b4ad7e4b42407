package notify

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func queue(t *testing.T, gdb *gorm.DB, msgs ...Message) {
	t.Helper()
	require.NoError(t, gdb.Transaction(func(tx *gorm.DB) error {
		for _, m := range msgs {
			if err := Enqueue(context.Background(), tx, m); err != nil {
				return err
			}
		}
		return nil
	}))
}

func unsent(t *testing.T, gdb *gorm.DB) int {
	var n int
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM notifications WHERE sent_at IS NULL`).Row().Scan(&n))
	return n
}

func TestOutboxIsTransactional(t *testing.T) {
	gdb := dbtest.New(t)
	err := gdb.Transaction(func(tx *gorm.DB) error {
		require.NoError(t, Enqueue(context.Background(), tx, Message{To: "dana@northwind.example", Subject: "s", Body: "b", Kind: "assigned"}))
		return errors.New("the change failed")
	})
	require.Error(t, err)
	assert.Equal(t, 0, unsent(t, gdb), "a rolled-back change sends no e-mail")
}

func TestLogMailerDeliversAndMarksSent(t *testing.T) {
	gdb := dbtest.New(t)
	queue(t, gdb, Message{To: "dana@northwind.example", Subject: "Northwind: R-010 returned", Body: "Q2 review missing", Kind: "returned"},
		Message{To: "jordan@northwind.example", Subject: "Digest", Body: "2 overdue", Kind: "digest"})
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	s := &Sender{DB: gdb, Mailer: LogMailer{Log: log}, Clock: clock.System{}, Log: log}
	n, err := s.SendPending(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, 0, unsent(t, gdb))
	assert.Contains(t, logBuf.String(), "Northwind: R-010 returned")
	assert.Contains(t, logBuf.String(), "dana@northwind.example")
	n, err = s.SendPending(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is sent twice")
}

type failingMailer struct{}

func (failingMailer) Send(context.Context, Message) error { return errors.New("connection refused") }

func TestFailedDeliveryIsKeptWithItsError(t *testing.T) {
	gdb := dbtest.New(t)
	queue(t, gdb, Message{To: "dana@northwind.example", Subject: "s", Body: "b", Kind: "comment"})
	log := slog.New(slog.DiscardHandler)
	s := &Sender{DB: gdb, Mailer: failingMailer{}, Clock: clock.System{}, Log: log}
	n, err := s.SendPending(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n)
	var lastError string
	require.NoError(t, gdb.Raw(`SELECT last_error FROM notifications`).Row().Scan(&lastError))
	assert.Contains(t, lastError, "connection refused")
	assert.Equal(t, 1, unsent(t, gdb), "kept for a later attempt")
}

// fakeSMTP is a minimal SMTP server on 127.0.0.1 that records the messages it receives.
type fakeSMTP struct {
	ln   net.Listener
	mu   sync.Mutex
	mail []string // "to\n\ndata"
}

func startFakeSMTP(t *testing.T) *fakeSMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &fakeSMTP{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(conn)
		}
	}()
	return f
}

func (f *fakeSMTP) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(s string) { conn.Write([]byte(s + "\r\n")) }
	say("220 fake ESMTP")
	var to []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-fake")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "HELO"), strings.HasPrefix(cmd, "MAIL FROM"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			say("250 OK")
		case strings.HasPrefix(cmd, "RCPT TO"):
			to = append(to, strings.TrimSpace(line[len("RCPT TO:"):]))
			say("250 OK")
		case cmd == "DATA":
			say("354 go ahead")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			f.mu.Lock()
			f.mail = append(f.mail, strings.Join(to, ",")+"\n\n"+data.String())
			f.mu.Unlock()
			to = nil
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func (f *fakeSMTP) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.mail...)
}

func TestSMTPDelivery(t *testing.T) {
	gdb := dbtest.New(t)
	srv := startFakeSMTP(t)
	host, port, _ := net.SplitHostPort(srv.ln.Addr().String())
	p, _ := strconv.Atoi(port)
	queue(t, gdb, Message{To: "dana@northwind.example", Subject: "Northwind: R-010 returned", Body: "Q2 review missing", Kind: "returned"})
	s := &Sender{DB: gdb, Mailer: &SMTPMailer{Host: host, Port: p, From: "attest@firm.example", Plain: true}, Clock: clock.System{},
		Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := s.SendPending(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got := srv.received()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "dana@northwind.example")
	assert.Contains(t, got[0], "Subject: Northwind: R-010 returned")
	assert.Contains(t, got[0], "Q2 review missing")
	assert.Equal(t, 0, unsent(t, gdb))
}

func TestRunStopsOnShutdown(t *testing.T) {
	gdb := dbtest.New(t)
	s := &Sender{DB: gdb, Mailer: LogMailer{Log: slog.New(slog.DiscardHandler)}, Clock: clock.System{}, Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx, time.Hour); close(done) }()
	queue(t, gdb, Message{To: "a@b.example", Subject: "s", Body: "b", Kind: "comment"})
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the sender did not stop when its context ended")
	}
}

package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/web/webtest"
)

func TestHealthzAndReadyz(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	c := app.NewClient()
	h := c.Get("/healthz")
	assert.Equal(t, http.StatusOK, h.StatusCode)
	assert.JSONEq(t, `{"status":"ok"}`, h.Body)
	r := c.Get("/readyz")
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.JSONEq(t, `{"status":"ok","database":"ok"}`, r.Body)

	sqlDB, err := app.DB.DB()
	require.NoError(t, err)
	require.NoError(t, sqlDB.Close())
	down := c.Get("/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, down.StatusCode, "not ready without the database")
	assert.Equal(t, http.StatusOK, c.Get("/healthz").StatusCode, "the process itself is still alive")
}

// TestRunShutsDownGracefully: when its context ends (SIGINT/SIGTERM in `attest serve`), Run stops
// listening, drains and returns without error.
func TestRunShutsDownGracefully(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	app := webtest.New(t)
	app.Server.Config.Addr = addr

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Server.Run(ctx) }()
	url := fmt.Sprintf("http://%s/healthz", addr)
	require.Eventually(t, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 5*time.Second, 20*time.Millisecond)

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	_, err = http.Get(url)
	assert.Error(t, err, "the server no longer listens")
}

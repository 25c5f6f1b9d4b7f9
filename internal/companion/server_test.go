package companion

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func portOf(t testing.TB, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(p)
	require.NoError(t, err)
	return n
}

func TestBusyPortMovesToTheNextFree(t *testing.T) {
	a := startServer(t, Options{}, nil)
	b := startServer(t, Options{Addr: a.Addr()}, nil)
	assert.Greater(t, portOf(t, b.Addr()), portOf(t, a.Addr()))
	assert.LessOrEqual(t, portOf(t, b.Addr()), portOf(t, a.Addr())+portTries)
	assert.Contains(t, b.URL(), b.Addr(), "the URL names the port actually bound")

	_, err := New(Options{Addr: "127.0.0.1:http-ish"})
	assert.Error(t, err)
	_, err = New(Options{Addr: "no-port"})
	assert.Error(t, err)
	_, err = New(Options{Addr: "192.0.2.1:8765"}) // not this machine's: fails at once, no port walk
	assert.Error(t, err)
}

func TestStartAndCloseLifecycle(t *testing.T) {
	s, err := New(Options{Addr: "127.0.0.1:0"})
	require.NoError(t, err)
	addr := s.Addr()
	require.NoError(t, s.Close(), "closing an unstarted server frees its port")
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	ln.Close()
	assert.Error(t, s.Start(context.Background()), "a closed server does not start")

	s = startServer(t, Options{}, nil)
	assert.Error(t, s.Start(context.Background()), "already started")
	assert.NoError(t, s.Close())
	assert.NoError(t, s.Close())
	_, err = http.Get("http://" + s.Addr() + "/")
	assert.Error(t, err, "nothing serves after Close")
}

func TestHistoryEndpoint(t *testing.T) {
	s := startServer(t, Options{History: func() (any, error) {
		return []map[string]any{{"date": "2026-11-24", "sessions": 1, "completed": 1}}, nil
	}}, nil)
	resp, err := http.Get("http://" + s.Addr() + "/history")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var days []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&days))
	assert.Equal(t, "2026-11-24", days[0]["date"])

	broken := startServer(t, Options{History: func() (any, error) { return nil, errors.New("disk gone") }}, nil)
	code, body := do(t, broken, "GET", "/history", "", nil)
	assert.Equal(t, 503, code)
	assert.NotContains(t, body, "disk gone", "internal errors stay inside")
}

package companion

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeController struct {
	mu   sync.Mutex
	cmds []coach.Command
}

func (f *fakeController) Send(c coach.Command) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cmds = append(f.cmds, c)
	return true
}

func (f *fakeController) got() []coach.Command {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]coach.Command(nil), f.cmds...)
}

func startServer(t testing.TB, addr string) (*Server, *fakeController) {
	t.Helper()
	ctl := &fakeController{}
	s, err := New(Options{Addr: addr, Controller: ctl})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	s.Start(ctx)
	t.Cleanup(func() { cancel(); s.Close() })
	return s, ctl
}

func wsURL(s *Server, query string) string {
	u := url.URL{Scheme: "ws", Host: s.Addr(), Path: "/ws", RawQuery: query}
	return u.String()
}

func dial(t testing.TB, s *Server, header http.Header) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(wsURL(s, ""), header)
	require.NoError(t, err, "dial: %v", resp)
	t.Cleanup(func() { c.Close() })
	return c
}

type msg struct {
	Type    string `json:"type"`
	Seq     uint64 `json:"seq"`
	Paused  bool   `json:"paused"`
	Text    string `json:"text"`
	Message string `json:"message"`
}

func read(t testing.TB, c *websocket.Conn) msg {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := c.ReadMessage()
	require.NoError(t, err)
	var m msg
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// readUntilSeq reads until a state with seq arrives, counting the states.
func readUntilSeq(t testing.TB, c *websocket.Conn, seq uint64) int {
	t.Helper()
	n := 0
	for {
		m := read(t, c)
		if m.Type == "state" {
			n++
			if m.Seq == seq {
				return n
			}
		}
	}
}

func TestSnapshotOnConnectAndReconnect(t *testing.T) {
	s, _ := startServer(t, "127.0.0.1:0")
	s.Hub.Publish(coach.State{Seq: 7, Routine: "upper-back"})
	require.Eventually(t, func() bool { s.Hub.mu.Lock(); defer s.Hub.mu.Unlock(); return s.Hub.snap != nil }, 2*time.Second, time.Millisecond)
	for range 2 { // a first visit, then a reconnect
		c := dial(t, s, nil)
		m := read(t, c)
		assert.Equal(t, "state", m.Type)
		assert.Equal(t, uint64(7), m.Seq, "a page opened mid-session catches up at once")
		c.Close()
	}
}

func TestThousandClientsAndANonReader(t *testing.T) {
	s, _ := startServer(t, "127.0.0.1:0")
	// A page that connects and never reads must not hold anyone up.
	stuck := dial(t, s, nil)
	_ = stuck
	clients := make([]*websocket.Conn, 1000)
	for i := range clients {
		clients[i] = dial(t, s, nil)
	}
	require.Eventually(t, func() bool { return s.Hub.Clients() == 1001 }, 5*time.Second, 5*time.Millisecond)
	start := time.Now()
	for seq := uint64(1); seq <= 100; seq++ {
		s.Hub.Publish(coach.State{Seq: seq})
	}
	assert.Less(t, time.Since(start), 50*time.Millisecond, "publishing never waits on the network")
	var wg sync.WaitGroup
	var total atomic.Int64
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			total.Add(int64(readUntilSeq(t, c, 100)))
		}()
	}
	wg.Wait()
	t.Logf("1000 clients got the latest of 100 states with %d messages in all, in %s", total.Load(), time.Since(start))
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestSlowClientGetsTheLatestStateNotABacklog(t *testing.T) {
	s, _ := startServer(t, "127.0.0.1:0")
	c := dial(t, s, nil)
	for seq := uint64(1); seq <= 500; seq++ {
		s.Hub.Publish(coach.State{Seq: seq})
		if seq == 10 {
			time.Sleep(100 * time.Millisecond) // the page is busy; states pile up meanwhile
		}
	}
	n := readUntilSeq(t, c, 500)
	assert.Less(t, n, 500, "states are coalesced")
}

func TestClientThatCannotKeepUpWithCuesIsDropped(t *testing.T) {
	s, _ := startServer(t, "127.0.0.1:0")
	stuck := dial(t, s, nil)
	_ = stuck
	good := dial(t, s, nil)
	require.Eventually(t, func() bool { return s.Hub.Clients() == 2 }, 2*time.Second, time.Millisecond)
	done := make(chan struct{})
	var got atomic.Int64
	go func() {
		defer close(done)
		for {
			good.SetReadDeadline(time.Now().Add(3 * time.Second))
			if _, _, err := good.ReadMessage(); err != nil {
				return
			}
			got.Add(1)
		}
	}()
	// Big cues, one a millisecond: the reading page keeps up, the stuck
	// page's socket buffers fill, then its queue, and it is dropped.
	text := strings.Repeat("Breathe in, open the arm. ", 800)
	for i := 0; i < 5000 && s.Hub.Dropped() == 0; i++ {
		s.Hub.PublishCue(text, int64(i), uint64(i))
		time.Sleep(time.Millisecond)
	}
	require.Eventually(t, func() bool { return s.Hub.Dropped() >= 1 }, 10*time.Second, 10*time.Millisecond, "the stuck page is evicted")
	assert.Equal(t, 1, s.Hub.Clients(), "the reading page stays")
	good.Close()
	<-done
	assert.Greater(t, got.Load(), int64(100))
}

func TestCommandsAndBadFrames(t *testing.T) {
	s, ctl := startServer(t, "127.0.0.1:0")
	c := dial(t, s, nil)
	require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","command":"pause"}`)))
	require.Eventually(t, func() bool { return len(ctl.got()) == 1 }, 2*time.Second, time.Millisecond)
	assert.Equal(t, []coach.Command{coach.CmdPause}, ctl.got())

	tests := []struct{ send, want string }{
		{`{"type":"command","command":"explode"}`, `unknown command "explode"`},
		{`{"type":"command","command":"paus"}`, `(did you mean "pause"?)`},
		{`not json`, "malformed message"},
		{`{"type":"hello"}`, `unknown message type "hello"`},
	}
	for _, tt := range tests {
		require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(tt.send)))
		m := read(t, c)
		assert.Equal(t, "error", m.Type)
		assert.Contains(t, m.Message, tt.want)
	}
	// The connection stayed: a command still works.
	require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","command":"next"}`)))
	require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","command":"pain"}`)))
	require.Eventually(t, func() bool { return len(ctl.got()) == 3 }, 2*time.Second, time.Millisecond)
	assert.Equal(t, []coach.Command{coach.CmdPause, coach.CmdNext, coach.CmdPain}, ctl.got())

	// A frame over 4 KiB closes the connection.
	big := `{"type":"command","command":"` + strings.Repeat("x", 5000) + `"}`
	require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(big)))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			break
		}
	}
	assert.Len(t, ctl.got(), 3)
}

func TestSecurity(t *testing.T) {
	s, _ := startServer(t, "127.0.0.1:0")
	get := func(rawurl string, header http.Header) int {
		req, err := http.NewRequest("GET", rawurl, nil)
		require.NoError(t, err)
		for k, v := range header {
			req.Header[k] = v
		}
		if h := header.Get("Host"); h != "" {
			req.Host = h
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	base := "http://" + s.Addr()
	assert.Equal(t, 200, get(base+"/", nil))
	assert.Equal(t, 403, get(base+"/", http.Header{"Host": {"evil.example:8765"}}), "DNS rebinding: a foreign Host is refused")

	_, resp, err := websocket.DefaultDialer.Dial(wsURL(s, ""), http.Header{"Origin": {"http://evil.example"}})
	require.Error(t, err)
	assert.Equal(t, 403, resp.StatusCode, "cross-origin handshake refused")
	c, _, err := websocket.DefaultDialer.Dial(wsURL(s, ""), http.Header{"Origin": {"http://" + s.Addr()}})
	require.NoError(t, err, "same-origin handshake accepted")
	c.Close()
}

func TestLANModeNeedsTheToken(t *testing.T) {
	s, _ := startServer(t, "0.0.0.0:0")
	require.Len(t, s.Token(), 32, "a random 128-bit token")
	assert.Contains(t, s.URL(), "token="+s.Token())
	_, port, _ := strings.Cut(s.Addr(), "]:")
	if port == "" {
		port = s.Addr()[strings.LastIndex(s.Addr(), ":")+1:]
	}
	base := "http://127.0.0.1:" + port
	tests := []struct {
		query string
		code  int
	}{
		{"", 401},
		{"?token=wrong", 401},
		{"?token=" + s.Token()[:31], 401},
		{"?token=" + s.Token(), 200},
	}
	for _, tt := range tests {
		resp, err := http.Get(base + "/" + tt.query)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tt.code, resp.StatusCode, tt.query)
	}
	_, resp, err := websocket.DefaultDialer.Dial("ws://127.0.0.1:"+port+"/ws", nil)
	require.Error(t, err)
	assert.Equal(t, 401, resp.StatusCode)
	c, _, err := websocket.DefaultDialer.Dial("ws://127.0.0.1:"+port+"/ws?token="+s.Token(), nil)
	require.NoError(t, err)
	c.Close()
	qr, err := s.QR()
	require.NoError(t, err)
	assert.Greater(t, strings.Count(qr, "\n"), 10)
}

func TestBusyPortMovesToTheNextFree(t *testing.T) {
	a, _ := startServer(t, "127.0.0.1:0")
	port := a.Addr()[strings.LastIndex(a.Addr(), ":")+1:]
	b, _ := startServer(t, "127.0.0.1:"+port)
	assert.NotEqual(t, a.Addr(), b.Addr())
}

func TestHistoryEndpoint(t *testing.T) {
	s, err := New(Options{Addr: "127.0.0.1:0", History: func() (any, error) {
		return []map[string]any{{"date": "2026-11-24", "sessions": 1, "completed": 1}}, nil
	}})
	require.NoError(t, err)
	s.Start(context.Background())
	defer s.Close()
	resp, err := http.Get("http://" + s.Addr() + "/history")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	var days []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&days))
	assert.Equal(t, "2026-11-24", days[0]["date"])
}

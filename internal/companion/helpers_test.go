package companion

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/scripts"
	"github.com/coach-dev/coach/voice"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// fakeController records commands; refuse makes Send report a full queue.
type fakeController struct {
	mu     sync.Mutex
	cmds   []coach.Command
	refuse bool
}

func (f *fakeController) Send(c coach.Command) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse {
		return false
	}
	f.cmds = append(f.cmds, c)
	return true
}

func (f *fakeController) got() []coach.Command {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]coach.Command(nil), f.cmds...)
}

// startServer serves opt (Addr defaults to a free loopback port) with the
// given timing (nil: the real one) and closes it when the test ends.
func startServer(t testing.TB, opt Options, tm *timing) *Server {
	t.Helper()
	if opt.Addr == "" {
		opt.Addr = "127.0.0.1:0"
	}
	if tm == nil {
		tm = &defaultTiming
	}
	s, err := newServer(opt, *tm)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, s.Start(ctx))
	t.Cleanup(func() { cancel(); s.Close() })
	return s
}

// local is the server's address as this machine reaches it (a wildcard
// bind is reached on 127.0.0.1).
func local(s *Server) string {
	host, port, _ := net.SplitHostPort(s.Addr())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func wsURL(s *Server, query string) string {
	return (&url.URL{Scheme: "ws", Host: local(s), Path: "/ws", RawQuery: query}).String()
}

var dialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second}

func dial(t testing.TB, s *Server, header http.Header) *websocket.Conn {
	t.Helper()
	c, resp, err := dialer.Dial(wsURL(s, ""), header)
	require.NoError(t, err, "dial: %v", resp)
	t.Cleanup(func() { c.Close() })
	readHello(t, c)
	return c
}

// readHello reads the first message, which is always the hello.
func readHello(t testing.TB, c *websocket.Conn) Hello {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := c.ReadMessage()
	require.NoError(t, err)
	var h struct {
		Type string `json:"type"`
		Hello
	}
	require.NoError(t, json.Unmarshal(b, &h))
	require.Equal(t, typeHello, h.Type, "the first message is the hello: %s", b)
	return h.Hello
}

// msg is any server message, decoded loosely.
type msg struct {
	Type     string               `json:"type"`
	Seq      uint64               `json:"seq"`
	Routine  string               `json:"routine"`
	Exercise *coach.ExerciseState `json:"exercise"`
	Rep      int                  `json:"rep"`
	Caption  string               `json:"caption"`
	Paused   bool                 `json:"paused"`
	Finished bool                 `json:"finished"`
	Stopped  bool                 `json:"stopped"`
	Text     string               `json:"text"`
	AtMS     int64                `json:"at_ms"`
	Message  string               `json:"message"`
}

func readMsg(c *websocket.Conn, timeout time.Duration) (msg, error) {
	c.SetReadDeadline(time.Now().Add(timeout))
	_, b, err := c.ReadMessage()
	if err != nil {
		return msg{}, err
	}
	var m msg
	err = json.Unmarshal(b, &m)
	return m, err
}

func read(t testing.TB, c *websocket.Conn) msg {
	t.Helper()
	m, err := readMsg(c, 5*time.Second)
	require.NoError(t, err)
	return m
}

// readUntilSeq reads until a state with seq arrives; it returns how many
// states came, and fails on a state older than one already seen.
func readUntilSeq(t testing.TB, c *websocket.Conn, seq uint64) int {
	t.Helper()
	n, last := 0, uint64(0)
	for {
		m, err := readMsg(c, 10*time.Second)
		if err != nil {
			t.Errorf("waiting for state %d (last %d): %v", seq, last, err)
			return n
		}
		if m.Type != typeState {
			continue
		}
		n++
		if m.Seq < last {
			t.Errorf("state %d after state %d: a page must never go back to an older state", m.Seq, last)
		}
		last = m.Seq
		if m.Seq >= seq {
			return n
		}
	}
}

// readSeq reads one message and returns its seq, parsing only the start
// (a state's seq is its second field), for readers that must keep up.
func readSeq(c *websocket.Conn, timeout time.Duration) (uint64, error) {
	c.SetReadDeadline(time.Now().Add(timeout))
	_, r, err := c.NextReader()
	if err != nil {
		return 0, err
	}
	head := make([]byte, 64)
	k, _ := io.ReadFull(r, head)
	io.Copy(io.Discard, r)
	m := seqRE.FindSubmatch(head[:k])
	if m == nil {
		return 0, nil
	}
	return strconv.ParseUint(string(m[1]), 10, 64)
}

var seqRE = regexp.MustCompile(`"seq":(\d+)`)

// waitClients waits until the server counts n pages.
func waitClients(t testing.TB, s *Server, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return s.Clients() == n }, 20*time.Second, 2*time.Millisecond, "want %d pages, have %d", n, s.Clients())
}

// live is a real session of the built-in upper-back routine: compiled with
// the default voice pack, mixed, and pulled by the silent wall-clock sink at
// speed (what `coach run --no-audio --speed N` does).
type live struct {
	sess  *coach.Session
	tl    *coach.Timeline
	mixer *voice.Mixer
	clock *voice.ClockSink
	sum   coach.Record
}

// builtin compiles the built-in upper-back routine with the default pack:
// its timeline, the pack and the clips' placements.
func builtin(t testing.TB, opt coach.Options) (*coach.Timeline, *voice.Pack, []voice.Placement) {
	t.Helper()
	routines, err := coach.LoadBuiltin(scripts.FS)
	require.NoError(t, err)
	var r *coach.Routine
	for _, x := range routines {
		if x.ID == "upper-back" {
			r = x
		}
	}
	require.NotNil(t, r, "the built-in upper-back routine")
	pack, err := voice.Default()
	require.NoError(t, err)
	tl, err := coach.Compile(r, pack, opt)
	require.NoError(t, err)
	pl, err := voice.Placements(tl, pack)
	require.NoError(t, err)
	return tl, pack, pl
}

func newLive(t testing.TB, speed float64, opt coach.Options) *live {
	t.Helper()
	tl, pack, pl := builtin(t, opt)
	l := &live{tl: tl, mixer: voice.NewMixer(pl, tl.Length, 1), clock: voice.NewClockSink(tl.Rate, speed)}
	l.sess = coach.NewSession(tl, voice.PackPlayer{Mixer: l.mixer, Pack: pack}, l.clock.Buffered, coach.Config{Speed: speed})
	return l
}

// run starts the clock and the session; both stop when the test ends. The
// returned channel is closed when Run returns; l.sum is then its summary.
func (l *live) run(t testing.TB, ctx context.Context) <-chan struct{} {
	t.Helper()
	require.NoError(t, l.clock.Start(l.mixer))
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.sum = l.sess.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		l.clock.Close()
	})
	return done
}

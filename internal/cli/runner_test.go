package cli

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/companion"
	"github.com/coach-dev/coach/internal/term"
	"github.com/coach-dev/coach/voice"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stallingDevice pulls in real time, like a sound card, until stallAfter;
// then it stops pulling without a word, as a wedged driver does.
type stallingDevice struct {
	rate       int
	startAfter time.Duration // the first pull comes this late (a sound server taking its first client)
	stallAfter time.Duration
	mu         sync.Mutex
	stalledAt  time.Time
	stop       chan struct{}
}

func (d *stallingDevice) Start(s voice.Streamer) error {
	d.stop = make(chan struct{})
	go func() {
		buf := make([]float32, d.rate/100)
		select {
		case <-time.After(d.startAfter):
		case <-d.stop:
			return
		}
		start := time.Now()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-d.stop:
				return
			case now := <-t.C:
				if now.Sub(start) > d.stallAfter {
					d.mu.Lock()
					d.stalledAt = now
					d.mu.Unlock()
					<-d.stop
					return
				}
				s.Stream(buf)
			}
		}
	}()
	return nil
}
func (d *stallingDevice) Buffered() int64 { return 0 }
func (d *stallingDevice) Err() error      { return nil }
func (d *stallingDevice) Close() error    { close(d.stop); return nil }
func (d *stallingDevice) stalled() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stalledAt
}

// A device that stops pulling is noticed within 2 s: the session says so
// in one line and goes on on the wall clock (or, with --audio required,
// ends with exit code 1).
func TestStalledDeviceIsNoticed(t *testing.T) {
	for _, required := range []bool{false, true} {
		name := map[bool]string{false: "auto", true: "required"}[required]
		t.Run(name, func(t *testing.T) {
			dev := &stallingDevice{rate: voice.DefaultRate, stallAfter: time.Second}
			defer func(f func(int) (voice.Sink, error)) { openDevice = f }(openDevice)
			openDevice = func(int) (voice.Sink, error) { return dev, nil }
			var out, errb lockedBuffer
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			args := []string{"run", "upper-back", "--companion", "off", "--history", "off", "--no-checkin", "--no-media-keys", "--audio", name}
			code := make(chan int, 1)
			go func() {
				code <- MainContext(ctx, args, IO{In: strings.NewReader(""), Out: &out, Err: &errb, Env: func(string) string { return "" }})
			}()
			require.Eventually(t, func() bool { return strings.Contains(errb.String(), "the sound device failed") }, 10*time.Second, 10*time.Millisecond)
			noticed := time.Since(dev.stalled())
			t.Logf("noticed %s after the device stopped pulling: %q", noticed.Round(10*time.Millisecond), errb.String())
			assert.Less(t, noticed, 2*time.Second)
			assert.Equal(t, 1, strings.Count(errb.String(), "\n"), "one line")
			if required {
				select {
				case c := <-code:
					assert.Equal(t, ExitFailure, c)
				case <-time.After(10 * time.Second):
					t.Fatal("the session did not end")
				}
				assert.Contains(t, out.String(), "Session stopped")
				return
			}
			// The session goes on, silently, on the wall clock.
			require.Eventually(t, func() bool { return strings.Contains(out.String(), "Go slowly") }, 10*time.Second, 20*time.Millisecond,
				"the session went on after the device failed: %s", out.String())
			cancel()
			assert.Equal(t, ExitOK, <-code)
		})
	}
}

// A device whose first pull comes 2 s late (a sound server taking its first
// client) is not taken for a failed one.
func TestSlowStartingDeviceIsKept(t *testing.T) {
	dev := &stallingDevice{rate: voice.DefaultRate, startAfter: 2 * time.Second, stallAfter: time.Hour}
	defer func(f func(int) (voice.Sink, error)) { openDevice = f }(openDevice)
	openDevice = func(int) (voice.Sink, error) { return dev, nil }
	var out, errb lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() {
		code <- MainContext(ctx, []string{"run", "upper-back", "--companion", "off", "--history", "off", "--no-checkin", "--no-media-keys", "--audio", "required"},
			IO{In: strings.NewReader(""), Out: &out, Err: &errb, Env: func(string) string { return "" }})
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "Go slowly") }, 10*time.Second, 20*time.Millisecond)
	cancel()
	assert.Equal(t, ExitOK, <-code)
	assert.Empty(t, errb.String())
}

// A control added as one entry of the table is in the terminal's help and
// key decoding and in the page's hello.
func TestOneEntryMakesAControl(t *testing.T) {
	controls := append(append([]coach.Control(nil), coach.Controls...), coach.Control{
		Command: "slower", Keys: []string{"s"}, Label: "Slower", Hint: "slower", Help: "Slow the pace down.", Button: true,
	})
	assert.Contains(t, term.HelpLines(controls)[0], "s slower")
	assert.Equal(t, coach.Command("slower"), term.KeyMapFor(controls)['s'])
	assert.Equal(t, coach.Command("slower"), term.KeyMapFor(controls)['S'])
	srv, err := companion.New(companion.Options{Addr: "127.0.0.1:0", Hello: companion.Hello{Controls: controls}})
	require.NoError(t, err)
	defer srv.Close()
	require.NoError(t, srv.Start(context.Background()))
	hello := helloFrom(t, srv)
	last := hello.Controls[len(hello.Controls)-1]
	assert.Equal(t, "slower", string(last.Command))
	assert.Equal(t, []string{"s"}, last.Keys)
	assert.Equal(t, "Slower", last.Label)
}

func helloFrom(t *testing.T, srv *companion.Server) companion.Hello {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr()+"/ws", nil)
	require.NoError(t, err)
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m struct {
		Type string `json:"type"`
		companion.Hello
	}
	require.NoError(t, conn.ReadJSON(&m))
	require.Equal(t, "hello", m.Type)
	return m.Hello
}

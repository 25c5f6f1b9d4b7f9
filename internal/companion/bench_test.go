package companion

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// quantiles reports p50, p99 and max of d in milliseconds.
func quantiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	b.ReportMetric(ms(d[len(d)/2]), "p50-ms")
	b.ReportMetric(ms(d[min(len(d)-1, len(d)*99/100)]), "p99-ms")
	b.ReportMetric(ms(d[len(d)-1]), "max-ms")
}

// BenchmarkFanout1000: 1,000 pages on loopback (in this process, so they
// share the 2 cores with the server) each receive a state change; the
// latency is from Publish to each page having read it (target p99 < 50 ms).
// One op is one state reaching all 1,000 pages.
func BenchmarkFanout1000(b *testing.B) {
	const pages = 1000
	s := startServer(b, Options{}, nil)
	conns := make([]*websocket.Conn, pages)
	for i := range conns {
		conns[i] = dial(b, s, nil)
	}
	waitClients(b, s, pages)

	var sentAt atomic.Int64 // UnixNano of the Publish being waited for
	var want atomic.Uint64
	var seen atomic.Int64
	round := make(chan struct{}, 1)
	lat := make([]time.Duration, pages)
	for i, c := range conns {
		go func() {
			for {
				seq, err := readSeq(c, time.Minute)
				if err != nil {
					return
				}
				if seq == want.Load() {
					lat[i] = time.Duration(time.Now().UnixNano() - sentAt.Load())
					if seen.Add(1) == pages {
						round <- struct{}{}
					}
				}
			}
		}()
	}
	st := stateN(0)
	st.Caption = "Breathe in, and open the arm."
	var all []time.Duration
	for b.Loop() {
		st.Seq++
		seen.Store(0)
		want.Store(st.Seq)
		sentAt.Store(time.Now().UnixNano())
		s.Publish(st)
		select {
		case <-round:
		case <-time.After(10 * time.Second):
			b.Fatalf("state %d reached %d of %d pages in 10 s", st.Seq, seen.Load(), pages)
		}
		all = append(all, lat...)
		b.StopTimer()
		time.Sleep(10 * time.Millisecond) // a session changes state a few times a second at most
		b.StartTimer()
	}
	quantiles(b, all)
}

// BenchmarkPublishStuckPages: Publish while 100 pages never read and their
// sockets are full, so their writers are blocked in Write (target < 10 µs
// per call; ns/op is the figure).
func BenchmarkPublishStuckPages(b *testing.B) {
	s := startServer(b, Options{}, nil)
	for range 100 {
		dial(b, s, nil) // never read
	}
	waitClients(b, s, 100)
	// Fill their socket buffers with 64 KiB states, as a long session's
	// traffic would, until every writer is stuck.
	big := stateN(0)
	big.Exercise.Tips = []string{strings.Repeat("Keep your neck long and your jaw relaxed. ", 1600)}
	for range 150 {
		big.Seq++
		s.Publish(big)
		time.Sleep(2 * time.Millisecond)
	}
	st := stateN(big.Seq)
	st.Caption = "Breathe in, and open the arm."
	b.ReportAllocs()
	for b.Loop() {
		st.Seq++
		s.Publish(st)
	}
	b.ReportMetric(float64(s.Clients()), "stuck-pages")
}

// BenchmarkCommandLatency: a page sends pause (then resume, alternately) to
// a real session (the built-in routine on the wall clock, silent). The
// latency is from the page's write to every page having read the state
// that shows it (target p99 < 20 ms); send-p99-ms is the part up to the
// session's Send.
func BenchmarkCommandLatency(b *testing.B) {
	for _, pages := range []int{1, 100} {
		b.Run("pages="+strconv.Itoa(pages), func(b *testing.B) { benchCommand(b, pages) })
	}
}

// timedController notes when each command reaches it.
type timedController struct {
	Controller
	at atomic.Int64
}

func (c *timedController) Send(cmd coach.Command) bool {
	c.at.Store(time.Now().UnixNano())
	return c.Controller.Send(cmd)
}

func benchCommand(b *testing.B, pages int) {
	l := newLive(b, 1, coach.Options{})
	ctl := &timedController{Controller: l.sess}
	s := startServer(b, Options{Controller: ctl}, nil)
	l.sess.OnState(s.Publish)
	conns := make([]*websocket.Conn, pages)
	for i := range conns {
		conns[i] = dial(b, s, nil)
	}
	waitClients(b, s, pages)
	l.run(b, context.Background())

	var wantPaused atomic.Bool
	var armed atomic.Bool
	var seen atomic.Int64 // pages that have seen the wanted state this round
	round := make(chan struct{}, 1)
	var start atomic.Int64
	lat := make([]time.Duration, pages)
	for i, c := range conns {
		go func() {
			var gotRound int64 = -1
			for {
				c.SetReadDeadline(time.Now().Add(time.Minute))
				_, data, err := c.ReadMessage()
				if err != nil {
					return
				}
				if !armed.Load() || !bytes.HasPrefix(data, []byte(`{"type":"state"`)) {
					continue
				}
				paused := bytes.Contains(data, []byte(`"paused":true`))
				r := start.Load()
				if paused == wantPaused.Load() && gotRound != r {
					gotRound = r
					lat[i] = time.Duration(time.Now().UnixNano() - r)
					if seen.Add(1) == int64(pages) {
						round <- struct{}{}
					}
				}
			}
		}()
	}
	pause := []byte(`{"type":"command","command":"pause"}`)
	resume := []byte(`{"type":"command","command":"resume"}`)
	var all, send []time.Duration
	paused := false
	for b.Loop() {
		paused = !paused
		cmd := resume
		if paused {
			cmd = pause
		}
		seen.Store(0)
		wantPaused.Store(paused)
		t0 := time.Now().UnixNano()
		start.Store(t0)
		armed.Store(true)
		require.NoError(b, conns[0].WriteMessage(websocket.TextMessage, cmd))
		select {
		case <-round:
		case <-time.After(10 * time.Second):
			b.Fatalf("the %s state did not reach every page", cmd)
		}
		armed.Store(false)
		all = append(all, lat...)
		send = append(send, time.Duration(ctl.at.Load()-t0))
		b.StopTimer()
		time.Sleep(5 * time.Millisecond) // nobody presses pause 200 times a second
		b.StartTimer()
	}
	quantiles(b, all)
	slices.Sort(send)
	b.ReportMetric(float64(send[min(len(send)-1, len(send)*99/100)].Microseconds())/1000, "send-p99-ms")
}

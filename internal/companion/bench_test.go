package companion

import (
	"encoding/json"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

func p99(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)*99/100]
}

// BenchmarkFanout1000: 1,000 pages on loopback each receive a state change;
// reports the p99 delay from Publish to receipt (target: < 50 ms).
func BenchmarkFanout1000(b *testing.B) {
	s, _ := startServer(b, "127.0.0.1:0")
	clients := make([]*websocket.Conn, 1000)
	for i := range clients {
		clients[i] = dial(b, s, nil)
	}
	require.Eventually(b, func() bool { return s.Hub.Clients() == 1000 }, 10*time.Second, 5*time.Millisecond)
	var all []time.Duration
	seq := uint64(0)
	for b.Loop() {
		seq++
		lat := make([]time.Duration, len(clients))
		var wg sync.WaitGroup
		start := time.Now()
		s.Hub.Publish(coach.State{Seq: seq})
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				readUntilSeq(b, c, seq)
				lat[i] = time.Since(start)
			}()
		}
		wg.Wait()
		all = append(all, lat...)
		time.Sleep(20 * time.Millisecond)
	}
	b.ReportMetric(float64(p99(all).Microseconds())/1000, "p99-ms")
}

// BenchmarkPublishWithStuckClients: Publish with 100 pages that never read
// (target: < 10 µs).
func BenchmarkPublishWithStuckClients(b *testing.B) {
	s, _ := startServer(b, "127.0.0.1:0")
	for range 100 {
		dial(b, s, nil)
	}
	st := coach.State{Routine: "upper-back", Caption: "Breathe in, open the arm."}
	b.ReportAllocs()
	for b.Loop() {
		st.Seq++
		s.Hub.Publish(st)
	}
}

// BenchmarkCommandLatency: a page sends pause; the controller acts on it
// and publishes the new state, which reaches every one of 100 pages
// (target: p99 < 20 ms).
func BenchmarkCommandLatency(b *testing.B) {
	ctl := &echoController{}
	s, err := New(Options{Addr: "127.0.0.1:0", Controller: ctl})
	require.NoError(b, err)
	ctl.hub = s.Hub
	s.Start(b.Context())
	defer s.Close()
	clients := make([]*websocket.Conn, 100)
	for i := range clients {
		clients[i] = dial(b, s, nil)
	}
	require.Eventually(b, func() bool { return s.Hub.Clients() == 100 }, 10*time.Second, 5*time.Millisecond)
	var all []time.Duration
	for b.Loop() {
		seq := ctl.seq + 1
		var wg sync.WaitGroup
		start := time.Now()
		lat := make([]time.Duration, len(clients))
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				readUntilSeq(b, c, seq)
				lat[i] = time.Since(start)
			}()
		}
		cmd, _ := json.Marshal(map[string]string{"type": "command", "command": "pause"})
		require.NoError(b, clients[0].WriteMessage(websocket.TextMessage, cmd))
		wg.Wait()
		all = append(all, lat...)
	}
	b.ReportMetric(float64(p99(all).Microseconds())/1000, "p99-ms")
}

// echoController publishes a new state for every command, as a session
// does at its next pull.
type echoController struct {
	hub *Hub
	mu  sync.Mutex
	seq uint64
}

func (e *echoController) Send(c coach.Command) bool {
	e.mu.Lock()
	e.seq++
	seq := e.seq
	e.mu.Unlock()
	e.hub.Publish(coach.State{Seq: seq, Paused: c == coach.CmdPause})
	return true
}

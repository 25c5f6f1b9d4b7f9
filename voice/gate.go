package voice

import (
	"sync"
	"sync/atomic"
	"time"
)

// Gate passes a Streamer to one sink until Cut; from then on that sink
// gets silence and the streamer is never touched by it again, so a sink that
// was replaced (a device that stalled and came back) cannot pull behind the
// new sink's back. It also tells when its sink last pulled, which is how a
// stalled device is noticed.
type Gate struct {
	mu   sync.Mutex
	s    Streamer
	cut  bool
	last atomic.Int64 // unix nanoseconds of the last pull, 0 before the first
}

// NewGate passes s.
func NewGate(s Streamer) *Gate { return &Gate{s: s} }

// Stream implements Streamer.
func (g *Gate) Stream(buf []float32) int {
	g.last.Store(time.Now().UnixNano())
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cut {
		clear(buf)
		return len(buf)
	}
	return g.s.Stream(buf)
}

// Cut stops passing the streamer; a pull under way finishes first.
func (g *Gate) Cut() {
	g.mu.Lock()
	g.cut = true
	g.mu.Unlock()
}

// LastPull is when the sink last pulled (zero before the first pull).
func (g *Gate) LastPull() time.Time {
	n := g.last.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

package listen

import (
	"sync"
	"time"

	"github.com/coach-dev/coach/coach"
)

// Gating margins around each of the coach's lines: the microphone hears the
// coach too, and a line's last word rings on in a room.
const (
	gateBefore = 150 * time.Millisecond
	gateAfter  = 400 * time.Millisecond
)

// gate knows when the coach is speaking. It follows the session's states
// (paused or not, the caption) and the heard frame: read from the session
// when it offers it, else carried on from the last state by the wall clock
// (states come at least once a second while playing).
type gate struct {
	tl    *coach.Timeline
	heard func() int64

	mu   sync.Mutex
	st   coach.State
	at   time.Time
	have bool
}

func (g *gate) set(st coach.State, now time.Time) {
	g.mu.Lock()
	g.st, g.at, g.have = st, now, true
	g.mu.Unlock()
}

// speakingAt reports whether the coach may be speaking at any time in
// [a, b] (wall clock), now being now.
func (g *gate) speakingAt(a, b, now time.Time) bool {
	g.mu.Lock()
	st, at, have := g.st, g.at, g.have
	g.mu.Unlock()
	switch {
	case !have:
		return true // not started: the introduction is about to be said
	case st.Caption != "":
		return true // a line, also one said outside the timeline (the pain line)
	case st.Paused || st.Finished || st.Stopped || g.tl == nil:
		return false
	}
	rate := float64(g.tl.Rate)
	var f int64
	if g.heard != nil {
		f = g.heard()
	} else {
		f = st.Frame + int64(now.Sub(at).Seconds()*rate)
	}
	fa := f - int64(now.Sub(a).Seconds()*rate)
	fb := f - int64(now.Sub(b).Seconds()*rate)
	return speaking(g.tl, fa, fb)
}

// speaking reports whether any cue of the timeline, widened by the gating
// margins, overlaps frames [a, b].
func speaking(tl *coach.Timeline, a, b int64) bool {
	before := int64(gateBefore.Seconds() * float64(tl.Rate))
	after := int64(gateAfter.Seconds() * float64(tl.Rate))
	// The last cue starting at or before b+before is the only one that can
	// reach into [a, b] from the left, but a long cue before it might too:
	// cues never overlap, so checking back until one ends before a is enough.
	for i := tl.CueAt(b + before); i >= 0; i-- {
		c := tl.Cues[i]
		if c.End+after < a {
			return false
		}
		if c.At-before <= b {
			return true
		}
	}
	return false
}

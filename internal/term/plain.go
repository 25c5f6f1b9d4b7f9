package term

import (
	"time"

	"github.com/coach-dev/coach/coach"
)

// pauseWindow is the least time between two log lines that only pause or
// resume. A person presses pause a few times a minute; a page (or a script)
// sending pause/resume in a loop made 10,000 lines a second. Toggles
// inside the window are coalesced: when it ends, one line tells the state
// they left, if it differs from the last line's.
const pauseWindow = time.Second

// plainLog decides which states make a plain log line: one for each change
// of exercise, side, set, rep, phase or pause, and one for each new line
// said within them. A countdown ticking or a caption ending is no line,
// and pause/resume lines come at most one a pauseWindow.
type plainLog struct {
	started bool
	key     plainKey
	caption string

	printedPaused bool         // the paused flag of the last line made
	lastPause     time.Time    // when the last pause-only line was made
	held          *coach.State // the latest pause-only state not logged yet
}

type plainKey struct {
	exercise, side, phase string
	set, rep              int
	paused                bool
	finished, stopped     bool
}

func (p *plainLog) next(st coach.State, now time.Time) (string, bool) {
	k := plainKey{phase: st.Phase, side: st.Side, set: st.Set, rep: st.Rep,
		paused: st.Paused, finished: st.Finished, stopped: st.Stopped}
	if st.Exercise != nil {
		k.exercise = st.Exercise.ID
	}
	changed := !p.started || k != p.key
	said := st.Caption != "" && st.Caption != p.caption
	pauseOnly := p.started && !said && k != p.key && k == withPaused(p.key, k.paused)
	p.started, p.key, p.caption = true, k, st.Caption
	if pauseOnly {
		if now.Sub(p.lastPause) < pauseWindow {
			p.held = &st
			return "", false
		}
		p.lastPause = now
	}
	if !changed && !said {
		return "", false
	}
	return p.line(st), true
}

func (p *plainLog) line(st coach.State) string {
	p.held, p.printedPaused = nil, st.Paused
	return PlainLine(st)
}

// due is when flush has a line to give, if it may have one.
func (p *plainLog) due() (time.Time, bool) {
	if p.held == nil {
		return time.Time{}, false
	}
	return p.lastPause.Add(pauseWindow), true
}

// flush gives the line of the coalesced pause/resume toggles once their
// window is over (or at once if force), when they left the session paused
// or running otherwise than the last line said.
func (p *plainLog) flush(now time.Time, force bool) (string, bool) {
	if p.held == nil || (!force && now.Sub(p.lastPause) < pauseWindow) {
		return "", false
	}
	st := *p.held
	p.held = nil
	if st.Paused == p.printedPaused {
		return "", false
	}
	p.lastPause = now
	return p.line(st), true
}

func withPaused(k plainKey, paused bool) plainKey {
	k.paused = paused
	return k
}

package term

import "github.com/coach-dev/coach/coach"

// plainLog decides which states make a plain log line: one for each change
// of exercise, side, set, rep, phase or pause, and one for each new line
// said within them. A countdown ticking or a caption ending is no line.
type plainLog struct {
	started bool
	key     plainKey
	caption string
}

type plainKey struct {
	exercise, side, phase string
	set, rep              int
	paused                bool
	finished, stopped     bool
}

func (p *plainLog) next(st coach.State) (string, bool) {
	k := plainKey{phase: st.Phase, side: st.Side, set: st.Set, rep: st.Rep,
		paused: st.Paused, finished: st.Finished, stopped: st.Stopped}
	if st.Exercise != nil {
		k.exercise = st.Exercise.ID
	}
	changed := !p.started || k != p.key
	said := st.Caption != "" && st.Caption != p.caption
	p.started, p.key, p.caption = true, k, st.Caption
	if !changed && !said {
		return "", false
	}
	return PlainLine(st), true
}

package coach

import (
	"fmt"
	"time"
)

// Limits beyond which a script is almost certainly a typo.
const (
	maxHold    = 2 * time.Minute
	maxSession = 2 * time.Hour
)

// Lint finds what compiles but is implausible for a home programme: very
// long holds or sessions. Compile errors are not repeated here. Entries
// whose message starts with "warning:" are advice: the script runs as
// written (speech that crowds a phase).
func Lint(r *Routine, tl *Timeline) error {
	var errs ErrorList
	check := func(e *Exercise, phases []Phase) {
		for _, p := range phases {
			if p.Kind == Hold && p.Duration.Max > maxHold {
				errs = append(errs, &Error{File: r.File, Line: p.pos.line, Col: p.pos.col,
					Msg: fmt.Sprintf("%s: a hold of %s is implausibly long for a home exercise (at most %s)", e.ID, fmtDur(p.Duration.Max), fmtDur(maxHold))})
			}
		}
	}
	for _, e := range r.Exercises {
		check(e, e.Rep)
		for _, v := range e.Variants {
			check(e, v.Rep)
		}
	}
	if tl != nil {
		errs = append(errs, crowded(r, tl)...)
	}
	if tl != nil && tl.Duration(tl.Length) > maxSession {
		errs = append(errs, &Error{File: r.File, Line: 1, Col: 1,
			Msg: fmt.Sprintf("the session lasts %s; more than %s is implausible for a home programme", tl.Short(tl.Length), fmtDur(maxSession))})
	}
	return errs.err()
}

// crowded warns, once per exercise and phase of a rep (and side switch),
// where speech fills more than SpeechShare of the phase: the listener has no
// room to move or breathe between lines.
func crowded(r *Routine, tl *Timeline) ErrorList {
	byID := map[string]*Exercise{}
	for _, e := range r.Exercises {
		byID[e.ID] = e
	}
	var errs ErrorList
	warned := map[[2]int]bool{}
	step, prev, ci := 0, Segment{Exercise: -2}, 0
	for _, seg := range tl.Segments {
		if seg.Rep >= 0 && seg.Exercise == prev.Exercise && seg.Set == prev.Set && seg.Side == prev.Side && seg.Rep == prev.Rep {
			step++
		} else {
			step = 0
		}
		prev = seg
		// Cues never overlap, so their ends are in order too.
		for ci < len(tl.Cues) && tl.Cues[ci].End <= seg.Start {
			ci++
		}
		if seg.Exercise < 0 || seg.Exercise >= len(tl.Exercises) || (seg.Rep < 0 && seg.Phase != PhaseSwitch) {
			continue
		}
		var speech int64
		text := ""
		for _, c := range tl.Cues[ci:] {
			if c.At >= seg.End {
				break
			}
			speech += max(0, min(c.At+spokenLen(c), seg.End)-max(c.At, seg.Start))
			if text == "" || !c.Optional {
				text = c.Text
			}
		}
		length := seg.End - seg.Start
		key := [2]int{seg.Exercise, step}
		if seg.Rep < 0 {
			key[1] = -1
		}
		if float64(speech) <= SpeechShare*float64(length) || warned[key] {
			continue
		}
		warned[key] = true
		ep := tl.Exercises[seg.Exercise]
		e := byID[ep.ID]
		if e == nil {
			continue
		}
		at := e.pos["switch"]
		if seg.Rep >= 0 {
			phases := e.Rep
			if v := e.Variants[ep.Variant]; v != nil && len(v.Rep) > 0 {
				phases = v.Rep
			}
			if step >= len(phases) {
				continue
			}
			at = phases[step].pos
		}
		errs = append(errs, &Error{File: r.File, Line: at.line, Col: at.col,
			Msg: fmt.Sprintf("warning: %s: the %s phase is %.0f%% speech (%s of %s, %q); leave room to move and breathe: shorten the line or lengthen the phase",
				e.ID, seg.Phase, 100*float64(speech)/float64(length), fmtDur(tl.Duration(speech).Round(10*time.Millisecond)), fmtDur(tl.Duration(length).Round(10*time.Millisecond)), text)})
	}
	return errs
}

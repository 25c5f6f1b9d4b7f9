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
// long holds or sessions. Compile errors are not repeated here.
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
	if tl != nil && tl.Duration(tl.Length) > maxSession {
		errs = append(errs, &Error{File: r.File, Line: 1, Col: 1,
			Msg: fmt.Sprintf("the session lasts %s; more than %s is implausible for a home programme", tl.Short(tl.Length), fmtDur(maxSession))})
	}
	return errs.err()
}

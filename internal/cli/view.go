package cli

import (
	"os"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/term"
)

// newView shows the session in the terminal when there is one, and plain
// log lines otherwise (tests, pipes, CI).
func (a *app) newView(tl *coach.Timeline, s *coach.Session) *term.View {
	in, _ := a.std.In.(*os.File)
	v := term.New(in, a.std.Out)
	s.OnState(v.State)
	v.Keys(s.Send)
	return v
}

package term_test

import (
	"context"
	"os"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/term"
)

// Example shows how coach run wires a view to a session.
func Example() {
	run := func(tl *coach.Timeline, player coach.Player, latency coach.Latency) coach.Record {
		// SIGINT, SIGTERM, SIGHUP: the terminal is restored first, then ctx ends
		// and the session stops as if q had been pressed.
		ctx, stop := term.NotifyContext(context.Background())
		defer stop()

		v := term.New(os.Stdin, os.Stdout)
		defer v.Close() // idempotent; restores the terminal on every way out
		defer v.Guard() // a panic restores the terminal, then goes on panicking

		s := coach.NewSession(tl, player, latency, coach.Config{})
		s.OnState(v.State) // non-blocking hand-off on the session goroutine
		v.Keys(s.Send)     // space n b r h q, Ctrl-C; digits answer a check-in

		// Anything printed while the view is open goes through it, above
		// the status area: fmt.Fprintln(v.Writer(), "coach: ...").
		rec := s.Run(ctx)
		v.End(rec) // "Session finished — 15:03 spent, 5 of 5 exercises, 53 of 53 reps"
		return rec
	}
	_ = run
}

package term

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlainLogCoalescesPauseToggles: pause/resume lines come at most one a
// second; toggles in between leave one line for the state they end in, if
// it differs from the last line's, once the second is over.
func TestPlainLogCoalescesPauseToggles(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	run := holdState
	run.Caption = ""
	paused := run
	paused.Paused = true
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 10 * time.Microsecond) } // a flood: 100,000 states a second

	tests := []struct {
		name  string
		steps []bool // paused, one state every 10 µs
		want  []bool // the paused flag of each line, flush included
	}{
		{"one pause", []bool{false, true}, []bool{false, true}},
		{"a flood ending running", append([]bool{false}, toggles(10000, true)...), []bool{false, true, false}},
		{"a flood ending paused", append([]bool{false}, toggles(9999, true)...), []bool{false, true}},
		{"pause and resume at once", []bool{false, true, false}, []bool{false, true, false}},
		{"resumed and paused again", []bool{false, true, false, true}, []bool{false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p plainLog
			var got []bool
			for i, pz := range tt.steps {
				st := run
				if pz {
					st = paused
				}
				if _, ok := p.next(st, at(i)); ok {
					got = append(got, pz)
				}
			}
			_, early := p.flush(at(len(tt.steps)), false)
			assert.False(t, early, "not before the window ends")
			if due, ok := p.due(); ok {
				assert.Equal(t, at(1).Add(pauseWindow), due)
				if _, ok := p.flush(due, false); ok {
					got = append(got, p.printedPaused)
				}
			}
			assert.Equal(t, tt.want, got)
			_, ok := p.due()
			assert.False(t, ok, "nothing left to flush")
		})
	}

	// Toggles a window apart are each a line, as a person's are.
	var p plainLog
	n := 0
	for i, pz := range append([]bool{false}, toggles(10, true)...) {
		st := run
		st.Paused = pz
		if _, ok := p.next(st, t0.Add(time.Duration(i)*1100*time.Millisecond)); ok {
			n++
		}
	}
	assert.Equal(t, 11, n)

	// A flood that goes on makes a line a window, no more.
	p = plainLog{}
	n = 0
	for i, pz := range append([]bool{false}, toggles(500000, true)...) { // 5 s of it
		st := run
		st.Paused = pz
		if _, ok := p.next(st, at(i)); ok {
			n++
		}
	}
	assert.LessOrEqual(t, n, 1+6)

	// Any other change makes its line at once, with the pause state.
	p = plainLog{}
	p.next(run, at(0))
	p.next(paused, at(1))
	p.next(run, at(2))
	next := paused
	next.Rep++
	line, ok := p.next(next, at(3))
	require.True(t, ok)
	assert.Contains(t, line, "paused")
	_, ok = p.due()
	assert.False(t, ok, "the line told the state")
}

func toggles(n int, first bool) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = first == (i%2 == 0)
	}
	return out
}

// TestPlainViewPauseFlood: a page that floods pause/resume (10,000 toggles
// as fast as the session takes them) adds a few lines to the log, not
// 10,000, and the log ends telling the state the flood left.
func TestPlainViewPauseFlood(t *testing.T) {
	var out lockedBuffer
	v := New(nil, &out)
	st := holdState
	v.State(st)
	for i := range 10000 {
		st.Paused = i%2 == 0
		v.State(st)
	}
	// The flood ends running (the last toggle resumed): the line saying so
	// comes when the window closes, before the view does.
	time.Sleep(pauseWindow + 200*time.Millisecond)
	v.Close()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	assert.LessOrEqual(t, len(lines), 4, "%d lines", len(lines))
	require.GreaterOrEqual(t, len(lines), 3)
	assert.Contains(t, lines[1], "paused")
	assert.NotContains(t, lines[len(lines)-1], "paused", "the log ends running, as the session does")

	// Ending paused at Close: the held toggles are told then.
	out = lockedBuffer{}
	v = New(nil, &out)
	st.Paused = false
	v.State(st)
	st.Paused = true
	v.State(st)
	st.Paused = false
	v.State(st)
	v.Close()
	lines = strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 3, out.String())
	assert.NotContains(t, lines[2], "paused")
}

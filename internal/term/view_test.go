package term

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/scripts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer collects output that a view's goroutine writes while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var (
	cursorUp = regexp.MustCompile(`^\r(\x1b\[(\d+)A)?`)
	anyCSI   = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)
)

// frames splits a live view's output into its redraws, each as the text
// lines it drew.
func frames(out string) [][]string {
	var fs [][]string
	for _, f := range strings.Split(out, syncStart)[1:] {
		f, _, _ = strings.Cut(f, syncEnd)
		f = cursorUp.ReplaceAllString(f, "")
		f = strings.ReplaceAll(f, "\r\r\n", "\r\n") // a terminal's ONLCR adds a \r to ours
		f = strings.TrimSuffix(f, "\x1b[J")
		f = strings.TrimSuffix(f, "\r\n")
		fs = append(fs, strings.Split(anyCSI.ReplaceAllString(f, ""), "\r\n"))
	}
	return fs
}

// liveView is a redrawing view on a buffer, as on a terminal of a fixed
// size but without one.
func liveView(out io.Writer, opts Options) *View {
	v := newView(nil, out, opts, true)
	v.start()
	return v
}

func TestPlainViewWithoutTerminal(t *testing.T) {
	var out lockedBuffer
	in, w, err := os.Pipe() // stdin from a pipe is no terminal either
	require.NoError(t, err)
	defer in.Close()
	defer w.Close()
	v := New(in, &out)
	assert.False(t, v.TTY())
	assert.False(t, v.ReadsKeys())
	v.Keys(func(coach.Command) bool { t.Error("no keys without a terminal"); return false })

	ex := &coach.ExerciseState{ID: "open-books", Name: "Open books"}
	st := func(ms int64, rep int, phase, caption string) coach.State {
		return coach.State{Routine: "upper-back", ExerciseIndex: 2, ExerciseCount: 5, Exercise: ex, Side: "left",
			Sets: 1, Set: 1, Rep: rep, Reps: 10, Phase: phase, Caption: caption, ElapsedMS: ms, PhaseLeftMS: 4000 - ms%4000}
	}
	intro := coach.State{Routine: "upper-back", ExerciseIndex: -1, Phase: "intro", Caption: "Upper back routine."}
	v.State(intro)
	intro.ElapsedMS, intro.PhaseLeftMS = 1000, 2000 // a countdown ticks: no line
	v.State(intro)
	v.State(st(42300, 3, "breathe-in", "Breathe in, open the arm."))
	v.State(st(43300, 3, "breathe-in", "Breathe in, open the arm.")) // the same line, later
	v.State(st(44000, 3, "breathe-in", ""))                          // it ended: no line
	v.State(st(45000, 3, "breathe-in", "Slowly."))                   // a new line within the phase
	v.Log("coach: history: disk full\n")
	v.State(st(46300, 3, "breathe-out", "")) // a phase change without words is a line
	p := st(46500, 3, "breathe-out", "")
	p.Paused = true
	v.State(p)
	v.State(st(50100, 3, "breathe-out", "Breathe out, and back."))
	v.State(st(54100, 4, "breathe-in", "Four. Breathe in, open the arm."))
	v.State(coach.State{Finished: true, ElapsedMS: 704000})
	v.Close()
	v.Close() // twice is fine
	v.State(st(1, 1, "move", "after the end"))
	v.Log("after the end")

	want := `00:00.0  upper-back  intro  "Upper back routine."
00:42.3  open-books  left  rep 3/10  breathe-in  "Breathe in, open the arm."
00:45.0  open-books  left  rep 3/10  breathe-in  "Slowly."
coach: history: disk full
00:46.3  open-books  left  rep 3/10  breathe-out
00:46.5  open-books  left  rep 3/10  breathe-out  paused
00:50.1  open-books  left  rep 3/10  breathe-out  "Breathe out, and back."
00:54.1  open-books  left  rep 4/10  breathe-in  "Four. Breathe in, open the arm."
11:44.0  session finished
`
	assert.Equal(t, want, out.String())
	assert.NotContains(t, out.String(), "\x1b", "no escape sequences in a log")
}

type fakeVoice struct{}

func (fakeVoice) Rate() int                   { return 1000 }
func (fakeVoice) Frames(p string) (int, bool) { return 300 + 40*len(p), true }

// TestPlainViewWholeRoutine feeds every change of the built-in routine, as
// a session publishes them, through a plain view: every rep of every
// exercise and side is in the log, in order.
func TestPlainViewWholeRoutine(t *testing.T) {
	routines, err := coach.LoadBuiltin(scripts.FS)
	require.NoError(t, err)
	var r *coach.Routine
	for _, x := range routines {
		if x.ID == "upper-back" {
			r = x
		}
	}
	require.NotNil(t, r)
	tl, err := coach.Compile(r, fakeVoice{}, coach.Options{CheckIn: true})
	require.NoError(t, err)

	var out lockedBuffer
	v := New(nil, &out)
	var prev coach.State
	var want []string
	for f := int64(0); f <= tl.Length; f += 10 {
		st := tl.StateAt(f)
		if f > 0 && st.Same(prev) {
			continue
		}
		if st.Rep > 0 {
			w := "  " + st.Exercise.ID + "  "
			if st.Side != "" {
				w += st.Side + "  "
			}
			if st.Sets > 1 {
				w += fmt.Sprintf("set %d/%d  ", st.Set, st.Sets)
			}
			w += fmt.Sprintf("rep %d/%d  ", st.Rep, st.Reps)
			if len(want) == 0 || want[len(want)-1] != w {
				want = append(want, w)
			}
		}
		prev = st
		v.State(st)
	}
	v.Close()
	log := out.String()
	at := 0
	for _, w := range want {
		i := strings.Index(log[at:], w)
		require.GreaterOrEqual(t, i, 0, "%q in order in the log", w)
		at += i
	}
	assert.Greater(t, len(want), 50)
	assert.True(t, strings.HasSuffix(log, "session finished\n"), log[max(0, len(log)-200):])
	lines := strings.Count(log, "\n")
	t.Logf("%d lines for %d reps", lines, len(want))
	assert.Less(t, lines, 5*len(want), "a line per change, not per state")
}

// TestLiveCoalesces hands a redrawing view states far faster than it
// draws: the first is drawn at once, the rest coalesce and the latest wins.
func TestLiveCoalesces(t *testing.T) {
	t.Run("leading edge, then the latest at close", func(t *testing.T) {
		var out lockedBuffer
		v := liveView(&out, Options{Width: 81, Interval: time.Hour})
		st := holdState
		v.State(st)
		waitFor(t, "the first draw", func() bool { return v.draws.Load() == 1 })
		for i := range 1000 {
			st.Caption = fmt.Sprintf("line %d", i)
			v.State(st)
		}
		time.Sleep(20 * time.Millisecond)
		assert.EqualValues(t, 1, v.draws.Load(), "within the interval nothing more is drawn")
		st.Stopped = true
		v.State(st)
		v.Close()
		fs := frames(out.String())
		require.Len(t, fs, 2)
		assert.Equal(t, Render(holdState, 80), fs[0])
		assert.Equal(t, RenderEnd(st, nil, 80), fs[1], "the end state is the latest one")
		assert.True(t, strings.HasPrefix(out.String(), hideCursor))
		assert.True(t, strings.HasSuffix(out.String(), showCursor))
	})
	t.Run("at most one draw an interval", func(t *testing.T) {
		var out lockedBuffer
		v := liveView(&out, Options{Width: 81, Interval: 20 * time.Millisecond})
		start := time.Now()
		st := holdState
		n := 0
		for time.Since(start) < 200*time.Millisecond {
			st.ElapsedMS++
			st.Caption = fmt.Sprintf("line %d", n)
			v.State(st)
			n++
			time.Sleep(50 * time.Microsecond)
		}
		waitFor(t, "the latest state", func() bool {
			fs := frames(out.String())
			return len(fs) > 0 && fs[len(fs)-1][3] == "“"+st.Caption+"”"
		})
		took := time.Since(start)
		draws := v.draws.Load()
		v.Close()
		t.Logf("%d states, %d draws in %s", n, draws, took.Round(time.Millisecond))
		assert.Greater(t, int64(n), 3*draws, "many states, few draws")
		assert.LessOrEqual(t, draws, int64(took/(20*time.Millisecond))+2)
		assert.GreaterOrEqual(t, draws, int64(3))
	})
}

// TestLiveRedrawsInPlace checks the bytes of a redraw: up to the area's
// first line, each line over the old one and erased to its end, the rest
// below erased; no clear screen; the same lines are not drawn twice.
func TestLiveRedrawsInPlace(t *testing.T) {
	var out bytes.Buffer
	v := newView(nil, &out, Options{Width: 41, Interval: time.Hour}, true)
	v.paint([]string{"one", "two"}, false)
	assert.Equal(t, syncStart+"\rone\x1b[K\r\ntwo\x1b[K\r\n\x1b[J"+syncEnd, out.String())
	out.Reset()
	v.paint([]string{"one", "two"}, false)
	assert.Empty(t, out.String(), "nothing changed")
	v.paint([]string{"three"}, false)
	assert.Equal(t, syncStart+"\r\x1b[2Athree\x1b[K\r\n\x1b[J"+syncEnd, out.String(), "a shorter area erases what is left")
	assert.NotContains(t, out.String(), "\x1b[2J")

	// The terminal got narrower and rewrapped the 40-column line drawn
	// before into 3 rows of 15: up 3, not 1.
	out.Reset()
	v.paint([]string{strings.Repeat("x", 40)}, false)
	v.cfg.Width = 15
	out.Reset()
	v.paint([]string{"short"}, false)
	assert.True(t, strings.HasPrefix(out.String(), syncStart+"\r\x1b[3A"), "%q", out.String())

	// An area taller than the screen would scroll: it is cut to fit.
	v.cfg.Height = 3
	out.Reset()
	v.paint([]string{"1", "2", "3", "4", "5"}, false)
	assert.Equal(t, [][]string{{"1", "2"}}, frames(out.String()))
}

func TestLiveLogGoesAboveTheArea(t *testing.T) {
	var out lockedBuffer
	v := liveView(&out, Options{Width: 81, Interval: time.Millisecond})
	v.State(holdState)
	waitFor(t, "a draw", func() bool { return v.draws.Load() == 1 })
	fmt.Fprint(v.Writer(), "coach: history: disk full\ncoach: still ")
	waitFor(t, "a redraw", func() bool { return v.draws.Load() == 2 })
	v.Close()
	got := out.String()
	i := strings.Index(got, "coach: history: disk full\r\n")
	require.Positive(t, i, "%q", got)
	// The message replaced the area (up 6, erase below), and the area came back under it.
	assert.True(t, strings.HasSuffix(got[:i], syncStart+"\r\x1b[6A\x1b[J"), "%q", got[:i])
	assert.Contains(t, got[i:], "Exercise 2 of 5: Child's pose")
	assert.NotContains(t, got, "still", "a partial line waits for its newline")
}

func TestCloseWithSummary(t *testing.T) {
	var out lockedBuffer
	v := liveView(&out, Options{Width: 81})
	st := states()["finished"]
	v.State(st)
	v.End(coach.Record{Status: coach.StatusFinished, SpentMS: 903 * 1000, Exercises: make([]coach.ExerciseRecord, 5)})
	fs := frames(out.String())
	require.NotEmpty(t, fs)
	assert.Equal(t, "Session finished — 15:03 spent, 0 of 5 exercises, 0 of 0 reps", fs[len(fs)-1][1])

	// A view closed before any state leaves no area behind.
	out = lockedBuffer{}
	v = liveView(&out, Options{Width: 81})
	v.Close()
	assert.Equal(t, hideCursor+showCursor, out.String())
}

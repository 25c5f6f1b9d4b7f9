package coach

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakePlayer advances step frames every time the session looks at it.
type fakePlayer struct {
	mu     sync.Mutex
	pos    int64
	step   int64
	paused bool
	seeks  []int64
}

func (p *fakePlayer) Position() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.paused {
		p.pos += p.step
	}
	return p.pos
}

func (p *fakePlayer) SeekFrame(f int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pos = f
	p.seeks = append(p.seeks, f)
}

func (p *fakePlayer) SetPaused(b bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = b
}

func newTestSession(t *testing.T, p *fakePlayer) (*Session, *Timeline) {
	t.Helper()
	tl := compileT(t, holdScript, Options{})
	s := NewSession(tl, p, nil, Config{MaxWait: time.Millisecond})
	return s, tl
}

func TestSessionRunsToTheEnd(t *testing.T) {
	p := &fakePlayer{step: 700}
	s, tl := newTestSession(t, p)
	var records []Record
	var states []State
	s.OnRecord(func(r Record) { records = append(records, r) })
	s.OnState(func(st State) { states = append(states, st) })
	sum := s.Run(context.Background())
	assert.Equal(t, StatusFinished, sum.Status)
	require.Len(t, sum.Exercises, 2)
	for _, e := range sum.Exercises {
		assert.True(t, e.Completed, e.ID)
		assert.Equal(t, e.PlannedTotal, e.DoneReps, e.ID)
	}
	assert.Equal(t, 3, sum.Exercises[0].PlannedTotal)
	assert.Equal(t, 4, sum.Exercises[1].PlannedTotal, "two reps on each side")
	assert.True(t, sum.Counts())
	require.NotEmpty(t, records)
	assert.Equal(t, StatusRunning, records[0].Status)
	assert.Equal(t, sum, records[len(records)-1], "listeners get the final record")
	for i := 1; i < len(records); i++ {
		assert.GreaterOrEqual(t, records[i].Totals().DoneReps, records[i-1].Totals().DoneReps)
	}
	require.NotEmpty(t, states)
	assert.True(t, states[len(states)-1].Finished)
	for i := 1; i < len(states); i++ {
		assert.Equal(t, states[i-1].Seq+1, states[i].Seq, "seq counts every published state")
	}
	assert.Equal(t, tl.Length, states[len(states)-1].Frame)
}

func TestSessionCommands(t *testing.T) {
	tl := compileT(t, holdScript, Options{})
	inRep := func(ex, rep int, phase string) int64 {
		for _, g := range tl.Segments {
			if g.Exercise == ex && g.Rep == rep && g.Phase == phase {
				return g.Start + 100
			}
		}
		t.Fatalf("no segment %d/%d/%s", ex, rep, phase)
		return 0
	}
	repStart := func(ex, rep int) int64 {
		for _, g := range tl.Segments {
			if g.Exercise == ex && g.Rep == rep {
				return g.Start
			}
		}
		return -1
	}
	tests := []struct {
		name  string
		at    int64
		cmds  []Command
		seeks []int64
		check func(t *testing.T, sum Record)
	}{
		{"next skips the exercise", inRep(0, 1, "hold"), []Command{CmdNext}, []int64{tl.Exercises[1].Start}, func(t *testing.T, sum Record) {
			assert.True(t, sum.Exercises[0].Skipped)
			assert.False(t, sum.Exercises[0].PainStop)
		}},
		{"pain stops the exercise and is recorded", inRep(0, 0, "hold"), []Command{CmdPain}, []int64{tl.Exercises[1].Start}, func(t *testing.T, sum Record) {
			assert.True(t, sum.Exercises[0].PainStop)
			assert.False(t, sum.Exercises[0].Skipped)
		}},
		{"next in the intro starts the first exercise", 10, []Command{CmdNext}, []int64{tl.Exercises[0].Start}, nil},
		{"next in the last exercise goes to the finish", inRep(1, 0, "breathe-out"), []Command{CmdNext}, []int64{tl.Exercises[1].End}, nil},
		{"back restarts the exercise", inRep(1, 1, "breathe-in"), []Command{CmdBack}, []int64{tl.Exercises[1].Start}, nil},
		{"back twice goes to the previous one", inRep(1, 1, "breathe-in"), []Command{CmdBack, CmdBack}, []int64{tl.Exercises[1].Start, tl.Exercises[0].Start}, nil},
		{"repeat restarts the rep", inRep(0, 2, "release"), []Command{CmdRepeat}, []int64{repStart(0, 2)}, nil},
		{"pause and resume", inRep(0, 0, "move"), []Command{CmdPause, CmdResume}, nil, func(t *testing.T, sum Record) {
			assert.GreaterOrEqual(t, sum.PausedMS, int64(0))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakePlayer{pos: tt.at}
			s := NewSession(tl, p, nil, Config{MaxWait: time.Hour}) // only commands move the loop
			for _, c := range tt.cmds {
				require.True(t, s.Send(c))
			}
			require.True(t, s.Send(CmdStop))
			sum := s.Run(context.Background())
			assert.Equal(t, StatusStopped, sum.Status)
			assert.False(t, sum.Counts(), "no rep was heard")
			assert.Equal(t, tt.seeks, p.seeks)
			if tt.check != nil {
				tt.check(t, sum)
			}
		})
	}
}

func TestSessionPauseFreezesHeardFrame(t *testing.T) {
	tl := compileT(t, holdScript, Options{})
	p := &fakePlayer{pos: 5000}
	s := NewSession(tl, p, nil, Config{MaxWait: time.Hour})
	var last State
	s.OnState(func(st State) { last = st })
	s.Send(CmdToggle)
	s.Send(CmdStop)
	s.Run(context.Background())
	assert.True(t, last.Paused)
	assert.True(t, last.Stopped)
	assert.Equal(t, int64(5000), last.Frame)
}

func TestSessionHeardFrameAfterSeek(t *testing.T) {
	tl := compileT(t, holdScript, Options{})
	p := &fakePlayer{pos: 5000}
	// 400 frames still in the device: right after a seek the heard frame
	// must not show the tail of what was skipped.
	s := NewSession(tl, p, func() int64 { return 400 }, Config{MaxWait: time.Hour})
	var frames []int64
	s.OnState(func(st State) { frames = append(frames, st.Frame) })
	s.Send(CmdNext)
	s.Send(CmdStop)
	s.Run(context.Background())
	require.NotEmpty(t, frames)
	assert.Equal(t, tl.Exercises[1].Start, frames[len(frames)-1])
}

func TestParseCommand(t *testing.T) {
	c, err := ParseCommand("pause")
	require.NoError(t, err)
	assert.Equal(t, CmdPause, c)
	_, err = ParseCommand("paus")
	assert.EqualError(t, err, `unknown command "paus" (did you mean "pause"?)`)
}

func TestStateAt(t *testing.T) {
	tl := compileT(t, holdScript, Options{})
	st := tl.StateAt(0)
	assert.Equal(t, -1, st.ExerciseIndex)
	assert.Equal(t, PhaseIntro, st.Phase)
	assert.Equal(t, "Holds.", st.Caption)
	assert.Equal(t, "Squeeze", st.Next)

	holds := cuesIn(tl, 0, "hold")
	st = tl.StateAt(holds[1].At + 5000)
	assert.Equal(t, 0, st.ExerciseIndex)
	assert.Equal(t, "squeeze", st.Exercise.ID)
	assert.Equal(t, 2, st.Rep)
	assert.Equal(t, 3, st.Reps)
	assert.Equal(t, "hold", st.Phase)
	assert.Equal(t, int64(20000), st.HoldMS)
	assert.Equal(t, int64(15000), st.HoldLeftMS)
	assert.Equal(t, "Books", st.Next)

	books := cuesIn(tl, 1, "breathe-in")
	st = tl.StateAt(books[2].At)
	assert.Equal(t, "right", st.Side)
	assert.Equal(t, 1, st.Rep)
	assert.Equal(t, "Breathe in, open.", st.Caption)

	st = tl.StateAt(tl.Length)
	assert.True(t, st.Finished)
	assert.InDelta(t, 1.0, st.Progress, 1e-9)
	assert.Equal(t, int64(0), st.RemainingMS)
}

// speakingPlayer records what the session asks to be said.
type speakingPlayer struct {
	fakePlayer
	said []string
}

func (p *speakingPlayer) Say(line string) (time.Duration, error) {
	p.said = append(p.said, line)
	return time.Hour, nil
}

func TestPainSaysTheLineAndMovesOn(t *testing.T) {
	tl := compileT(t, holdScript, Options{})
	p := &speakingPlayer{fakePlayer: fakePlayer{pos: cuesIn(tl, 0, "hold")[0].At + 10}}
	s := NewSession(tl, p, nil, Config{MaxWait: time.Hour})
	var last State
	s.OnState(func(st State) { last = st })
	s.Send(CmdPain)
	s.Send(CmdStop)
	sum := s.Run(context.Background())
	assert.Equal(t, []string{PainLine}, p.said)
	assert.Equal(t, []int64{tl.Exercises[1].Start}, p.seeks)
	assert.Equal(t, PainLine, last.Caption, "the page and terminal show what is being said")
	assert.True(t, last.Interjecting)
	assert.True(t, sum.Exercises[0].PainStop)
	assert.False(t, sum.Exercises[0].Skipped)
}

func TestCheckInAnswersAreRecordedAndMoveOn(t *testing.T) {
	tl := compileT(t, holdScript, Options{CheckIn: true})
	var before, after Segment
	for _, g := range tl.Segments {
		switch g.Phase {
		case PhaseCheckInBefore:
			before = g
		case PhaseCheckInAfter:
			after = g
		}
	}
	require.NotZero(t, before.End, "a check-in after the intro")
	require.NotZero(t, after.End, "and one before the finish")
	assert.Equal(t, tl.Exercises[0].Start, before.End)

	tests := []struct {
		name  string
		at    int64
		cmd   Command
		seeks []int64
		check func(t *testing.T, s Record)
	}{
		{"before", before.Start + 10, Rate(3), []int64{before.End}, func(t *testing.T, s Record) {
			require.NotNil(t, s.PainBefore)
			assert.Equal(t, 3, *s.PainBefore)
			assert.Nil(t, s.PainAfter)
		}},
		{"after", after.Start + 10, Rate(10), []int64{after.End}, func(t *testing.T, s Record) {
			require.NotNil(t, s.PainAfter)
			assert.Equal(t, 10, *s.PainAfter)
		}},
		{"outside a check-in it does nothing", tl.Exercises[0].Start + 10, Rate(5), nil, func(t *testing.T, s Record) {
			assert.Nil(t, s.PainBefore)
			assert.Nil(t, s.PainAfter)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakePlayer{pos: tt.at}
			s := NewSession(tl, p, nil, Config{MaxWait: time.Hour})
			s.Send(tt.cmd)
			s.Send(CmdStop)
			sum := s.Run(context.Background())
			assert.Equal(t, tt.seeks, p.seeks)
			tt.check(t, sum)
		})
	}
	// Unanswered, the session goes on by itself: the check-in is a fixed length.
	assert.Equal(t, int64(CheckInTime.Seconds()*float64(tl.Rate)), before.End-before.Start-cuesIn(tl, -1, PhaseCheckInBefore)[0].End+cuesIn(tl, -1, PhaseCheckInBefore)[0].At)
	for _, c := range []string{"rate-0", "rate-10"} {
		_, err := ParseCommand(c)
		assert.NoError(t, err, c)
	}
	for _, c := range []string{"rate-11", "rate--1", "rate-07"} {
		_, err := ParseCommand(c)
		assert.Error(t, err, c)
	}
}

// Every command of the control table parses, and every one the session
// handles is in the table.
func TestControlTable(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Controls {
		got, err := ParseCommand(string(c.Command))
		require.NoError(t, err)
		assert.Equal(t, c.Command, got)
		assert.NotEmpty(t, c.Label, c.Command)
		assert.NotEmpty(t, c.Help, c.Command)
		for _, k := range c.Keys {
			assert.False(t, seen[k], "key %q is bound twice", k)
			seen[k] = true
		}
	}
	for _, c := range []Command{CmdPause, CmdResume, CmdToggle, CmdNext, CmdBack, CmdRepeat, CmdStop, CmdPain, CmdTooEasy, CmdAboutRight, CmdTooHard, Rate(0), Rate(10)} {
		_, ok := ControlFor(c)
		assert.True(t, ok, c)
	}
	assert.Equal(t, "space pause/resume", HelpLines(Controls)[0][:len("space pause/resume")])
}

// clockPlayer plays on the wall clock at speed, counting how often the
// session looks.
type clockPlayer struct {
	start time.Time
	rate  float64
	looks atomic.Int64
}

func (p *clockPlayer) Position() int64 {
	p.looks.Add(1)
	return int64(time.Since(p.start).Seconds() * p.rate)
}
func (p *clockPlayer) SeekFrame(int64) {}
func (p *clockPlayer) SetPaused(bool)  {}

// The session sleeps until something is due: over a whole routine it looks
// at the clock a few times per timeline second (cues, phase boundaries, the
// countdown's seconds), not a hundred times as a 10 ms poll would.
func TestSessionWakesOnlyWhenSomethingIsDue(t *testing.T) {
	tl := compileT(t, holdScript, Options{})
	const speed = 40
	p := &clockPlayer{start: time.Now(), rate: float64(tl.Rate) * speed}
	s := NewSession(tl, p, nil, Config{Speed: speed})
	var states int
	s.OnState(func(State) { states++ })
	rec := s.Run(context.Background())
	assert.Equal(t, StatusFinished, rec.Status)
	seconds := float64(tl.Length) / float64(tl.Rate)
	perSecond := float64(p.looks.Load()) / seconds
	t.Logf("%.0f timeline seconds: %d looks (%.1f per second), %d states", seconds, p.looks.Load(), perSecond, states)
	assert.Less(t, perSecond, 8.0, "a poll every 10 ms would be 100 per second")
	assert.GreaterOrEqual(t, int(p.looks.Load()), states, "every state comes from a look")
}

// Five presses of next are not a session: nothing heard, nothing counted.
func TestSkippingEverythingIsNotCounted(t *testing.T) {
	tl := compileT(t, holdScript, Options{})
	s := NewSession(tl, seekingPlayer{p: &fakePlayer{pos: 10}}, nil, Config{MaxWait: time.Hour})
	for range 5 {
		require.True(t, s.Send(CmdNext))
	}
	rec := s.Run(context.Background())
	assert.Equal(t, StatusStopped, rec.Status, "the end was reached by skipping")
	assert.Equal(t, 0, rec.Totals().DoneReps)
	assert.Equal(t, 2, rec.Totals().Skipped)
	assert.False(t, rec.Counts())
}

// seekingPlayer is a fakePlayer that stays where a seek put it.
type seekingPlayer struct{ p *fakePlayer }

func (s seekingPlayer) Position() int64   { return s.p.Position() }
func (s seekingPlayer) SeekFrame(f int64) { s.p.SeekFrame(f) }
func (s seekingPlayer) SetPaused(b bool)  { s.p.SetPaused(b) }

// A sleep far longer than asked for is a freeze (a stopped process, a
// suspended laptop): it is counted as paused, not as time spent.
func TestFreezeCountsAsPaused(t *testing.T) {
	tl := compileT(t, holdScript, Options{})
	var mu sync.Mutex
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	p := &fakePlayer{pos: 10}
	s := NewSession(tl, p, nil, Config{MaxWait: time.Hour, Now: clock})
	paused := make(chan bool, 16)
	s.OnState(func(st State) { paused <- st.Paused })
	done := make(chan Record)
	go func() { done <- s.Run(context.Background()) }()
	require.False(t, <-paused, "running")
	advance(400 * time.Millisecond)
	require.True(t, s.Send(CmdPause))
	require.True(t, <-paused)
	advance(3 * time.Second)
	require.True(t, s.Send(CmdResume))
	require.False(t, <-paused)
	advance(2 * time.Hour) // a sleep of two hours when at most one was asked for
	require.True(t, s.Send(CmdStop))
	rec := <-done
	assert.Equal(t, int64(3000+2*3600*1000), rec.PausedMS, "the pause and the freeze")
	assert.Equal(t, int64(400), rec.SpentMS)
}

// A feel rating is about the exercise just done: asked in the rest after
// it and in the closing words; the last answer counts.
func TestFeelRatesTheExerciseJustDone(t *testing.T) {
	tl := compileT(t, holdScript, Options{})
	at := func(ex int, phase string) int64 {
		for _, g := range tl.Segments {
			if g.Exercise == ex && g.Phase == phase {
				return g.Start + 100
			}
		}
		t.Fatalf("no segment %d/%s", ex, phase)
		return 0
	}
	str := func(s string) *string { return &s }
	tests := []struct {
		name    string
		at      int64
		cmds    []Command
		asks    string // the state's FeelFor once the commands are in
		ratings []*string
	}{
		{"in the rest after an exercise", at(0, PhaseRest), []Command{CmdTooHard}, "Squeeze", []*string{str("too-hard"), nil}},
		{"in the up-next part, still the one before (not asked there)", at(1, PhaseUpNext), []Command{CmdAboutRight}, "", []*string{str("about-right"), nil}},
		{"getting ready for the next one, still the one before", at(1, PhaseReady), []Command{CmdTooEasy}, "", []*string{str("too-easy"), nil}},
		{"during reps, the one under way", at(1, string(BreatheIn)), []Command{CmdTooHard}, "", []*string{nil, str("too-hard")}},
		{"in the closing words, the last one", at(-1, PhaseFinish), []Command{CmdTooEasy}, "Books", []*string{nil, str("too-easy")}},
		{"the last answer counts", at(0, PhaseRest), []Command{CmdTooEasy, CmdTooHard, CmdAboutRight}, "Squeeze", []*string{str("about-right"), nil}},
		{"before the first exercise, nothing", 10, []Command{CmdTooHard}, "", []*string{nil, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakePlayer{pos: tt.at}
			s := NewSession(tl, p, nil, Config{MaxWait: time.Hour})
			var states []State
			s.OnState(func(st State) { states = append(states, st) })
			for _, c := range tt.cmds {
				require.True(t, s.Send(c))
			}
			require.True(t, s.Send(CmdStop))
			sum := s.Run(context.Background())
			assert.Empty(t, p.seeks, "a rating never moves the session")
			for i, want := range tt.ratings {
				assert.Equal(t, want, sum.Exercises[i].Rating, sum.Exercises[i].ID)
			}
			require.GreaterOrEqual(t, len(states), 2)
			live := states[len(states)-2] // the last before the stop
			assert.Equal(t, tt.asks, live.FeelFor)
			if tt.asks != "" {
				assert.Equal(t, string(tt.cmds[len(tt.cmds)-1]), live.Feel, "the page shows the answer given")
				assert.Empty(t, states[0].Feel, "nothing answered yet")
			}
			assert.Empty(t, states[len(states)-1].FeelFor, "a stopped session asks nothing")
		})
	}
}

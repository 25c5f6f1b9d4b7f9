package coach

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const holdScript = `version: 1
id: h
title: Holds
defaults:
  rest_between_exercises: 10s
  get_ready: 4s
  countdown: 3
exercises:
  - id: squeeze
    name: Squeeze
    setup: [Sit up straight.]
    reps: 3
    rep:
      - phase: move
        duration: 2s
        say: Squeeze.
      - phase: hold
        duration: 15s to 30s
        default: 20s
        say: Hold.
      - phase: release
        duration: 3s
        say: Relax.
  - id: books
    name: Books
    reps: 2
    sides: [left, right]
    switch: Turn over.
    rep:
      - phase: breathe-in
        duration: 4s
        say: Breathe in, open.
      - phase: breathe-out
        duration: 4s
        say: Breathe out.
    variants:
      long:
        reps: 1
        rep:
          - phase: hold
            duration: 30s
            say: Hold.
`

func compileT(t *testing.T, src string, opt Options) *Timeline {
	t.Helper()
	r, err := Load("h.yaml", []byte(src))
	require.NoError(t, err)
	tl, err := Compile(r, fakeVoice{}, opt)
	require.NoError(t, err)
	checkInvariants(t, tl)
	return tl
}

// checkInvariants holds for every timeline: segments tile [0, Length), cues
// are in order and never overlap, and every clip lies inside its cue.
func checkInvariants(t *testing.T, tl *Timeline) {
	t.Helper()
	require.NotEmpty(t, tl.Segments)
	assert.Equal(t, int64(0), tl.Segments[0].Start)
	assert.Equal(t, tl.Length, tl.Segments[len(tl.Segments)-1].End)
	for i := 1; i < len(tl.Segments); i++ {
		assert.Equal(t, tl.Segments[i-1].End, tl.Segments[i].Start, "segment %d", i)
		assert.Less(t, tl.Segments[i].Start, tl.Segments[i].End, "segment %d is empty", i)
	}
	for i, c := range tl.Cues {
		assert.LessOrEqual(t, c.End, tl.Length)
		if i > 0 {
			assert.LessOrEqual(t, tl.Cues[i-1].End, c.At, "cue %d %q overlaps %q", i, c.Text, tl.Cues[i-1].Text)
		}
		for _, cl := range c.Clips {
			assert.GreaterOrEqual(t, cl.At, c.At)
			assert.LessOrEqual(t, cl.At+int64(cl.Frames), c.End)
		}
	}
}

// cuesIn returns the required lines of one exercise and phase.
func cuesIn(tl *Timeline, ex int, phase string) []Cue {
	var out []Cue
	for _, c := range tl.Cues {
		if c.Exercise == ex && c.Phase == phase && !c.Optional {
			out = append(out, c)
		}
	}
	return out
}

func TestPhaseLengthIsOnsetToOnset(t *testing.T) {
	tl := compileT(t, holdScript, Options{})
	holds := cuesIn(tl, 0, "hold")
	releases := cuesIn(tl, 0, "release")
	require.Len(t, holds, 3)
	require.Len(t, releases, 3)
	for i := range holds {
		assert.Equal(t, int64(20*tl.Rate), releases[i].At-holds[i].At, "rep %d: release exactly 20 s after hold", i+1)
	}
	assert.Equal(t, int64(20000), tl.Exercises[0].Hold)
}

func TestHoldOptions(t *testing.T) {
	tests := []struct {
		hold string
		want time.Duration
	}{
		{"", 20 * time.Second},
		{"default", 20 * time.Second},
		{"min", 15 * time.Second},
		{"max", 30 * time.Second},
		{"25s", 25 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.hold, func(t *testing.T) {
			h, err := ParseHold(tt.hold)
			require.NoError(t, err)
			tl := compileT(t, holdScript, Options{Hold: h})
			holds, rel := cuesIn(tl, 0, "hold"), cuesIn(tl, 0, "release")
			require.NotEmpty(t, holds)
			assert.Equal(t, tl.Duration(rel[0].At-holds[0].At), tt.want)
		})
	}
	_, err := ParseHold("20")
	assert.EqualError(t, err, `--hold: duration "20" needs a unit, e.g. 20s (or use min, max)`)
}

func TestCountdownAndHalfway(t *testing.T) {
	tl := compileT(t, holdScript, Options{})
	hold := cuesIn(tl, 0, "hold")
	release := cuesIn(tl, 0, "release")[0]
	var texts []string
	for _, c := range tl.Cues {
		if c.At > hold[0].At && c.At < release.At {
			texts = append(texts, c.Text)
			assert.True(t, c.Optional)
		}
	}
	assert.Equal(t, []string{"Halfway.", "Three.", "Two.", "One."}, texts)
	for _, c := range tl.Cues {
		if c.Text == "Three." && c.At > hold[0].At && c.At < release.At {
			assert.Equal(t, release.At-3*int64(tl.Rate), c.At, "countdown on the seconds before the release")
		}
	}
}

func TestCountIsDroppedNotDelayed(t *testing.T) {
	// A 1.2 s hold: "Hold." fits, the countdown of three cannot.
	src := strings.Replace(holdScript, "duration: 15s to 30s\n        default: 20s", "duration: 1200ms", 1)
	tl := compileT(t, src, Options{Only: []string{"squeeze"}})
	holds := cuesIn(tl, 0, "hold")
	release := cuesIn(tl, 0, "release")
	require.Len(t, holds, 3)
	for i := range holds {
		assert.Equal(t, int64(1200), release[i].At-holds[i].At)
	}
	for _, c := range tl.Cues {
		if c.Phase == "hold" {
			assert.NotEqual(t, "Three.", c.Text, "a count that does not fit is dropped")
		}
	}
}

func TestRepCountPrefix(t *testing.T) {
	tl := compileT(t, holdScript, Options{Only: []string{"squeeze"}})
	moves := cuesIn(tl, 0, "move")
	require.Len(t, moves, 3)
	assert.Equal(t, "Squeeze.", moves[0].Text, "the count-in marks the first rep")
	assert.Equal(t, "Two. Squeeze.", moves[1].Text)
	assert.Equal(t, "Last one. Squeeze.", moves[2].Text)

	// In a phase too short for the count, the count goes and the line stays.
	src := strings.Replace(holdScript, "duration: 2s\n        say: Squeeze.", "duration: 600ms\n        say: Squeeze.", 1)
	tl = compileT(t, src, Options{Only: []string{"squeeze"}})
	assert.Equal(t, "Squeeze.", cuesIn(tl, 0, "move")[1].Text)
}

func TestRequiredLineMustFit(t *testing.T) {
	src := strings.Replace(holdScript, "duration: 3s\n        say: Relax.", "duration: 1s\n        say: Relax completely and let go.", 1)
	r, err := Load("h.yaml", []byte(src))
	require.NoError(t, err)
	_, err = Compile(r, fakeVoice{}, Options{})
	require.Error(t, err)
	assert.Equal(t, "h.yaml:21:9: squeeze: rep 1, phase release: the spoken line takes 1.38s but the phase lasts 1s (over by 460ms, counting the 80ms pause after the line); shorten the line or lengthen the phase", err.Error())
}

func TestMissingPhrases(t *testing.T) {
	r, err := Load("h.yaml", []byte(holdScript))
	require.NoError(t, err)
	_, err = Compile(r, fakeVoice{missing: []string{"squeeze", "turn over", "turn"}}, Options{})
	var miss *MissingPhrasesError
	require.ErrorAs(t, err, &miss)
	assert.Equal(t, []string{"Squeeze", "Turn over"}, miss.Phrases)
	assert.Contains(t, err.Error(), "coach voice bake h")
}

func TestSidesSetsAndVariant(t *testing.T) {
	tl := compileT(t, holdScript, Options{Only: []string{"books"}})
	require.Len(t, tl.Exercises, 1)
	assert.Equal(t, []Side{Left, Right}, tl.Exercises[0].Sides)
	assert.Len(t, cuesIn(tl, 0, "breathe-in"), 4, "two reps on each side")
	assert.Len(t, cuesIn(tl, 0, PhaseSwitch), 1)
	var sides []string
	for _, c := range cuesIn(tl, 0, PhaseReady) {
		sides = append(sides, c.Text)
	}
	assert.Contains(t, sides, "Left side.")
	assert.Contains(t, sides, "Right side.")

	tl = compileT(t, holdScript, Options{Only: []string{"books"}, Variant: "long"})
	assert.Len(t, cuesIn(tl, 0, "hold"), 2, "one 30 s hold each side")
	assert.Equal(t, int64(30000), tl.Exercises[0].Hold)
	assert.Equal(t, "long", tl.Exercises[0].Variant)

	tl = compileT(t, holdScript, Options{Reps: 1})
	assert.Len(t, cuesIn(tl, 1, "breathe-in"), 2)
}

func TestOptionErrors(t *testing.T) {
	r, err := Load("h.yaml", []byte(holdScript))
	require.NoError(t, err)
	tests := []struct {
		opt  Options
		want string
	}{
		{Options{Only: []string{"bokos"}}, `h has no exercise "bokos" (did you mean "books"?); it has squeeze, books`},
		{Options{Variant: "lnog"}, `no exercise in this session has a variant "lnog" (did you mean "long"?)`},
		{Options{Only: []string{"squeeze"}, Variant: "long"}, `no exercise in this session has a variant; --variant "long" does not apply`},
		{Options{Reps: 500}, "--reps must be between 1 and 50"},
		{Options{Pace: 10}, "--pace must be between 0.75 and 2, not 10"},
	}
	for _, tt := range tests {
		_, err := Compile(r, fakeVoice{}, tt.opt)
		assert.EqualError(t, err, tt.want)
	}
}

func TestPaceStretchesMovementNotHolds(t *testing.T) {
	slow := compileT(t, holdScript, Options{Only: []string{"squeeze"}, Pace: 1.5})
	moves, holds := cuesIn(slow, 0, "move"), cuesIn(slow, 0, "hold")
	assert.Equal(t, int64(3000), holds[0].At-moves[0].At, "2 s move at pace 1.5")
	assert.Equal(t, int64(20000), cuesIn(slow, 0, "release")[0].At-holds[0].At, "holds are prescribed, not paced")
}

func TestCompileIsDeterministic(t *testing.T) {
	a := compileT(t, holdScript, Options{})
	b := compileT(t, holdScript, Options{})
	assert.Equal(t, a, b)
}

func TestLintWarnsOfCrowdedPhases(t *testing.T) {
	// "Squeeze your shoulder blades." takes 1.5 s of a 2 s move: 75 %,
	// with "Two." before it more: the count moves out, the line stays.
	src := strings.Replace(holdScript, "say: Squeeze.", "say: Squeeze your shoulder blades.", 1)
	r, err := Load("h.yaml", []byte(src))
	require.NoError(t, err)
	tl, err := Compile(r, fakeVoice{}, Options{Only: []string{"squeeze"}})
	require.NoError(t, err)
	assert.NoError(t, Lint(r, tl))

	src = strings.Replace(holdScript, "say: Squeeze.", "say: Squeeze your shoulder blades in.", 1)
	r, err = Load("h.yaml", []byte(src))
	require.NoError(t, err)
	tl, err = Compile(r, fakeVoice{}, Options{Only: []string{"squeeze"}})
	require.NoError(t, err)
	assert.EqualError(t, Lint(r, tl), `h.yaml:14:9: warning: squeeze: the move phase is 81% speech (1.62s of 2s, "Squeeze your shoulder blades in."); leave room to move and breathe: shorten the line or lengthen the phase`)
}

const restScript = `version: 1
id: r
title: Rests
defaults:
  rest_between_exercises: 20s
  rest_between_sets: 5s
  get_ready: 1s
exercises:
  - id: lift
    name: Lift
    sets: 2
    reps: 2
    rep:
      - phase: move
        duration: 2s
        say: Lift.
      - phase: rest
        duration: 3s
        say: Rest.
  - id: books
    name: Books
    equipment: [a mat]
    setup: [Lie down., Bend your knees.]
    reps: 1
    rep:
      - phase: hold
        duration: 6s
        say: Hold.
      - phase: hold
        duration: 5s
        say: Hold.
`

// texts lists what is said from frame from to frame to.
func texts(tl *Timeline, from, to int64) []string {
	var out []string
	for _, c := range tl.Cues {
		if c.At >= from && c.At < to {
			out = append(out, c.Text)
		}
	}
	return out
}

func at(tl *Timeline, text string, from int64) Cue {
	for _, c := range tl.Cues {
		if c.At >= from && c.Text == text {
			return c
		}
	}
	return Cue{At: -1}
}

func TestRestBetweenExercisesSaysWhatComesNext(t *testing.T) {
	tl := compileT(t, restScript, Options{})
	rest := tl.Exercises[0].End
	first := cuesIn(tl, 1, "hold")[0].At
	// The rep ended on "Rest.": the rest opens with "Well done." alone.
	assert.Equal(t, []string{"Well done.", "Next up, exercise two of two: Books.", "You'll need a mat.", "Ten seconds.", "Lie down.", "Bend your knees.", "Get ready.", "Three.", "Two.", "One."},
		texts(tl, rest, first))
	preview := at(tl, "Next up, exercise two of two: Books.", rest)
	assert.Equal(t, preview.At, tl.Exercises[1].Start, "skipping to the exercise hears what it is")
	assert.Equal(t, 1, preview.Exercise)
	assert.Equal(t, rest+20000-10000, at(tl, "Ten seconds.", rest).At, "ten seconds before the rest ends")
	assert.Greater(t, at(tl, "Lie down.", rest).At, at(tl, "Ten seconds.", rest).At, "into position near the end")
	g := tl.Segments[tl.SegmentAt(rest)]
	assert.Equal(t, Segment{Start: rest, End: preview.At, Exercise: 0, Set: -1, Side: -1, Rep: -1, Phase: PhaseRest}, g)
	g = tl.Segments[tl.SegmentAt(preview.At)]
	assert.Equal(t, Segment{Start: preview.At, End: rest + 20000, Exercise: 1, Set: -1, Side: -1, Rep: -1, Phase: PhaseUpNext}, g)
	assert.Equal(t, PhaseReady, tl.Segments[tl.SegmentAt(rest+20000)].Phase, "all was said in the rest: no setup")
}

func TestRestBetweenExercisesOptions(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"announce_next off", "    reps: 2\n", "    reps: 2\n    announce_next: false\n",
			[]string{"Well done.", "Ten seconds.", "Exercise two of two: Books.", "You'll need a mat.", "Lie down.", "Bend your knees.", "Get ready.", "Three.", "Two.", "One."}},
		{"time_left off", "  get_ready: 1s\n", "  get_ready: 1s\n  time_left: false\n",
			[]string{"Well done.", "Next up, exercise two of two: Books.", "You'll need a mat.", "Lie down.", "Bend your knees.", "Get ready.", "Three.", "Two.", "One."}},
		{"a rest too short to say what comes next", "rest_between_exercises: 20s", "rest_between_exercises: 3s",
			[]string{"Well done.", "Exercise two of two: Books.", "You'll need a mat.", "Lie down.", "Bend your knees.", "Get ready.", "Three.", "Two.", "One."}},
		{"the rep did not end on a rest line", "        duration: 3s\n        say: Rest.\n", "        duration: 3s\n",
			[]string{"Well done. Rest.", "Next up, exercise two of two: Books.", "You'll need a mat.", "Ten seconds.", "Lie down.", "Bend your knees.", "Get ready.", "Three.", "Two.", "One."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, restScript, tt.from)
			tl := compileT(t, strings.Replace(restScript, tt.from, tt.to, 1), Options{})
			assert.Equal(t, tt.want, texts(tl, tl.Exercises[0].End, cuesIn(tl, 1, "hold")[0].At))
		})
	}
}

func TestSetRestCountdownFitsOrGoes(t *testing.T) {
	tests := []struct {
		rest string
		want []string
	}{
		// "Rest." was said by the rep: the set rest says which set comes.
		{"5s", []string{"Set two of two.", "Three.", "Two.", "One."}},
		{"3s", []string{"Set two of two.", "Two.", "One."}},
		// No room for "Two. One.": no lone "One." either.
		{"1500ms", []string{"Set two of two."}},
		{"30s", []string{"Set two of two.", "Twenty seconds.", "Ten seconds.", "Three.", "Two.", "One."}},
	}
	for _, tt := range tests {
		t.Run(tt.rest, func(t *testing.T) {
			tl := compileT(t, strings.Replace(restScript, "rest_between_sets: 5s", "rest_between_sets: "+tt.rest, 1), Options{Only: []string{"lift"}})
			var got []string
			for _, c := range tl.Cues {
				if c.Phase == PhaseSetRest {
					got = append(got, c.Text)
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNoCountdownInShortHolds(t *testing.T) {
	tl := compileT(t, restScript, Options{Only: []string{"books"}})
	holds := cuesIn(tl, 0, "hold")
	require.Len(t, holds, 2)
	assert.Equal(t, []string{"Hold.", "Three.", "Two.", "One."}, texts(tl, holds[0].At, holds[1].At), "a 6 s hold has room")
	assert.Equal(t, []string{"Hold."}, texts(tl, holds[1].At, holds[1].At+5000), "a 5 s hold does not")
}

func TestCountInLeavesABreathAfterGetReady(t *testing.T) {
	tl := compileT(t, restScript, Options{Only: []string{"books"}})
	ready := cuesIn(tl, 0, PhaseReady)[0]
	three := at(tl, "Three.", ready.At)
	assert.GreaterOrEqual(t, three.At-ready.End, int64(700))
	assert.Equal(t, cuesIn(tl, 0, "hold")[0].At-3000, three.At)
}

func TestCrowdedRepCountMovesToThePhaseBefore(t *testing.T) {
	src := strings.Replace(holdScript, "say: Squeeze.", "say: Squeeze your shoulder blades.", 1)
	tl := compileT(t, src, Options{Only: []string{"squeeze"}})
	moves, releases := cuesIn(tl, 0, "move"), cuesIn(tl, 0, "release")
	require.Len(t, moves, 3)
	for i, want := range []string{"Two.", "Last one."} {
		assert.Equal(t, "Squeeze your shoulder blades.", moves[i+1].Text)
		count := at(tl, want, releases[i].At)
		assert.Equal(t, "release", count.Phase)
		assert.Equal(t, moves[i+1].At-80, count.End, "just before the rep")
	}
}

// Compiled against a voice that can say nothing, a routine lists every
// clause it needs (the pack build relies on it) instead of failing.
func TestSpokenPhrasesWithNothingRecorded(t *testing.T) {
	r, err := Load("r.yaml", []byte(restScript))
	require.NoError(t, err)
	ps, err := SpokenPhrases(r)
	require.NoError(t, err)
	for _, p := range []string{"Rests", "Lift", "Next up", "exercise two of two", "Books", "You'll need a mat", "Lie down", "Ten seconds", "Set two of two"} {
		assert.Contains(t, ps, p)
	}
}

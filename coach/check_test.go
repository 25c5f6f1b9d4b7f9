package coach

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wordVoice says single words only (60 ms a letter at 1,000 frames a
// second), except the words it lacks, and lists them as a pack does.
type wordVoice struct{ lacks []string }

func (wordVoice) Rate() int { return 1000 }

func (w wordVoice) Frames(phrase string) (int, bool) {
	k := Key(phrase)
	if strings.Contains(k, " ") || contains(w.lacks, k) || k == "" {
		return 0, false
	}
	return 60 * letters(k), true
}

func (w wordVoice) Phrases() []string {
	var out []string
	for _, s := range strings.Fields(commonWords + " tuck chin hold relax rest well done exercise of set halfway last get ready left right side sides change three two one") {
		if !contains(w.lacks, s) {
			out = append(out, s)
		}
	}
	for n := 1; n <= sayCountUnits; n++ {
		if k := NumberWords(n); !contains(w.lacks, k) {
			out = append(out, k)
		}
	}
	return out
}

// script builds a one-exercise routine around the given exercise body.
func script(body string) string {
	return `version: 1
id: c
title: Hold
defaults:
  countdown: 0
  get_ready: 2s
exercises:
  - id: tuck
    name: Chin tuck
` + body
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		lacks    []string
		errors   []string // each a line of Errors, in order
		warnings []string
		record   []string // Clause@line:col
	}{
		{
			name: "clean",
			body: `    reps: 3
    rep:
      - {phase: move, duration: 3s, say: Tuck your chin.}
      - {phase: hold, duration: 5s to 10s, say: Hold.}
`,
		},
		{
			name:  "hold max needs a number the pack lacks",
			lacks: []string{"sixty"},
			body: `    reps: 2
    rep:
      - phase: hold
        duration: 20s to 60s
        say: Hold for {seconds} seconds.
`,
			errors: []string{`c.yaml:14:14: the voice pack cannot say the number "sixty" in "Hold for sixty seconds" (with --hold max); numbers come from the pack (rebuild it with make voices)`},
			record: []string{"Hold for sixty seconds@14:14"},
		},
		{
			name: "a variant that does not fit",
			body: `    reps: 2
    rep:
      - {phase: move, duration: 3s, say: Tuck.}
    variants:
      quick:
        rep:
          - {phase: move, duration: 1s, say: Tuck your chin in slowly.}
`,
			errors: []string{"c.yaml:16:13: with --variant quick: tuck: rep 1, phase move: the spoken line takes 1.2s but the phase lasts 1s (over by 280ms, counting the 80ms pause after the line); shorten the line or lengthen the phase"},
		},
		{
			name: "fits as written, not at the fastest pace",
			body: `    reps: 2
    rep:
      - {phase: move, duration: 2.2s, say: Tuck your chin in slowly and gently now.}
`,
			errors: []string{"c.yaml:12:9: with --pace 0.75: tuck: rep 1, phase move: the spoken line takes 1.92s but the phase lasts 1.65s (over by 350ms, counting the 80ms pause after the line); shorten the line or lengthen the phase"},
			warnings: []string{`c.yaml:12:9: warning: tuck: "Last one." in the move phase: no room beside the other speech, so it is not said (once); lengthen the phase or shorten its line to hear it`,
				`c.yaml:12:9: warning: tuck: the move phase is 87% speech (1.92s of 2.2s, "Tuck your chin in slowly and gently now."); leave room to move and breathe: shorten the line or lengthen the phase`},
		},
		{
			name: "fits with the script's reps, not with --reps 50",
			body: `    reps: 2
    count_reps: false
    rep:
      - {phase: move, duration: 1.3s, say: "Rep {rep} of {reps}."}
`,
			errors: []string{"c.yaml:13:9: with --reps 50: tuck: rep 23, phase move: the spoken line takes 1.26s but the phase lasts 1.3s (over by 40ms, counting the 80ms pause after the line); shorten the line or lengthen the phase"},
		},
		{
			// Nor in the phase before (the same move, of the rep before).
			name: "a count with no room is a warning",
			body: `    reps: 3
    rep:
      - {phase: move, duration: 1.2s, say: Tuck your chin.}
`,
			warnings: []string{`c.yaml:12:9: warning: tuck: "Last one." in the move phase: no room beside the other speech, so it is not said (once); lengthen the phase or shorten its line to hear it`},
		},
		{
			name:  "unrecorded words are listed at the line that says them",
			lacks: []string{"gently", "rep"},
			body: `    reps: 2
    setup: [Sit tall, gently.]
    rep:
      - {phase: move, duration: 5s, say: "Tuck your chin, rep {rep}."}
`,
			record: []string{"gently@11:23", "rep@13:42"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Load("c.yaml", []byte(script(tt.body)))
			require.NoError(t, err)
			rep := Check(r, wordVoice{lacks: tt.lacks})
			var errs, warns, rec []string
			for _, e := range rep.Errors {
				errs = append(errs, e.Error())
			}
			for _, e := range rep.Warnings {
				warns = append(warns, e.Error())
			}
			for _, u := range rep.Unrecorded {
				rec = append(rec, fmt.Sprintf("%s@%d:%d", u.Clause, u.Line, u.Col))
			}
			assert.Equal(t, tt.errors, errs)
			assert.Equal(t, tt.warnings, warns)
			assert.Equal(t, tt.record, rec)
		})
	}
}

func TestUnrecordedNamesNewWordsAndClosePhrases(t *testing.T) {
	r, err := Load("c.yaml", []byte(script(`    reps: 1
    rep:
      - {phase: move, duration: 5s, say: Chin tucks.}
`)))
	require.NoError(t, err)
	rep := Check(r, wordVoice{lacks: []string{"tucks"}})
	require.Len(t, rep.Unrecorded, 1)
	u := rep.Unrecorded[0]
	assert.Equal(t, "Chin tucks", u.Clause)
	assert.Equal(t, []string{"tucks"}, u.Words)
	assert.Equal(t, []string{"tuck"}, u.Close, "the word it is a form of")
	assert.Equal(t, "Chin tucks.", u.Written)
}

func TestEstimateMarksUnrecordedLines(t *testing.T) {
	r, err := Load("c.yaml", []byte(script(`    reps: 1
    rep:
      - {phase: move, duration: 5s, say: Tuck your chin.}
`)))
	require.NoError(t, err)
	v := wordVoice{lacks: []string{"chin"}}
	_, err = Compile(r, v, Options{})
	var miss *MissingPhrasesError
	require.True(t, errors.As(err, &miss), "without estimates an unrecorded line fails: %v", err)
	assert.Contains(t, miss.Error(), "record them with: coach voice bake c.yaml", "the hint names the file, which bake can find")

	tl, err := Compile(r, v, Options{Estimate: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"Chin tuck", "Tuck your chin"}, tl.Unrecorded)
	var marked []string
	for _, c := range tl.Cues {
		if c.Unrecorded {
			marked = append(marked, c.Text)
			assert.Positive(t, c.End-c.At, "an estimated line has a length")
		}
	}
	assert.Equal(t, []string{"Exercise one of one: Chin tuck.", "Tuck your chin."}, marked)
}

func TestEstimatorSpeaksAtThePacksRate(t *testing.T) {
	e := newEstimator(wordVoice{})
	assert.InDelta(t, 0.06, e.perLetter, 0.001, "fitted on the pack: 60 ms a letter")
	assert.InDelta(t, 0, e.base, 0.001)
	assert.Equal(t, 480, e.frames("Tuck, chin"), "eight letters")
	d := newEstimator(fakeVoice{})
	assert.Equal(t, estimatePerLetter, d.perLetter, "a pack that cannot list its phrases gets the default pack's rate")
}

const sidesScript = `version: 1
id: s
title: Sides
defaults: {countdown: 0, get_ready: 2s, count_reps: false}
exercises:
  - id: march
    name: March
    reps: 2
    sides: %s
    rep:
      - {phase: move, duration: 3s, say: Lift.}
    variants:
      seated:
        sides: none
        setup: [Sit down.]
`

func TestSides(t *testing.T) {
	tests := []struct {
		sides   string
		variant string
		want    []string // the lines of the exercise, after its name
	}{
		{"[left]", "", []string{"Left side.", "Lift.", "Lift."}},
		{"right", "", []string{"Right side.", "Lift.", "Lift."}},
		{"both", "", []string{"Left side.", "Lift.", "Lift.", "Change sides.", "Right side.", "Lift.", "Lift."}},
		{"[right, left]", "", []string{"Right side.", "Lift.", "Lift.", "Change sides.", "Left side.", "Lift.", "Lift."}},
		{"alternate", "", []string{"Get ready.", "Left. Lift.", "Right. Lift.", "Left. Lift.", "Right. Lift."}},
		{"alternate", "seated", []string{"Sit down.", "Get ready.", "Lift.", "Lift."}},
	}
	for _, tt := range tests {
		t.Run(tt.sides+tt.variant, func(t *testing.T) {
			tl := compileT(t, fmt.Sprintf(sidesScript, tt.sides), Options{Variant: tt.variant})
			var got []string
			for _, c := range tl.Cues {
				if c.Exercise == 0 && c.Phase != PhaseSetup {
					got = append(got, c.Text)
				} else if c.Exercise == 0 && !strings.HasPrefix(c.Text, "Exercise") {
					got = append(got, c.Text)
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
	tl := compileT(t, fmt.Sprintf(sidesScript, "alternate"), Options{})
	var sides []int
	for _, s := range tl.Segments {
		if s.Phase == string(Move) {
			sides = append(sides, s.Side)
		}
	}
	assert.Equal(t, []int{0, 1, 0, 1}, sides, "segments take turns, so the page shows the side")
	assert.True(t, tl.Exercises[0].Alternate)
}

func TestAlternatingCountsEachRepOnce(t *testing.T) {
	src := strings.Replace(fmt.Sprintf(sidesScript, "alternate"), "count_reps: false", "count_reps: true", 1)
	src = strings.Replace(src, "reps: 2", "reps: 3", 1)
	tl := compileT(t, src, Options{})
	var got []string
	for _, c := range tl.Cues {
		if c.Phase == string(Move) {
			got = append(got, c.Text)
		}
	}
	assert.Equal(t, []string{"Left. Lift.", "Right. Lift.", "Two. Left. Lift.", "Right. Lift.", "Last one. Left. Lift.", "Right. Lift."}, got)
}

func TestHoldOutsideThePrescription(t *testing.T) {
	r, err := Load("h.yaml", []byte(holdScript))
	require.NoError(t, err)
	_, err = Compile(r, fakeVoice{}, Options{Hold: HoldChoice{Mode: "fixed", Fixed: 45 * time.Second}})
	require.Error(t, err)
	assert.Equal(t, "--hold 45s is outside the 15s to 30s hold prescribed for squeeze (h.yaml:17:9); choose within it (or min, max), or add --force to hold 45s anyway", err.Error())
	tl, err := Compile(r, fakeVoice{}, Options{Hold: HoldChoice{Mode: "fixed", Fixed: 45 * time.Second}, ForceHold: true})
	require.NoError(t, err)
	assert.Equal(t, int64(45*tl.Rate), tl.Exercises[0].Hold)
	_, err = Compile(r, fakeVoice{}, Options{Hold: HoldChoice{Mode: "fixed", Fixed: 25 * time.Second}, Only: []string{"squeeze"}})
	assert.NoError(t, err, "within the range")
}

func TestTrialsCoverEveryVariantAndEnd(t *testing.T) {
	src := strings.Replace(holdScript, "say: Hold.\n      - phase: release", "say: Hold, rep {rep}.\n      - phase: release", 1)
	require.NotEqual(t, holdScript, src)
	r, err := Load("h.yaml", []byte(src))
	require.NoError(t, err)
	got := map[string][]string{}
	var flags []string
	for _, s := range Trials(r) {
		flags = append(flags, s.Flags)
		got[s.Flags] = s.Options.Only
	}
	assert.Equal(t, []string{"", "--hold min", "--hold max", "--pace 0.75", "--pace 2", "--reps 1", "--reps 50", "--hold min --pace 0.75 --reps 50",
		"--variant long", "--variant long --pace 0.75", "--variant long --pace 2"}, flags,
		"a trial that can change nothing is not compiled (books has no range and no {rep}; only books has the variant)")
	assert.Nil(t, got[""])
	assert.Equal(t, []string{"squeeze"}, got["--hold max"], "only the exercises a trial can change")
	assert.Equal(t, []string{"squeeze"}, got["--reps 50"])
	assert.Equal(t, []string{"books"}, got["--variant long"])

	r, err = Load("h.yaml", []byte(strings.Replace(src, "say: Relax.", "say: Next is {next}.", 1)))
	require.NoError(t, err)
	for _, s := range Trials(r) {
		assert.Nil(t, s.Options.Only, "%s: with {next} a line depends on its neighbour", s.Flags)
	}
}

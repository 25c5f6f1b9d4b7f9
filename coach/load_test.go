package coach

import (
	"strings"
	"testing"
	"time"

	"github.com/coach-dev/coach/scripts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const minimal = `version: 1
id: t
title: T
exercises:
  - id: a
    name: A
    reps: 2
    rep:
      - phase: move
        duration: 2s
        say: Go.
`

func TestLoadMinimal(t *testing.T) {
	r, err := Load("t.yaml", []byte(minimal))
	require.NoError(t, err)
	assert.Equal(t, "t", r.ID)
	require.Len(t, r.Exercises, 1)
	e := r.Exercises[0]
	assert.Equal(t, 1, e.Sets, "sets default to one")
	assert.Equal(t, 2, e.Reps)
	assert.Equal(t, Span{2 * time.Second, 2 * time.Second, 2 * time.Second}, e.Rep[0].Duration)
	assert.Equal(t, 3, r.Defaults.Countdown)
}

func TestLoadBuiltin(t *testing.T) {
	rs, err := LoadBuiltin(scripts.FS)
	require.NoError(t, err)
	require.NotEmpty(t, rs)
	var ub *Routine
	for _, r := range rs {
		if r.ID == "upper-back" {
			ub = r
		}
	}
	require.NotNil(t, ub, "the upper-back routine is built in")
	var ids []string
	for _, e := range ub.Exercises {
		ids = append(ids, e.ID)
	}
	assert.Equal(t, []string{"shoulder-rolls", "childs-pose", "open-books", "scapular-squeeze", "bent-over-row"}, ids, "the handout's order")
	byID := map[string]*Exercise{}
	for _, e := range ub.Exercises {
		byID[e.ID] = e
	}
	assert.Equal(t, 10, byID["shoulder-rolls"].Reps)
	assert.Equal(t, 3, byID["childs-pose"].Reps)
	hold := byID["childs-pose"].Rep[1]
	assert.Equal(t, Hold, hold.Kind)
	assert.Equal(t, 15*time.Second, hold.Duration.Min)
	assert.Equal(t, 30*time.Second, hold.Duration.Max)
	ob := byID["open-books"]
	assert.Equal(t, 10, ob.Reps)
	assert.Equal(t, []Side{Left, Right}, ob.Sides)
	require.Contains(t, ob.Variants, "hold")
	assert.Equal(t, 5, ob.Variants["hold"].Reps)
	var holdLen time.Duration
	for _, p := range ob.Variants["hold"].Rep {
		if p.Kind == Hold {
			holdLen = p.Duration.Default
		}
	}
	assert.Equal(t, 30*time.Second, holdLen)
	assert.Equal(t, 5*time.Second, byID["scapular-squeeze"].Rep[1].Duration.Default)
	assert.Equal(t, 10, byID["bent-over-row"].Reps)
	assert.Contains(t, ub.Safety, "hurts")
	// Breathing is never rushed: every breath phase lasts 3 s or more.
	for _, e := range ub.Exercises {
		phases := append([]Phase{}, e.Rep...)
		for _, v := range e.Variants {
			phases = append(phases, v.Rep...)
		}
		for _, p := range phases {
			if p.Kind == BreatheIn || p.Kind == BreatheOut {
				assert.GreaterOrEqual(t, p.Duration.Min, 3*time.Second, "%s: %s", e.ID, p.Kind)
			}
		}
	}
}

// replace applies an edit to the minimal script.
func replace(old, new string) string {
	if !strings.Contains(minimal, old) {
		panic("test edit does not apply: " + old)
	}
	return strings.Replace(minimal, old, new, 1)
}

var loadErrorCases = []struct {
	name string
	src  string
	want string // one expected line of the error
	// schema: the JSON Schema rejects it too. Zero or too-long durations,
	// backwards ranges, references and duplicates are beyond JSON Schema;
	// syntax errors never reach it.
	schema bool
}{
	{"empty", "", "t.yaml:1:1: empty script", true},
	{"say too long", replace("say: Go.", "say: "+strings.Repeat("go ", 101)), "t.yaml:11:14: say is 302 characters long; a spoken line may be at most 300: split it, or move detail to tips", true},
	{"too many setup lines", replace("    reps: 2", "    reps: 2\n    setup: ["+strings.Repeat("Sit., ", 30)+"Sit.]"), "t.yaml:8:193: setup has 31 entries; at most 30", true},
	{"syntax", "version: 1\nid: [unclosed\n", "t.yaml:1:1: YAML syntax: did not find expected ',' or ']'", false},
	{"not a mapping", "- a\n- b\n", "t.yaml:1:1: the routine must be a mapping of fields, not a list", true},
	{"unknown top field", replace("title: T", "titel: T"), `t.yaml:3:1: unknown field "titel" in the routine (did you mean "title"?)`, true},
	{"missing title", replace("title: T\n", ""), `t.yaml:1:1: the routine has no "title" field`, true},
	{"unknown exercise field", replace("    reps: 2", "    repz: 2"), `t.yaml:7:5: unknown field "repz" in exercise "a" (did you mean "reps"?)`, true},
	{"duplicate field", replace("    reps: 2", "    reps: 2\n    reps: 3"), `t.yaml:8:5: field "reps" appears twice in exercise "a"`, false},
	{"reps wrong type", replace("reps: 2", "reps: two"), `t.yaml:7:11: reps must be a whole number, not text "two"`, true},
	{"reps zero", replace("reps: 2", "reps: 0"), "t.yaml:7:11: reps must be between 1 and 50, not 0", true},
	{"reps absurd", replace("reps: 2", "reps: 1000"), "t.yaml:7:11: reps must be between 1 and 50, not 1000", true},
	{"sets zero", replace("reps: 2", "reps: 2\n    sets: 0"), "t.yaml:8:11: sets must be between 1 and 10, not 0", true},
	{"version newer", replace("version: 1", "version: 2"), "t.yaml:1:10: version 2 is newer than this coach reads (1); update coach", true},
	{"bad id", replace("id: a", "id: Open Books"), `t.yaml:5:9: id "Open Books" must be lower-case letters, digits and hyphens (e.g. open-books)`, true},
	{"duration without unit", replace("duration: 2s", "duration: 2"), `t.yaml:10:19: duration "2" needs a unit, e.g. 2s`, true},
	{"duration garbage", replace("duration: 2s", "duration: soon"), `t.yaml:10:19: duration: bad duration "soon" (write e.g. 5s, 1m30s or 500ms)`, true},
	{"duration zero", replace("duration: 2s", "duration: 0s"), "t.yaml:10:19: duration must be longer than zero", false},
	{"duration absurd", replace("duration: 2s", "duration: 2h"), `t.yaml:10:19: duration "2h" is longer than 10m0s`, false},
	{"range backwards", replace("duration: 2s", "duration: 30s to 15s"), `t.yaml:10:19: duration: range "30s to 15s" runs backwards`, false},
	{"default outside range", replace("duration: 2s", "duration: 15s to 30s\n        default: 40s"), "t.yaml:11:18: default 40s is outside the range 15s to 30s", false},
	{"default without range", replace("duration: 2s", "duration: 2s\n        default: 2s"), "t.yaml:11:18: default only makes sense with a duration range such as 15s to 30s", false},
	{"unknown phase", replace("phase: move", "phase: hodl"), `t.yaml:9:16: phase must be one of move, hold, breathe-in, breathe-out, release, rest, not "hodl" (did you mean "hold"?)`, true},
	{"phase without duration", replace("        duration: 2s\n", ""), `t.yaml:9:9: phase 1 of rep has no "duration" field`, true},
	{"empty rep", replace("    rep:\n      - phase: move\n        duration: 2s\n        say: Go.\n", "    rep: []\n"), "t.yaml:8:10: rep needs at least one phase", true},
	{"bad side", replace("reps: 2", "reps: 2\n    sides: [left, rihgt]"), `t.yaml:8:19: side must be left or right, not "rihgt" (did you mean "right"?)`, true},
	{"side twice", replace("reps: 2", "reps: 2\n    sides: [left, left]"), `t.yaml:8:19: side "left" is listed twice`, true},
	{"sides misspelt", replace("reps: 2", "reps: 2\n    sides: alternat"), `t.yaml:8:12: sides must be none, both, alternate, left, right, or a list such as [left] or [left, right], not text "alternat" (did you mean "alternate"?)`, true},
	{"variant sides wrong", replace("reps: 2", "reps: 2\n    variants:\n      one:\n        sides: [up]"), `t.yaml:10:17: side must be left or right, not "up"`, true},
	{"placeholder misspelt", replace("say: Go.", "say: Hold for rep {repz}"), "t.yaml:11:27: say: unknown placeholder {repz} (did you mean {rep}?); the placeholders are {rep}, {reps}, {set}, {sets}, {side}, {exercise}, {next}, {seconds}", false},
	{"placeholder with a newline", replace("say: Go.", `say: "Hold {re\np}."`), `t.yaml:11:14: say: unknown placeholder "{re\np}" (did you mean {rep}?); the placeholders are {rep}, {reps}, {set}, {sets}, {side}, {exercise}, {next}, {seconds}`, false},
	{"placeholder capitalised", replace("say: Go.", `say: "Set {Set}."`), "t.yaml:11:19: say: unknown placeholder {Set} (did you mean {set}?); the placeholders are {rep}, {reps}, {set}, {sets}, {side}, {exercise}, {next}, {seconds}", false},
	{"tab indentation", replace("    reps: 2", "\treps: 2"), "t.yaml:7:1: a tab in the indentation; YAML indents with spaces only (replace each tab with spaces)", false},
	{"latin-1", replace("name: A", "name: Caf\xe9"), "t.yaml:6:14: byte 0xe9 is not UTF-8 text; save the script as UTF-8", false},
	{"unknown variant", replace("reps: 2", "reps: 2\n    variant: hodl\n    variants:\n      hold:\n        reps: 5"), `t.yaml:8:14: exercise "a" has no variant "hodl" (did you mean "hold"?)`, false},
	{"unknown variant field", replace("reps: 2", "reps: 2\n    variants:\n      hold:\n        repz: 5"), `t.yaml:10:9: unknown field "repz" in variant "hold" (did you mean "reps"?)`, true},
	{"duplicate exercise", strings.Replace(minimal, "exercises:\n", "exercises:\n  - id: a\n    name: B\n    reps: 1\n    rep: [{phase: rest, duration: 1s}]\n", 1), `t.yaml:9:5: exercise id "a" is used twice (first at line 5)`, false},
	{"countdown absurd", replace("title: T", "title: T\ndefaults:\n  countdown: 60"), "t.yaml:5:14: countdown must be between 0 and 10, not 60", true},
	{"pace wrong type", replace("title: T", "title: T\ndefaults:\n  pace: fast"), `t.yaml:5:9: pace must be a number, not text "fast"`, true},
	{"bool wrong type", replace("reps: 2", "reps: 2\n    halfway: sometimes"), `t.yaml:8:14: halfway must be true or false, not text "sometimes"`, true},
	{"two documents", minimal + "---\nid: x\n", "t.yaml:12:1: a script holds one YAML document; remove the second '---'", false},
	{"list for text", replace("title: T", "title: [a, b]"), "t.yaml:3:8: title must be text, not a list", true},
}

func TestLoadErrors(t *testing.T) {
	for _, tt := range loadErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(tt.src))
			require.Error(t, err)
			assert.Contains(t, strings.Split(err.Error(), "\n"), tt.want, "all problems:\n%v", err)
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	src := replace("title: T", "titel: T\nfoo: 1")
	_, err := Load("t.yaml", []byte(src))
	require.Error(t, err)
	var list ErrorList
	require.ErrorAs(t, err, &list)
	assert.GreaterOrEqual(t, len(list), 3, "unknown titel, unknown foo, missing title: %v", err)
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte("version: 1\nid: [\n"))
	f.Add([]byte("exercises: {a: &x [*x]}"))
	f.Add([]byte(replace("duration: 2s", "duration: 15s to 30s\n        default: 20s")))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Load("f.yaml", data)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.yaml:") {
					t.Fatalf("error line without location: %q", line)
				}
			}
			return
		}
		// A script that loads must compile or fail cleanly, never panic;
		// so must every check validate makes, and each problem is located.
		tl, err := Compile(r, fakeVoice{}, Options{})
		if err == nil && len(tl.Segments) > 2000 {
			// Check compiles a dozen sessions of it; a script this long
			// takes seconds under the fuzzer's instrumentation, which stalls
			// it (BenchmarkValidateHostile1MiB covers the large ones).
			return
		}
		rep := Check(r, wordVoice{})
		for _, e := range append(rep.Errors, rep.Warnings...) {
			if !strings.HasPrefix(e.Error(), "f.yaml:") {
				t.Fatalf("problem without location: %q", e)
			}
		}
	})
}

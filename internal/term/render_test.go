package term

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var holdState = coach.State{
	Routine: "upper-back", Title: "Upper back routine", ExerciseIndex: 1, ExerciseCount: 5,
	Exercise: &coach.ExerciseState{ID: "childs-pose", Name: "Child's pose"},
	Phase:    "hold", PhaseMS: 20000, PhaseLeftMS: 12400, Sets: 1, Set: 1, Rep: 2, Reps: 3,
	HoldMS: 20000, HoldLeftMS: 12400, Caption: "Hold, and breathe easily.",
	ElapsedMS: 170000, DurationMS: 704000, RemainingMS: 534000, Progress: 0.2415, Next: "Open books",
}

// states are the fixtures every layout test draws.
func states() map[string]coach.State {
	side := holdState
	side.Exercise = &coach.ExerciseState{ID: "open-books", Name: "Open books"}
	side.ExerciseIndex, side.Next = 2, "Wall angels"
	side.Side, side.Phase, side.HoldMS, side.HoldLeftMS, side.PhaseLeftMS = "left", "breathe-in", 0, 0, 2500
	side.Sets, side.Set, side.Rep, side.Reps = 2, 1, 3, 10
	side.Caption = "Breathe in, open the arm."
	side.ElapsedMS, side.RemainingMS, side.Progress = 282300, 421700, 0.401

	paused := holdState
	paused.Paused = true

	checkin := coach.State{Routine: "upper-back", Title: "Upper back routine", ExerciseIndex: -1, ExerciseCount: 5,
		Phase: coach.PhaseCheckInBefore, PhaseMS: 8000, PhaseLeftMS: 6100, Caption: "How is your pain right now, from zero to ten?",
		ElapsedMS: 9400, DurationMS: 704000, RemainingMS: 694600, Progress: 0.013, Next: "Shoulder rolls"}

	intro := coach.State{Routine: "upper-back", Title: "Upper back routine", ExerciseIndex: -1, ExerciseCount: 5,
		Phase: coach.PhaseIntro, PhaseMS: 9000, PhaseLeftMS: 9000, Caption: "Upper back routine.",
		DurationMS: 704000, RemainingMS: 704000, Next: "Shoulder rolls"}

	finished := coach.State{Routine: "upper-back", Title: "Upper back routine", Finished: true, Progress: 1,
		Phase: coach.PhaseFinish, ElapsedMS: 704000, DurationMS: 704000, ExerciseIndex: -1, ExerciseCount: 5}

	stopped := side
	stopped.Stopped, stopped.Caption = true, ""

	// A user's script: wide characters, and an escape sequence that must
	// never reach the terminal.
	wide := holdState
	wide.Title = "上背部のルーチン"
	wide.Exercise = &coach.ExerciseState{ID: "cat-cow", Name: "猫と牛のポーズ 🐈"}
	wide.Caption = "ゆっくり\x1b[2J息を吸って"

	// The rest after an exercise asks how it felt, then shows the answer.
	rest := holdState
	rest.Phase, rest.PhaseMS, rest.PhaseLeftMS, rest.HoldMS, rest.HoldLeftMS, rest.Rep = coach.PhaseRest, 15000, 11200, 0, 0, 0
	rest.Caption, rest.FeelFor = "Rest.", "Child's pose"
	rated := rest
	rated.Feel = string(coach.CmdTooHard)

	return map[string]coach.State{"hold": holdState, "side": side, "paused": paused, "checkin": checkin,
		"intro": intro, "finished": finished, "stopped": stopped, "wide": wide, "rest": rest, "rated": rated}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".txt")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run: go test ./internal/term -run %s -update", t.Name())
	assert.Equal(t, string(want), got, "golden %s", path)
}

func assertFits(t *testing.T, lines []string, width int) {
	t.Helper()
	for _, l := range lines {
		assert.LessOrEqual(t, stringWidth(l), max(width, 0), "fits %d columns: %q", width, l)
		assert.NotContains(t, l, "\x1b", "no escape sequence from the script")
	}
}

func TestRenderGolden(t *testing.T) {
	for name, st := range states() {
		for _, width := range []int{80, 40, 24} {
			t.Run(name+"-"+strconv.Itoa(width), func(t *testing.T) {
				lines := Render(st, width)
				assertFits(t, lines, width)
				assert.Len(t, lines, 6, "the area keeps its height")
				golden(t, name+"-"+strconv.Itoa(width), strings.Join(lines, "\n")+"\n")
			})
		}
	}
}

func TestRenderEndGolden(t *testing.T) {
	all := states()
	done := &coach.Record{Status: coach.StatusFinished, SpentMS: (15*60 + 3) * 1000}
	for range 5 {
		done.Exercises = append(done.Exercises, coach.ExerciseRecord{Completed: true, PlannedTotal: 10, DoneReps: 10})
	}
	four, two := 4, 2
	done.PainBefore, done.PainAfter = &four, &two
	quit := &coach.Record{Status: coach.StatusStopped, SpentMS: (4*60 + 42) * 1000,
		Exercises: []coach.ExerciseRecord{{Completed: true, PlannedTotal: 10, DoneReps: 10}, {Completed: true, PlannedTotal: 10, DoneReps: 10},
			{Skipped: true, PlannedTotal: 10, DoneReps: 3}, {PainStop: true, PlannedTotal: 10}, {PlannedTotal: 13}}}
	tests := []struct {
		name  string
		st    coach.State
		sum   *coach.Record
		width int
		want  string // the line that says how it ended
	}{
		{"end-finished-summary", all["finished"], done, 100, "Session finished — 15:03 spent, 5 of 5 exercises, 50 of 50 reps, pain 4→2"},
		{"end-finished", all["finished"], nil, 80, "Session finished — 11:44, 5 of 5 exercises"},
		{"end-stopped-summary", all["stopped"], quit, 100, "Session stopped — 04:42 spent, 2 of 5 exercises, 23 of 53 reps, 1 skipped, 1 pain stop"},
		{"end-stopped-summary-narrow", all["stopped"], quit, 60, "Session stopped — 04:42, 2/5 exercises, 23/53 reps"},
		{"end-stopped", all["stopped"], nil, 80, "Session stopped — 04:42 of 11:44, during exercise 3 of 5: Open books"},
		{"end-stopped-narrow", all["stopped"], nil, 30, "Session stopped — 04:42"},
		{"end-unknown", all["hold"], nil, 80, "Session ended — 02:50 of 11:44, during exercise 2 of 5: Child's pose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := RenderEnd(tt.st, tt.sum, tt.width)
			assertFits(t, lines, tt.width)
			require.Len(t, lines, 2)
			assert.Equal(t, tt.want, lines[1])
			golden(t, tt.name, strings.Join(lines, "\n")+"\n")
		})
	}
}

// TestRenderFitsEveryWidth draws every fixture at every width from none to
// wide: nothing overflows, nothing panics, and the most useful facts give
// way last.
func TestRenderFitsEveryWidth(t *testing.T) {
	for _, st := range states() {
		for width := -1; width <= 120; width++ {
			assertFits(t, Render(st, width), width)
			assertFits(t, RenderEnd(st, nil, width), width)
		}
	}
	side := states()["side"]
	assert.Equal(t, "3/5 Open bo… · set 1/2 · left · rep 3/10", Render(side, 40)[1], "the name gives way to the numbers")
	assert.Equal(t, "PAUSED · Hold ▕████░░░░░░▏ 13s left", Render(states()["paused"], 40)[2])
	assert.Equal(t, "PAUSED", Render(states()["paused"], 8)[2])
	assert.Equal(t, "3/5 Open… · rep 3/10", Render(side, 20)[1], "set and side give way before the rep")
	assert.Equal(t, "3/5 · rep 3/10", Render(side, 14)[1])
	rest, rated := states()["rest"], states()["rated"]
	assert.Equal(t, "How did Child's pose feel? e too easy · o about right · d too hard", Render(rest, 80)[5], "a rest asks how it felt")
	assert.Equal(t, "Child's pose? e easy · o ok · d hard", Render(rest, 40)[5])
	assert.Equal(t, "Child's pose felt too hard (e/o/d to change)", Render(rated, 80)[5])
	rest.FeelFor = ""
	assert.Equal(t, Render(holdState, 80)[5], Render(rest, 80)[5], "the key help otherwise")
}

func TestTruncateAndWidth(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"Open books", 20, "Open books"},
		{"Open books", 10, "Open books"},
		{"Open books", 9, "Open boo…"},
		{"Open books", 1, "…"},
		{"Open books", 0, ""},
		{"日本語テキスト", 5, "日本…"},
		{"日本語テキスト", 4, "日…"},
		{"e\u0301te\u0301", 3, "e\u0301te\u0301"}, // combining accents take no column
		{"🐈🐈🐈", 5, "🐈🐈…"},
	}
	for _, tt := range tests {
		got := truncate(tt.in, tt.width)
		assert.Equal(t, tt.want, got, "truncate(%q, %d)", tt.in, tt.width)
		assert.LessOrEqual(t, stringWidth(got), max(tt.width, 0))
	}
	assert.Equal(t, 14, stringWidth("日本語テキスト"))
	assert.Equal(t, "a b c", clean("a\tb\nc"))
	assert.Equal(t, "[2Jx", clean("\x1b[2Jx\x07\u009b"))
}

func TestPlainLine(t *testing.T) {
	all := states()
	tests := map[string]string{
		"hold":     `02:50.0  childs-pose  rep 2/3  hold  "Hold, and breathe easily."`,
		"side":     `04:42.3  open-books  left  set 1/2  rep 3/10  breathe-in  "Breathe in, open the arm."`,
		"paused":   `02:50.0  childs-pose  rep 2/3  hold  paused  "Hold, and breathe easily."`,
		"checkin":  `00:09.4  upper-back  checkin-before  "How is your pain right now, from zero to ten?"`,
		"intro":    `00:00.0  upper-back  intro  "Upper back routine."`,
		"finished": `11:44.0  session finished`,
		"stopped":  `04:42.3  session stopped`,
		"wide":     `02:50.0  cat-cow  rep 2/3  hold  "ゆっくり[2J息を吸って"`,
	}
	for name, want := range tests {
		assert.Equal(t, want, PlainLine(all[name]), name)
	}
	// The example line of the issue.
	st := coach.State{ElapsedMS: 42300, Exercise: &coach.ExerciseState{ID: "open-books"}, Side: "left",
		Sets: 1, Set: 1, Rep: 3, Reps: 10, Phase: "breathe-in", Caption: "Breathe in, open the arm."}
	assert.Equal(t, `00:42.3  open-books  left  rep 3/10  breathe-in  "Breathe in, open the arm."`, PlainLine(st))
	silent := all["hold"]
	silent.Caption = ""
	assert.Equal(t, `02:50.0  childs-pose  rep 2/3  hold`, PlainLine(silent))
	assert.Equal(t, "1:02:03", clock(3723000))
}

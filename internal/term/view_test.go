package term

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

var holdState = coach.State{
	Routine: "upper-back", Title: "Upper back routine", ExerciseIndex: 1, ExerciseCount: 5,
	Exercise: &coach.ExerciseState{ID: "childs-pose", Name: "Child's pose"},
	Phase:    "hold", PhaseMS: 20000, PhaseLeftMS: 12400, Sets: 1, Set: 1, Rep: 2, Reps: 3,
	HoldMS: 20000, HoldLeftMS: 12400, Caption: "Hold, and breathe easily.",
	ElapsedMS: 170000, DurationMS: 704000, RemainingMS: 534000, Progress: 0.2415, Next: "Open books",
}

func TestRenderGolden(t *testing.T) {
	sides := holdState
	sides.Exercise = &coach.ExerciseState{ID: "open-books", Name: "Open books"}
	sides.Side, sides.Phase, sides.HoldMS, sides.HoldLeftMS, sides.PhaseLeftMS, sides.Caption = "left", "breathe-in", 0, 0, 2500, "Breathe in, open the arm."
	paused := holdState
	paused.Paused = true
	done := coach.State{Title: "Upper back routine", Finished: true, Progress: 1, ElapsedMS: 704000, DurationMS: 704000, ExerciseIndex: -1}
	tests := []struct {
		name  string
		st    coach.State
		width int
	}{
		{"hold-80", holdState, 80},
		{"side-80", sides, 80},
		{"paused-80", paused, 80},
		{"hold-40", holdState, 40},
		{"finished-80", done, 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := Render(tt.st, tt.width)
			for _, l := range lines {
				assert.LessOrEqual(t, utf8.RuneCountInString(l), tt.width, "fits the width: %q", l)
			}
			got := strings.Join(lines, "\n") + "\n"
			path := filepath.Join("testdata", tt.name+".txt")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./internal/term -update")
			assert.Equal(t, string(want), got)
		})
	}
}

func TestPlainLines(t *testing.T) {
	assert.Equal(t, `02:50.0  childs-pose  rep 2/3  hold  "Hold, and breathe easily."`, PlainLine(holdState))
	silent := holdState
	silent.Caption = ""
	assert.Equal(t, "", PlainLine(silent), "a line only when something is said")
	assert.Equal(t, "11:44.0  session finished", PlainLine(coach.State{Finished: true, ElapsedMS: 704000}))
}

func TestViewWithoutTerminalPrintsEachChangeOnce(t *testing.T) {
	var out bytes.Buffer
	v := New(nil, &out)
	assert.False(t, v.TTY())
	v.Keys(func(coach.Command) bool { t.Fatal("no keys without a terminal"); return false })
	for i := range 50 {
		st := holdState
		st.ElapsedMS += int64(i) // the same thing said, a little later
		v.State(st)
		time.Sleep(time.Millisecond)
	}
	v.Close()
	v.Close() // twice is fine
	assert.Equal(t, 1, strings.Count(out.String(), "Hold, and breathe easily."), out.String())
}

func TestKeyMap(t *testing.T) {
	tests := map[byte]coach.Command{' ': coach.CmdToggle, 'n': coach.CmdNext, 'b': coach.CmdBack, 'r': coach.CmdRepeat, 'h': coach.CmdPain, 'q': coach.CmdStop, 3: coach.CmdStop}
	for k, want := range tests {
		assert.Equal(t, want, Keys[k], "key %q", k)
	}
	_, ok := Keys['x']
	assert.False(t, ok)
}

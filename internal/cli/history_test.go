package cli

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/history"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKillMidSessionKeepsFinishedExercises kills a running session with
// SIGKILL, as a power cut would, and finds every finished exercise in
// `coach history --json`.
func TestKillMidSessionKeepsFinishedExercises(t *testing.T) {
	db := filepath.Join(t.TempDir(), "history.db")
	cmd := exec.Command(coachBin, "run", "upper-back", "--no-audio", "--speed", "50", "--companion", "off", "--history", db)
	cmd.Env = append(cmd.Environ(), "HOME="+t.TempDir())
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "open-books") { // the third exercise has begun
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	cmd.Wait()

	r := run(t, nil, "history", "--history", db, "--json")
	require.Equal(t, 0, r.code, r.err)
	var rep history.Report
	require.NoError(t, json.Unmarshal([]byte(r.out), &rep))
	require.Len(t, rep.Sessions, 1)
	s := rep.Sessions[0]
	assert.Equal(t, coach.StatusAbandoned, s.Status, "it never ended: closed as abandoned on the next open")
	assert.Equal(t, 0, rep.Week.Done, "an abandoned session does not count")
	require.Len(t, s.Exercises, 5)
	for _, e := range s.Exercises[:2] {
		assert.True(t, e.Completed, e.ID)
		assert.Equal(t, e.PlannedTotal, e.DoneReps, e.ID)
	}
	assert.False(t, s.Exercises[2].Completed)
}

func TestHistoryOutput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "history.db")
	st, err := history.Open(db)
	require.NoError(t, err)
	four, two := 4, 2
	base := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	for i := range 3 {
		start := base.AddDate(0, 0, i)
		end := start.Add(11*time.Minute + 44*time.Second)
		s := &coach.Record{ID: "s" + string(rune('a'+i)), Routine: "upper-back", Title: "Upper back routine", Frequency: "once a day",
			StartedAt: start, EndedAt: &end, Status: coach.StatusFinished, SpentMS: (11*60 + 44) * 1000, Exercises: []coach.ExerciseRecord{
				{Position: 0, ID: "shoulder-rolls", Name: "Shoulder rolls", PlannedSets: 1, PlannedReps: 10, PlannedTotal: 10, DoneReps: 10, Completed: true},
				{Position: 1, ID: "childs-pose", Name: "Child's pose", PlannedSets: 1, PlannedReps: 3, PlannedHoldMS: 20000, PlannedTotal: 3, DoneReps: 1, PainStop: i == 2},
			}}
		if i == 2 {
			s.PainBefore, s.PainAfter, s.Status, s.SpentMS = &four, &two, coach.StatusStopped, 5*60*1000
		}
		if i >= 1 { // how it felt: child's pose too hard twice, shoulder rolls about right once
			hard, right := string(coach.CmdTooHard), string(coach.CmdAboutRight)
			s.Exercises[1].Rating = &hard
			if i == 1 {
				s.Exercises[0].Rating = &right
			}
		}
		require.NoError(t, st.Save(s))
	}
	require.NoError(t, st.Close())
	defer func(f func() time.Time) { now = f }(now)
	now = func() time.Time { return time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC) }

	tests := []struct {
		name string
		args []string
	}{
		{"history.txt", nil},
		{"history.csv", []string{"--csv"}},
		{"history.json", []string{"--json", "--limit", "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, append([]string{"history", "--history", db}, tt.args...)...)
			require.Equal(t, 0, r.code, r.err)
			golden(t, filepath.Join("history", tt.name), []byte(r.out))
		})
	}

	r := run(t, nil, "history", "--history", filepath.Join(t.TempDir(), "none.db"))
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.out, "No sessions recorded yet")
	r = run(t, nil, "history", "--json", "--csv")
	assert.Equal(t, 2, r.code)
}

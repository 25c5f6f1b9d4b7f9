package history

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testTimeline = &coach.Timeline{Routine: "upper-back", Title: "Upper back routine", Rate: 1000, Length: 100000,
	Exercises: []coach.ExercisePlan{
		{ID: "shoulder-rolls", Name: "Shoulder rolls", Sets: 1, Reps: 3},
		{ID: "open-books", Name: "Open books", Sets: 1, Reps: 2, Sides: []coach.Side{coach.Left, coach.Right}, Hold: 30000},
	}}

func openRaw(t *testing.T, path string) *Store {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	return &Store{db: db, path: path}
}

func TestMigrationsFromEveryVersion(t *testing.T) {
	for from := 0; from <= len(migrations); from++ {
		t.Run(fmt.Sprintf("from version %d", from), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "h.db")
			raw := openRaw(t, path)
			require.NoError(t, raw.migrate(from))
			if from >= 1 {
				_, err := raw.db.Exec(`INSERT INTO sessions (id, routine, title, started_at, status) VALUES ('old', 'upper-back', 'T', '2026-01-01T10:00:00.000000Z', 'completed')`)
				require.NoError(t, err)
			}
			require.NoError(t, raw.Close())

			s, err := Open(path)
			require.NoError(t, err)
			defer s.Close()
			v, err := s.version()
			require.NoError(t, err)
			assert.Equal(t, len(migrations), v)
			ss, err := s.Sessions(10)
			require.NoError(t, err)
			if from >= 1 {
				require.Len(t, ss, 1, "data survives the migration")
				assert.Equal(t, "old", ss[0].ID)
				assert.Equal(t, "", ss[0].Frequency)
			} else {
				assert.Empty(t, ss)
			}
		})
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	raw := openRaw(t, path)
	_, err := raw.db.Exec("PRAGMA user_version = 99")
	require.NoError(t, err)
	raw.Close()
	_, err = Open(path)
	assert.ErrorContains(t, err, "schema version 99 is newer than this coach (2); update coach")
}

func feed(r *Recorder, kinds ...coach.Event) {
	for _, e := range kinds {
		r.Event(e)
	}
}

func ev(kind coach.EventKind, ex int) coach.Event { return coach.Event{Kind: kind, Exercise: ex} }

func TestRecorderWritesAsTheSessionGoes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	r := Begin(path, nil, testTimeline, "once a day", time.Now())
	feed(r, ev(coach.EventExerciseStart, 0), ev(coach.EventRepDone, 0), ev(coach.EventRepDone, 0), ev(coach.EventRepDone, 0),
		ev(coach.EventExerciseDone, 0), ev(coach.EventExerciseStart, 1), ev(coach.EventRepDone, 1))
	// No Close: as after kill -9, what is on disk is what was written so far.
	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	require.Eventually(t, func() bool {
		ss, err := s.Sessions(1)
		return err == nil && len(ss) == 1 && ss[0].Exercises[0].Completed && ss[0].Exercises[1].DoneReps == 1
	}, 5*time.Second, 10*time.Millisecond)
	ss, _ := s.Sessions(1)
	assert.Equal(t, "running", ss[0].Status)
	assert.Equal(t, 3, ss[0].Exercises[0].DoneReps)
	assert.Equal(t, 4, ss[0].Exercises[1].PlannedTotal, "2 reps on each of 2 sides")
	assert.Equal(t, int64(30000), ss[0].Exercises[1].PlannedHoldMS, "30,000 frames at 1 kHz")
	assert.Equal(t, "once a day", ss[0].Frequency)

	r.Pain(false, 4)
	r.Close(coach.Summary{End: time.Now(), Finished: false, Paused: 1500 * time.Millisecond, Exercises: []coach.ExerciseResult{
		{DoneReps: 3, Completed: true}, {DoneReps: 1, Pain: true},
	}})
	ss, err = s.Sessions(1)
	require.NoError(t, err)
	assert.Equal(t, "stopped", ss[0].Status)
	assert.Equal(t, int64(1500), ss[0].PausedMS)
	assert.True(t, ss[0].Exercises[1].PainStop)
	require.NotNil(t, ss[0].PainBefore)
	assert.Equal(t, 4, *ss[0].PainBefore)
	assert.NotNil(t, ss[0].EndedAt)
}

func TestUnusableDatabaseFallsBackToTheRecoveryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.db")
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat("this is not a database ", 100)), 0o644))
	var warn bytes.Buffer
	r := Begin(path, &warn, testTimeline, "", time.Now())
	feed(r, ev(coach.EventRepDone, 0), ev(coach.EventExerciseDone, 0), ev(coach.EventSkip, 1))
	r.Close(coach.Summary{End: time.Now(), Exercises: []coach.ExerciseResult{{DoneReps: 3, Completed: true}, {Skipped: true}}})
	assert.Equal(t, 1, strings.Count(warn.String(), "\n"), "one line: %s", warn.String())
	assert.Contains(t, warn.String(), "coach: warning: history: open history "+path)
	assert.Contains(t, warn.String(), "keeping this session in "+RecoveryPath(path))
	b, err := os.ReadFile(RecoveryPath(path))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, strings.Count(string(b), "\n"), 3, "written as the session went")

	// The database is repaired (here: removed); the next open imports the
	// session exactly once.
	require.NoError(t, os.Remove(path))
	for range 2 {
		s, err := Open(path)
		require.NoError(t, err)
		ss, err := s.Sessions(10)
		require.NoError(t, err)
		require.Len(t, ss, 1)
		assert.Equal(t, r.ID(), ss[0].ID)
		assert.True(t, ss[0].Exercises[0].Completed)
		assert.True(t, ss[0].Exercises[1].Skipped)
		assert.Equal(t, "stopped", ss[0].Status)
		s.Close()
		assert.NoFileExists(t, RecoveryPath(path))
	}
}

func TestRecoveryFileWithATornLastLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.db")
	good := `{"id":"a1","routine":"upper-back","title":"T","frequency":"","started_at":"2026-11-20T10:00:00Z","ended_at":null,"status":"running","paused_ms":0,"pain_before":null,"pain_after":null,"exercises":[]}`
	require.NoError(t, os.WriteFile(RecoveryPath(path), []byte(good+"\n"+good[:40]), 0o644))
	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	ss, err := s.Sessions(10)
	require.NoError(t, err)
	assert.Len(t, ss, 1)
}

func TestTwoWritersNeverLoseARecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(path)
			require.NoError(t, err)
			defer s.Close()
			for i := range 50 {
				ss := &Session{ID: fmt.Sprintf("w%d-%d", w, i), Routine: "upper-back", Title: "T", StartedAt: time.Now(), Status: "completed",
					Exercises: []Exercise{{Position: 0, ID: "x", Name: "X", PlannedTotal: 1, DoneReps: 1, Completed: true}}}
				require.NoError(t, s.Save(ss))
			}
		}()
	}
	wg.Wait()
	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	ss, err := s.Sessions(1000)
	require.NoError(t, err)
	assert.Len(t, ss, 100)
}

func TestStreakAndTargets(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.Local)
	tests := []struct {
		days []string
		want int
	}{
		{nil, 0},
		{[]string{"2026-11-24"}, 1},
		{[]string{"2026-11-23", "2026-11-22"}, 2},
		{[]string{"2026-11-24", "2026-11-23", "2026-11-21"}, 2},
		{[]string{"2026-11-22"}, 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Streak(tt.days, now), "%v", tt.days)
	}
	for freq, want := range map[string]int{"once a day": 7, "twice a day": 14, "3 times a week": 3, "every other day": 4, "daily": 7, "when it hurts": 0, "": 0} {
		assert.Equal(t, want, WeeklyTarget(freq), freq)
	}
	assert.Equal(t, time.Monday, startOfWeek(now).Weekday())
}

// BenchmarkHistory10k answers `coach history` over 10,000 sessions
// (target: under 100 ms).
func BenchmarkHistory10k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "h.db")
	s, err := Open(path)
	require.NoError(b, err)
	defer s.Close()
	tx, err := s.db.Begin()
	require.NoError(b, err)
	start := time.Now().AddDate(0, 0, -10000/2)
	for i := range 10000 {
		at := start.Add(time.Duration(i) * 12 * time.Hour).UTC().Format(timeFormat)
		id := fmt.Sprintf("s%05d", i)
		_, err := tx.Exec(`INSERT INTO sessions (id, routine, title, started_at, ended_at, status) VALUES (?, 'upper-back', 'T', ?, ?, 'completed')`, id, at, at)
		require.NoError(b, err)
		for p := range 5 {
			_, err := tx.Exec(`INSERT INTO exercises (session_id, position, exercise, name, planned_sets, planned_reps, planned_sides, planned_hold_ms, planned_total, done_reps, completed)
				VALUES (?, ?, 'x', 'X', 1, 10, 0, 0, 10, 10, 1)`, id, p)
			require.NoError(b, err)
		}
	}
	require.NoError(b, tx.Commit())
	for b.Loop() {
		rep, err := s.Report(time.Now(), 10)
		require.NoError(b, err)
		require.Len(b, rep.Sessions, 10)
	}
}

func TestLastDays(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "h.db"))
	require.NoError(t, err)
	defer s.Close()
	now := time.Date(2026, 11, 24, 20, 0, 0, 0, time.Local)
	for i, at := range []time.Time{now.Add(-2 * time.Hour), now.Add(-3 * time.Hour), now.AddDate(0, 0, -2), now.AddDate(0, 0, -20)} {
		status := "completed"
		if i == 1 {
			status = "stopped"
		}
		require.NoError(t, s.Save(&Session{ID: fmt.Sprint(i), Routine: "r", Title: "T", StartedAt: at, Status: status}))
	}
	days, err := s.LastDays(14, now)
	require.NoError(t, err)
	require.Len(t, days, 14)
	assert.Equal(t, "2026-11-11", days[0].Date)
	assert.Equal(t, Day{Date: "2026-11-24", Sessions: 2, Completed: 1}, days[13])
	assert.Equal(t, Day{Date: "2026-11-22", Sessions: 1, Completed: 1}, days[11])
	assert.Equal(t, Day{Date: "2026-11-23"}, days[12])
}

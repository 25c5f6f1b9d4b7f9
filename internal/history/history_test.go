package history

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testTimeline = &coach.Timeline{Routine: "upper-back", Title: "Upper back routine", Frequency: "once a day", Rate: 1000, Length: 100000,
	Exercises: []coach.ExercisePlan{
		{ID: "shoulder-rolls", Name: "Shoulder rolls", Sets: 1, Reps: 3},
		{ID: "open-books", Name: "Open books", Sets: 1, Reps: 2, Sides: []coach.Side{coach.Left, coach.Right}, Hold: 30000},
	}}

// record is a record of testTimeline at a moment of a session.
func record(id string, started time.Time, status coach.Status, reps ...int) coach.Record {
	rec := coach.NewRecord(testTimeline)
	rec.ID, rec.StartedAt, rec.Status = id, started, status
	for i, n := range reps {
		rec.Exercises[i].DoneReps = n
		rec.Exercises[i].Completed = n == rec.Exercises[i].PlannedTotal
	}
	if status != coach.StatusRunning {
		end := started.Add(10 * time.Minute)
		rec.EndedAt = &end
		rec.SpentMS = 10 * 60 * 1000
	}
	return rec
}

func openRaw(t *testing.T, path string) *Store {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path)+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
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
			status := map[bool]string{true: "completed", false: "finished"}[from < 3]
			if from >= 1 {
				_, err := raw.db.Exec(`INSERT INTO sessions (id, routine, title, started_at, ended_at, status, paused_ms) VALUES
					('old', 'upper-back', 'T', '2026-01-01T10:00:00.000000Z', '2026-01-01T10:12:00.000000Z', ?, 60000),
					('skipped', 'upper-back', 'T', '2026-01-02T10:00:00.000000Z', '2026-01-02T10:01:00.000000Z', ?, 0)`, status, status)
				require.NoError(t, err)
				_, err = raw.db.Exec(`INSERT INTO exercises (session_id, position, exercise, name, planned_sets, planned_reps, planned_sides,
					planned_hold_ms, planned_total, done_reps, completed) VALUES ('old', 0, 'x', 'X', 1, 3, 0, 0, 3, 3, 1), ('skipped', 0, 'x', 'X', 1, 3, 0, 0, 3, 0, 0)`)
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
			if from == 0 {
				assert.Empty(t, ss)
				return
			}
			require.Len(t, ss, 2, "data survives the migration")
			old := ss[1]
			assert.Equal(t, "old", old.ID)
			assert.Equal(t, coach.StatusFinished, old.Status, "completed is now finished")
			if from < len(migrations) {
				assert.Equal(t, int64(11*60*1000), old.SpentMS, "12 minutes less the minute paused")
			}
			require.Len(t, old.Exercises, 1)
			assert.Equal(t, 3, old.Exercises[0].DoneReps)
			if from == len(migrations) {
				return // inserted as is: nothing was migrated
			}
			days, err := s.Days(10)
			require.NoError(t, err)
			assert.Equal(t, []string{time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC).Local().Format("2006-01-02")}, days,
				"the session with no rep done does not count")
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
	assert.ErrorContains(t, err, fmt.Sprintf("schema version 99 is newer than this coach (%d); update coach", len(migrations)))
}

// Paths that $HOME or $XDG_DATA_HOME may hold: the database is the file
// named, whatever URI characters the path has, and the busy timeout holds.
func TestPathsWithURICharacters(t *testing.T) {
	for _, name := range []string{"a#b", "a?b", "a%20b", "a b", "50%", "a&_pragma=x"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			path := filepath.Join(dir, "history.db")
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := Open(path)
					if !assert.NoError(t, err) {
						return
					}
					defer s.Close()
					for i := range 10 {
						rec := record(fmt.Sprintf("w%d-%d", w, i), time.Now(), coach.StatusFinished, 3)
						assert.NoError(t, s.Save(&rec))
					}
				}()
			}
			wg.Wait()
			assert.FileExists(t, path)
			entries, err := os.ReadDir(filepath.Dir(dir))
			require.NoError(t, err)
			require.Len(t, entries, 1, "nothing written beside the folder")
			s, err := Open(path)
			require.NoError(t, err)
			defer s.Close()
			ss, err := s.Sessions(100)
			require.NoError(t, err)
			assert.Len(t, ss, 40)
			assert.NoFileExists(t, RecoveryPath(path), "no writer had to fall back")
		})
	}
}

func TestRecorderWritesAsTheSessionGoes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	var warnings []string
	r := Begin(path, func(s string) { warnings = append(warnings, s) })
	start := time.Now()
	rec := record("s1", start, coach.StatusRunning, 3, 1)
	r.Update(rec)
	// No Close yet: as after kill -9, what is on disk is what was written so far.
	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	require.Eventually(t, func() bool {
		ss, err := s.Sessions(1)
		return err == nil && len(ss) == 1 && ss[0].Exercises[1].DoneReps == 1
	}, 5*time.Second, 10*time.Millisecond)
	ss, _ := s.Sessions(1)
	assert.Equal(t, coach.StatusRunning, ss[0].Status, "our own process is alive: not abandoned")
	assert.Equal(t, 4, ss[0].Exercises[1].PlannedTotal, "2 reps on each of 2 sides")
	assert.Equal(t, int64(30000), ss[0].Exercises[1].PlannedHoldMS, "30,000 frames at 1 kHz")
	assert.Equal(t, "once a day", ss[0].Frequency)

	final := record("s1", start, coach.StatusStopped, 3, 1)
	four := 4
	final.PainBefore = &four
	final.Exercises[1].PainStop = true
	final.PausedMS = 1500
	// Feel ratings are the feel commands' names, which the schema checks.
	for i, c := range []coach.Command{coach.CmdTooHard, coach.CmdAboutRight} {
		v, ok := coach.ControlFor(c)
		require.True(t, ok)
		rating := string(v.Command)
		final.Exercises[i].Rating = &rating
	}
	where, err := r.Close(final)
	require.NoError(t, err)
	assert.Equal(t, path, where)
	ss, err = s.Sessions(1)
	require.NoError(t, err)
	assert.Equal(t, final.StartedAt.UTC().Truncate(time.Microsecond), ss[0].StartedAt.UTC())
	final.StartedAt, final.EndedAt = ss[0].StartedAt, ss[0].EndedAt
	assert.Equal(t, final, ss[0], "the record comes back as it was saved")
	assert.Empty(t, warnings)
}

func TestUnusableDatabaseFallsBackToTheRecoveryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.db")
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat("this is not a database ", 100)), 0o644))
	var warnings []string
	ids := []string{"a", "b", "c", "d"}
	for _, id := range ids {
		r := Begin(path, func(s string) { warnings = append(warnings, s) })
		r.Update(record(id, time.Now(), coach.StatusRunning, 1))
		r.Update(record(id, time.Now(), coach.StatusRunning, 3))
		where, err := r.Close(record(id, time.Now(), coach.StatusStopped, 3, 2))
		require.NoError(t, err)
		assert.Equal(t, RecoveryPath(path), where)
	}
	require.Len(t, warnings, 4, "one line per session: %q", warnings)
	assert.Contains(t, warnings[0], "history: open history "+path)
	assert.Contains(t, warnings[0], "keeping this session in "+RecoveryPath(path))

	// The database is repaired (here: removed); the next open imports every
	// session exactly once.
	require.NoError(t, os.Remove(path))
	for range 2 {
		s, err := Open(path)
		require.NoError(t, err)
		ss, err := s.Sessions(10)
		require.NoError(t, err)
		require.Len(t, ss, 4)
		for _, rec := range ss {
			assert.Contains(t, ids, rec.ID)
			assert.Equal(t, coach.StatusStopped, rec.Status, "the final copy wins")
			assert.Equal(t, 5, rec.Totals().DoneReps)
		}
		s.Close()
		assert.NoFileExists(t, RecoveryPath(path))
	}
}

// With nowhere to write (the folder cannot be created, as on a read-only
// disk), the session is kept in memory, tried again at the end, and handed
// back whole with one plain message.
func TestNowhereToSave(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "data")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	path := filepath.Join(blocker, "coach", "history.db") // a folder under a file: nothing can be created
	var warnings []string
	r := Begin(path, func(s string) { warnings = append(warnings, s) })
	r.Update(record("lost", time.Now(), coach.StatusRunning, 2))
	final := record("lost", time.Now(), coach.StatusFinished, 3, 4)
	where, err := r.Close(final)
	assert.Empty(t, where)
	require.ErrorIs(t, err, ErrNotSaved)
	msg := err.Error()
	assert.Len(t, warnings, 2, "%q", warnings)
	assert.Contains(t, warnings[1], "kept in memory and tried again at the end")
	i := strings.Index(msg, "{")
	require.Positive(t, i)
	var back coach.Record
	require.NoError(t, json.Unmarshal([]byte(msg[i:]), &back), "the message ends with the record as JSON")
	assert.Equal(t, "lost", back.ID)
	assert.Equal(t, 7, back.Totals().DoneReps)
	assert.NotContains(t, msg, "\n")
}

func TestBadRecoveryLinesAreSetAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.db")
	good := record("good", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), coach.StatusFinished, 3, 4)
	goodJSON, _ := json.Marshal(good)
	bogus := strings.Replace(string(goodJSON), `"status":"finished"`, `"status":"bogus"`, 1)
	bogus = strings.Replace(bogus, `"id":"good"`, `"id":"bogus"`, 1)
	pain := strings.Replace(strings.Replace(string(goodJSON), `"pain_before":null`, `"pain_before":11`, 1), `"id":"good"`, `"id":"pain"`, 1)
	content := bogus + "\nnot json at all\n" + pain + "\n" + string(goodJSON) + "\n" + string(goodJSON)[:40]
	require.NoError(t, os.WriteFile(RecoveryPath(path), []byte(content), 0o644))
	for range 2 {
		s, err := Open(path)
		require.NoError(t, err, "one bad line never stops the history opening")
		ss, err := s.Sessions(10)
		require.NoError(t, err)
		require.Len(t, ss, 1)
		assert.Equal(t, "good", ss[0].ID)
		s.Close()
	}
	rejected, err := os.ReadFile(RejectedPath(path))
	require.NoError(t, err)
	assert.Equal(t, bogus+"\nnot json at all\n"+pain+"\n", string(rejected), "bad lines are kept, not lost; the torn last line is not one")
	assert.NoFileExists(t, RecoveryPath(path))

	require.NoError(t, os.WriteFile(RecoveryPath(path), []byte(bogus+"\n"), 0o644))
	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	require.Len(t, s.Warnings(), 1)
	assert.Equal(t, fmt.Sprintf("history: 1 record(s) in %s could not be read; moved to %s", RecoveryPath(path), RejectedPath(path)), s.Warnings()[0])
}

// deadPID is the id of a process that has ended.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

// A process killed with kill -9 leaves its row running; the next open
// closes it as abandoned, and it never counts toward the week.
func TestKilledSessionsAreAbandoned(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(path)
	require.NoError(t, err)
	now := time.Now()
	dead := deadPID(t)
	for i := range 20 {
		rec := record(fmt.Sprintf("killed-%d", i), now.Add(-time.Duration(i)*time.Minute), coach.StatusRunning, 3, 2)
		require.NoError(t, s.save(&rec, dead, now))
	}
	live := record("live", now, coach.StatusRunning, 3)
	require.NoError(t, s.Save(&live))
	stale := record("other-machine", now.Add(-48*time.Hour), coach.StatusRunning, 3)
	_, err = s.db.Exec(`UPDATE sessions SET host = 'elsewhere' WHERE id = ?`, "live")
	require.NoError(t, err)
	require.NoError(t, s.save(&stale, 1, now.Add(-13*time.Hour)))
	_, err = s.db.Exec(`UPDATE sessions SET host = 'elsewhere' WHERE id = ?`, "other-machine")
	require.NoError(t, err)
	done := record("done", now, coach.StatusFinished, 3, 4)
	require.NoError(t, s.Save(&done))
	s.Close()

	s, err = Open(path)
	require.NoError(t, err)
	defer s.Close()
	ss, err := s.Sessions(100)
	require.NoError(t, err)
	status := map[string]coach.Status{}
	for _, rec := range ss {
		status[rec.ID] = rec.Status
	}
	assert.Equal(t, coach.StatusAbandoned, status["killed-0"])
	assert.Equal(t, coach.StatusAbandoned, status["killed-19"])
	assert.Equal(t, coach.StatusAbandoned, status["other-machine"], "no word for 13 hours")
	assert.Equal(t, coach.StatusRunning, status["live"], "another machine's session, written just now")
	rep, err := s.Report(now, 100)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Week.Done, "only the finished session counts (was: 20 of 7)")
}

func TestTwoWritersNeverLoseARecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(path)
			if !assert.NoError(t, err) {
				return
			}
			defer s.Close()
			for i := range 50 {
				rec := record(fmt.Sprintf("w%d-%d", w, i), time.Now(), coach.StatusFinished, 3)
				assert.NoError(t, s.Save(&rec))
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

// An older, running copy of a record (from a recovery file) never replaces
// the final one.
func TestFinalRecordIsNeverReplacedByAnOlderOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	start := time.Now()
	final := record("x", start, coach.StatusFinished, 3, 4)
	require.NoError(t, s.Save(&final))
	older := record("x", start, coach.StatusRunning, 1)
	require.NoError(t, s.Save(&older))
	ss, err := s.Sessions(1)
	require.NoError(t, err)
	assert.Equal(t, coach.StatusFinished, ss[0].Status)
	assert.Equal(t, 7, ss[0].Totals().DoneReps)
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
		at := formatTime(start.Add(time.Duration(i) * 12 * time.Hour))
		id := fmt.Sprintf("s%05d", i)
		_, err := tx.Exec(`INSERT INTO sessions (id, routine, title, started_at, ended_at, status, counts) VALUES (?, 'upper-back', 'T', ?, ?, 'finished', 1)`, id, at, at)
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
	recs := []coach.Record{
		record("0", now.Add(-2*time.Hour), coach.StatusFinished, 3, 4),
		record("1", now.Add(-3*time.Hour), coach.StatusStopped, 3),
		record("2", now.AddDate(0, 0, -2), coach.StatusFinished, 3, 4),
		record("3", now.AddDate(0, 0, -20), coach.StatusFinished, 3, 4),
		record("nothing done", now.Add(-time.Hour), coach.StatusStopped),
		record("practice", now.Add(-4*time.Hour), coach.StatusFinished, 3, 4),
	}
	recs[5].Practice = true
	for _, rec := range recs {
		require.NoError(t, s.Save(&rec))
	}
	days, err := s.LastDays(14, now)
	require.NoError(t, err)
	require.Len(t, days, 14)
	assert.Equal(t, "2026-11-11", days[0].Date)
	assert.Equal(t, Day{Date: "2026-11-24", Sessions: 2, Completed: 1}, days[13], "practice and a session with nothing done are not counted")
	assert.Equal(t, Day{Date: "2026-11-22", Sessions: 1, Completed: 1}, days[11])
	assert.Equal(t, Day{Date: "2026-11-23"}, days[12])
}

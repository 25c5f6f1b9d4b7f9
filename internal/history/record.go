package history

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/coach-dev/coach/coach"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// NewID is a random session id: unique across machines and recovery files.
func NewID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// timeFormat is fixed-width UTC, so text order is time order in SQL.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// Save writes a whole record, replacing an earlier copy of it: the
// recorder and the recovery import both use it, which is what makes
// importing twice harmless. A record that has ended is never replaced by
// one still running (an older copy from a recovery file). This and
// Sessions are the one mapping between coach.Record and the tables.
func (s *Store) Save(rec *coach.Record) error {
	return s.save(rec, os.Getpid(), time.Now())
}

func (s *Store) save(rec *coach.Record, pid int, now time.Time) error {
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	defer tx.Rollback()
	var ended any
	if rec.EndedAt != nil {
		ended = formatTime(*rec.EndedAt)
	}
	res, err := tx.Exec(`INSERT INTO sessions (id, routine, title, frequency, started_at, ended_at, status, practice, counts,
			spent_ms, paused_ms, pain_before, pain_after, pid, host, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, status = excluded.status, counts = excluded.counts,
			spent_ms = excluded.spent_ms, paused_ms = excluded.paused_ms, pain_before = excluded.pain_before,
			pain_after = excluded.pain_after, pid = excluded.pid, host = excluded.host, updated_at = excluded.updated_at
		WHERE sessions.status = 'running' OR excluded.status != 'running'`,
		rec.ID, rec.Routine, rec.Title, rec.Frequency, formatTime(rec.StartedAt), ended, string(rec.Status), rec.Practice, rec.Counts(),
		rec.SpentMS, rec.PausedMS, rec.PainBefore, rec.PainAfter, pid, s.host, formatTime(now))
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return nil // an older copy of a record that has ended: keep what is there
	}
	for _, e := range rec.Exercises {
		_, err = tx.Exec(`INSERT INTO exercises (session_id, position, exercise, name, variant, planned_sets, planned_reps, planned_sides,
			planned_hold_ms, planned_total, done_reps, completed, skipped, pain_stop, rating)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (session_id, position) DO UPDATE SET done_reps = excluded.done_reps, completed = excluded.completed,
			skipped = excluded.skipped, pain_stop = excluded.pain_stop, rating = excluded.rating`,
			rec.ID, e.Position, e.ID, e.Name, e.Variant, e.PlannedSets, e.PlannedReps, e.PlannedSides, e.PlannedHoldMS, e.PlannedTotal,
			e.DoneReps, e.Completed, e.Skipped, e.PainStop, e.Rating)
		if err != nil {
			return fmt.Errorf("save exercise %s: %w", e.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// appendRecovery writes one record as a JSON line, synced to disk; the
// last line for an id wins on import.
func appendRecovery(path string, rec *coach.Record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return appendLine(path, b)
}

func appendLine(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// RejectedPath is where recovery lines that cannot be imported are kept.
func RejectedPath(db string) string { return RecoveryPath(db) + ".rejected" }

// validRecord checks what the tables' constraints would refuse, so one bad
// line is set aside instead of failing every open.
func validRecord(rec *coach.Record) error {
	switch {
	case rec.ID == "":
		return errors.New("no id")
	case rec.Routine == "":
		return errors.New("no routine")
	case rec.StartedAt.IsZero():
		return errors.New("no start time")
	}
	switch rec.Status {
	case coach.StatusRunning, coach.StatusFinished, coach.StatusStopped, coach.StatusAbandoned:
	default:
		return fmt.Errorf("status %q", rec.Status)
	}
	for _, p := range []*int{rec.PainBefore, rec.PainAfter} {
		if p != nil && (*p < 0 || *p > 10) {
			return fmt.Errorf("pain rating %d", *p)
		}
	}
	seen := map[int]bool{}
	for _, e := range rec.Exercises {
		if seen[e.Position] || e.ID == "" {
			return fmt.Errorf("exercise %d", e.Position)
		}
		seen[e.Position] = true
	}
	return nil
}

// importRecovery saves every record in the recovery file, then removes the
// file: exactly once, and harmless if interrupted (Save replaces). A line
// that is not a valid record is moved to the .rejected file with a
// warning; the rest imports. A line cut short by a crash is the torn end of
// an append: the earlier copy of its record stands.
func (s *Store) importRecovery() error {
	path := RecoveryPath(s.path)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	type line struct {
		raw []byte
		rec *coach.Record
	}
	last := map[string]*line{}
	var order []string
	var rejected [][]byte
	lines := bytes.Split(data, []byte("\n"))
	for i, raw := range lines {
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		var rec coach.Record
		if err := json.Unmarshal(raw, &rec); err != nil {
			if i == len(lines)-1 && !json.Valid(raw) {
				continue // the torn end of an append cut short by a crash
			}
			rejected = append(rejected, raw)
			continue
		}
		if validRecord(&rec) != nil {
			rejected = append(rejected, raw)
			continue
		}
		if _, seen := last[rec.ID]; !seen {
			order = append(order, rec.ID)
		}
		last[rec.ID] = &line{raw, &rec}
	}
	for _, id := range order {
		l := last[id]
		err := s.save(l.rec, 0, time.Now())
		var serr *sqlite.Error
		if errors.As(err, &serr) && serr.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
			rejected = append(rejected, l.raw)
			continue
		}
		if err != nil {
			return err
		}
	}
	if len(rejected) > 0 {
		for _, raw := range rejected {
			if err := appendLine(RejectedPath(s.path), raw); err != nil {
				return fmt.Errorf("set aside a bad record: %w", err)
			}
		}
		s.warnings = append(s.warnings, fmt.Sprintf("history: %d record(s) in %s could not be read; moved to %s",
			len(rejected), path, RejectedPath(s.path)))
	}
	return os.Remove(path)
}

// staleAfter is how long a running row of another machine (or of a process
// that cannot be checked) may go without a write before it is abandoned.
const staleAfter = 12 * time.Hour

// closeAbandoned marks rows left running by a process that died (kill -9,
// a crash, a power cut) as abandoned: they never count toward the week.
// A row whose process still runs on this machine is left alone.
func (s *Store) closeAbandoned(now time.Time) error {
	rows, err := s.db.Query(`SELECT id, pid, host, coalesce(updated_at, started_at) FROM sessions WHERE status = 'running'`)
	if err != nil {
		return fmt.Errorf("find abandoned sessions: %w", err)
	}
	type row struct {
		id, host, updated string
		pid               int
	}
	var dead []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.pid, &r.host, &r.updated); err != nil {
			rows.Close()
			return fmt.Errorf("find abandoned sessions: %w", err)
		}
		updated, _ := time.Parse(timeFormat, r.updated)
		switch {
		case r.pid > 0 && r.host == s.host:
			if !processAlive(r.pid) {
				dead = append(dead, r)
			}
		case now.Sub(updated) > staleAfter:
			dead = append(dead, r)
		case r.pid == 0: // imported from a recovery file: its writer is gone or will write again
			dead = append(dead, r)
		}
	}
	rows.Close()
	for _, r := range dead {
		if _, err := s.db.Exec(`UPDATE sessions SET status = 'abandoned', counts = 0, ended_at = coalesce(ended_at, updated_at)
			WHERE id = ? AND status = 'running'`, r.id); err != nil {
			return fmt.Errorf("close abandoned session: %w", err)
		}
	}
	return nil
}

// Sessions returns the most recent records, newest first, with exercises.
func (s *Store) Sessions(limit int) ([]coach.Record, error) {
	rows, err := s.db.Query(`SELECT id, routine, title, frequency, started_at, ended_at, status, practice, spent_ms, paused_ms, pain_before, pain_after
		FROM sessions ORDER BY started_at DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	out := []coach.Record{}
	index := map[string]int{}
	for rows.Next() {
		var rec coach.Record
		var started, status string
		var ended sql.NullString
		var before, after sql.NullInt64
		if err := rows.Scan(&rec.ID, &rec.Routine, &rec.Title, &rec.Frequency, &started, &ended, &status, &rec.Practice,
			&rec.SpentMS, &rec.PausedMS, &before, &after); err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		rec.Status = coach.Status(status)
		rec.StartedAt, _ = time.Parse(timeFormat, started)
		if ended.Valid {
			t, _ := time.Parse(timeFormat, ended.String)
			rec.EndedAt = &t
		}
		rec.PainBefore, rec.PainAfter = intPtr(before), intPtr(after)
		rec.Exercises = []coach.ExerciseRecord{}
		index[rec.ID] = len(out)
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	erows, err := s.db.Query(`SELECT e.session_id, position, exercise, name, variant, planned_sets, planned_reps, planned_sides, planned_hold_ms,
		planned_total, done_reps, completed, skipped, pain_stop, rating
		FROM exercises e JOIN (SELECT id FROM sessions ORDER BY started_at DESC LIMIT ?) r ON r.id = e.session_id
		ORDER BY e.session_id, position`, limit)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer erows.Close()
	for erows.Next() {
		var id string
		var e coach.ExerciseRecord
		var rating sql.NullString
		if err := erows.Scan(&id, &e.Position, &e.ID, &e.Name, &e.Variant, &e.PlannedSets, &e.PlannedReps, &e.PlannedSides, &e.PlannedHoldMS,
			&e.PlannedTotal, &e.DoneReps, &e.Completed, &e.Skipped, &e.PainStop, &rating); err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		if rating.Valid {
			e.Rating = &rating.String
		}
		if i, ok := index[id]; ok {
			out[i].Exercises = append(out[i].Exercises, e)
		}
	}
	return out, erows.Err()
}

func intPtr(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

// Days lists the local dates with at least one session that counts,
// newest first.
func (s *Store) Days(limit int) ([]string, error) {
	rows, err := s.db.Query(`SELECT DISTINCT date(started_at, 'localtime') AS d FROM sessions WHERE counts ORDER BY d DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// CountSince counts sessions of routine that count, started at or after t
// (all routines when routine is "").
func (s *Store) CountSince(routine string, t time.Time) (int, error) {
	var n int
	err := s.db.QueryRow(`SELECT count(*) FROM sessions WHERE counts AND started_at >= ? AND (? = '' OR routine = ?)`,
		formatTime(t), routine, routine).Scan(&n)
	return n, err
}

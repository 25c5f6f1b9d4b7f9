package history

import (
	"bufio"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// Session is one recorded session, as stored and as exported.
type Session struct {
	ID         string     `json:"id"`
	Routine    string     `json:"routine"`
	Title      string     `json:"title"`
	Frequency  string     `json:"frequency"`
	StartedAt  time.Time  `json:"started_at"`
	EndedAt    *time.Time `json:"ended_at"`
	Status     string     `json:"status"` // running, completed or stopped
	PausedMS   int64      `json:"paused_ms"`
	PainBefore *int       `json:"pain_before"`
	PainAfter  *int       `json:"pain_after"`
	Exercises  []Exercise `json:"exercises"`
}

// Exercise is one exercise of a session: planned and done.
type Exercise struct {
	Position      int     `json:"position"`
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	PlannedSets   int     `json:"planned_sets"`
	PlannedReps   int     `json:"planned_reps"`
	PlannedSides  int     `json:"planned_sides"`
	PlannedHoldMS int64   `json:"planned_hold_ms"`
	PlannedTotal  int     `json:"planned_total_reps"` // sets × reps × sides
	DoneReps      int     `json:"done_reps"`
	Completed     bool    `json:"completed"`
	Skipped       bool    `json:"skipped"`
	PainStop      bool    `json:"pain_stop"`
	Rating        *string `json:"rating"`
}

// NewID is a random session id: unique across machines and recovery files.
func NewID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// timeFormat is fixed-width UTC, so text order is time order in SQL.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// Save writes a whole session, replacing any earlier copy: the recorder and
// the recovery import both use it, which is what makes importing twice
// harmless.
func (s *Store) Save(ss *Session) error {
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	defer tx.Rollback()
	var ended any
	if ss.EndedAt != nil {
		ended = ss.EndedAt.UTC().Format(timeFormat)
	}
	_, err = tx.Exec(`INSERT INTO sessions (id, routine, title, frequency, started_at, ended_at, status, paused_ms, pain_before, pain_after)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, status = excluded.status,
		paused_ms = excluded.paused_ms, pain_before = excluded.pain_before, pain_after = excluded.pain_after`,
		ss.ID, ss.Routine, ss.Title, ss.Frequency, ss.StartedAt.UTC().Format(timeFormat), ended, ss.Status, ss.PausedMS, ss.PainBefore, ss.PainAfter)
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	for _, e := range ss.Exercises {
		_, err = tx.Exec(`INSERT INTO exercises (session_id, position, exercise, name, planned_sets, planned_reps, planned_sides,
			planned_hold_ms, planned_total, done_reps, completed, skipped, pain_stop, rating)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (session_id, position) DO UPDATE SET done_reps = excluded.done_reps, completed = excluded.completed,
			skipped = excluded.skipped, pain_stop = excluded.pain_stop, rating = excluded.rating`,
			ss.ID, e.Position, e.ID, e.Name, e.PlannedSets, e.PlannedReps, e.PlannedSides, e.PlannedHoldMS, e.PlannedTotal,
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

// appendRecovery writes one session as a JSON line; the last line for an
// id wins on import.
func appendRecovery(path string, ss *Session) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	b, err := json.Marshal(ss)
	if err != nil {
		f.Close()
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

// importRecovery saves every session in the recovery file, then removes
// the file: exactly once, and harmless if interrupted (Save replaces).
func (s *Store) importRecovery() error {
	path := RecoveryPath(s.path)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	last := map[string]*Session{}
	var order []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		var ss Session
		if err := json.Unmarshal(sc.Bytes(), &ss); err != nil || ss.ID == "" {
			continue // a line cut short by a crash: the earlier copy stands
		}
		if _, seen := last[ss.ID]; !seen {
			order = append(order, ss.ID)
		}
		last[ss.ID] = &ss
	}
	f.Close()
	if err := sc.Err(); err != nil {
		return err
	}
	for _, id := range order {
		if err := s.Save(last[id]); err != nil {
			return err
		}
	}
	return os.Remove(path)
}

// Sessions returns the most recent sessions, newest first, with exercises.
func (s *Store) Sessions(limit int) ([]Session, error) {
	rows, err := s.db.Query(`SELECT id, routine, title, frequency, started_at, ended_at, status, paused_ms, pain_before, pain_after
		FROM sessions ORDER BY started_at DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var out []Session
	index := map[string]int{}
	for rows.Next() {
		var ss Session
		var started string
		var ended sql.NullString
		var before, after sql.NullInt64
		if err := rows.Scan(&ss.ID, &ss.Routine, &ss.Title, &ss.Frequency, &started, &ended, &ss.Status, &ss.PausedMS, &before, &after); err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		ss.StartedAt, _ = time.Parse(timeFormat, started)
		if ended.Valid {
			t, _ := time.Parse(timeFormat, ended.String)
			ss.EndedAt = &t
		}
		ss.PainBefore, ss.PainAfter = intPtr(before), intPtr(after)
		ss.Exercises = []Exercise{}
		index[ss.ID] = len(out)
		out = append(out, ss)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	erows, err := s.db.Query(`SELECT e.session_id, position, exercise, name, planned_sets, planned_reps, planned_sides, planned_hold_ms,
		planned_total, done_reps, completed, skipped, pain_stop, rating
		FROM exercises e JOIN (SELECT id FROM sessions ORDER BY started_at DESC LIMIT ?) r ON r.id = e.session_id
		ORDER BY e.session_id, position`, limit)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer erows.Close()
	for erows.Next() {
		var id string
		var e Exercise
		var rating sql.NullString
		if err := erows.Scan(&id, &e.Position, &e.ID, &e.Name, &e.PlannedSets, &e.PlannedReps, &e.PlannedSides, &e.PlannedHoldMS,
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

// Days lists the local dates with at least one session, newest first.
func (s *Store) Days(limit int) ([]string, error) {
	rows, err := s.db.Query(`SELECT DISTINCT date(started_at, 'localtime') AS d FROM sessions ORDER BY d DESC LIMIT ?`, limit)
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

// CountSince counts sessions of routine started at or after t (all
// routines when routine is "").
func (s *Store) CountSince(routine string, t time.Time) (int, error) {
	var n int
	err := s.db.QueryRow(`SELECT count(*) FROM sessions WHERE started_at >= ? AND (? = '' OR routine = ?)`,
		t.UTC().Format(timeFormat), routine, routine).Scan(&n)
	return n, err
}

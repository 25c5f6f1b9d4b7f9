// Package history keeps an honest record of every session in SQLite: what
// was planned, what was done, skips, pain stops and check-ins. It writes as
// the session goes, and never stops a session: when the database cannot be
// used, records go to a JSON-lines recovery file that the next successful
// open imports exactly once.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite" // pure Go SQLite: no cgo, one static binary
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultPath is $XDG_DATA_HOME/coach/history.db, else
// ~/.local/share/coach/history.db.
func DefaultPath(getenv func(string) string) string {
	if x := getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "coach", "history.db")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "coach", "history.db")
	}
	return "history.db"
}

// RecoveryPath is the JSON-lines file beside a database.
func RecoveryPath(db string) string { return db + ".recovery.jsonl" }

// Store is an open history database.
type Store struct {
	db       *sql.DB
	path     string
	host     string
	warnings []string
}

// Open opens (creating if needed) and migrates the database, then imports
// any recovery file left by a session that could not write to it.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	// WAL lets a reader (coach history) and a writer (a session) work at
	// once; the busy timeout makes two sessions wait for each other instead
	// of failing.
	db, err := sql.Open("sqlite", dsn(path)+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	host, _ := os.Hostname()
	s := &Store{db: db, path: path, host: host}
	if err := retryBusy(func() error { return s.migrate(len(migrations)) }); err != nil {
		db.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	if err := s.importRecovery(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open history %s: import %s: %w", path, RecoveryPath(path), err)
	}
	if err := s.closeAbandoned(time.Now()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	return s, nil
}

// retryBusy runs fn again while SQLite says the database is locked without
// waiting for the busy timeout, as it does while another connection turns a
// new file into WAL mode; five seconds in all, like the busy timeout.
func retryBusy(fn func() error) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := fn()
		var serr *sqlite.Error
		if err == nil || !errors.As(err, &serr) || serr.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dsn is path as a SQLite URI: every character that means something in a
// URI (# ? % and spaces, which $HOME may hold) is escaped, so the database
// is the file named and the parameters after it are ours.
func dsn(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs), OmitHost: true}).String()
}

// Warnings are what the open had to say without failing (records of a
// recovery file it could not import); print them once.
func (s *Store) Warnings() []string { return s.warnings }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// migrations are applied in order, each in a transaction; the schema's
// version is SQLite's user_version. Never edit one that has shipped: add
// the next.
var migrations = []string{
	// 1: sessions and their exercises.
	`CREATE TABLE sessions (
		id          TEXT PRIMARY KEY,
		routine     TEXT NOT NULL,
		title       TEXT NOT NULL,
		started_at  TEXT NOT NULL,
		ended_at    TEXT,
		status      TEXT NOT NULL CHECK (status IN ('running', 'completed', 'stopped')),
		paused_ms   INTEGER NOT NULL DEFAULT 0,
		pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
		pain_after  INTEGER CHECK (pain_after BETWEEN 0 AND 10)
	);
	CREATE INDEX sessions_started ON sessions (started_at);
	CREATE TABLE exercises (
		session_id      TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
		position        INTEGER NOT NULL,
		exercise        TEXT NOT NULL,
		name            TEXT NOT NULL,
		planned_sets    INTEGER NOT NULL,
		planned_reps    INTEGER NOT NULL,
		planned_sides   INTEGER NOT NULL,
		planned_hold_ms INTEGER NOT NULL,
		planned_total   INTEGER NOT NULL,
		done_reps       INTEGER NOT NULL DEFAULT 0,
		completed       INTEGER NOT NULL DEFAULT 0,
		skipped         INTEGER NOT NULL DEFAULT 0,
		pain_stop       INTEGER NOT NULL DEFAULT 0,
		rating          TEXT CHECK (rating IN ('too-easy', 'about-right', 'too-hard')),
		PRIMARY KEY (session_id, position)
	);`,
	// 2: the routine's prescribed frequency when the session was done, so
	// adherence is judged against what was asked at the time.
	`ALTER TABLE sessions ADD COLUMN frequency TEXT NOT NULL DEFAULT '';`,
	// 3: one record of a session (coach.Record): statuses finished, stopped
	// and abandoned; practice runs; time spent; whether it counts toward
	// the week; the writer's process, so a row left running by a killed
	// process can be told from a live one. SQLite cannot change a CHECK, so
	// both tables are rebuilt (exercises first: dropping sessions would
	// cascade into them).
	`CREATE TABLE sessions_new (
		id          TEXT PRIMARY KEY,
		routine     TEXT NOT NULL,
		title       TEXT NOT NULL,
		frequency   TEXT NOT NULL DEFAULT '',
		started_at  TEXT NOT NULL,
		ended_at    TEXT,
		status      TEXT NOT NULL CHECK (status IN ('running', 'finished', 'stopped', 'abandoned')),
		practice    INTEGER NOT NULL DEFAULT 0,
		counts      INTEGER NOT NULL DEFAULT 0,
		spent_ms    INTEGER NOT NULL DEFAULT 0,
		paused_ms   INTEGER NOT NULL DEFAULT 0,
		pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
		pain_after  INTEGER CHECK (pain_after BETWEEN 0 AND 10),
		pid         INTEGER NOT NULL DEFAULT 0,
		host        TEXT NOT NULL DEFAULT '',
		updated_at  TEXT
	);
	INSERT INTO sessions_new (id, routine, title, frequency, started_at, ended_at, status, counts, spent_ms, paused_ms, pain_before, pain_after, updated_at)
		SELECT id, routine, title, frequency, started_at, ended_at,
			CASE status WHEN 'completed' THEN 'finished' ELSE status END,
			status != 'running' AND (SELECT coalesce(sum(done_reps), 0) FROM exercises e WHERE e.session_id = sessions.id) > 0,
			CASE WHEN ended_at IS NULL THEN 0 ELSE max(0, CAST(round((julianday(ended_at) - julianday(started_at)) * 86400000) AS INTEGER) - paused_ms) END,
			paused_ms, pain_before, pain_after, coalesce(ended_at, started_at)
		FROM sessions;
	CREATE TABLE exercises_new (
		session_id      TEXT NOT NULL REFERENCES sessions_new (id) ON DELETE CASCADE,
		position        INTEGER NOT NULL,
		exercise        TEXT NOT NULL,
		name            TEXT NOT NULL,
		variant         TEXT NOT NULL DEFAULT '',
		planned_sets    INTEGER NOT NULL,
		planned_reps    INTEGER NOT NULL,
		planned_sides   INTEGER NOT NULL,
		planned_hold_ms INTEGER NOT NULL,
		planned_total   INTEGER NOT NULL,
		done_reps       INTEGER NOT NULL DEFAULT 0,
		completed       INTEGER NOT NULL DEFAULT 0,
		skipped         INTEGER NOT NULL DEFAULT 0,
		pain_stop       INTEGER NOT NULL DEFAULT 0,
		rating          TEXT CHECK (rating IN ('too-easy', 'about-right', 'too-hard')),
		PRIMARY KEY (session_id, position)
	);
	INSERT INTO exercises_new (session_id, position, exercise, name, planned_sets, planned_reps, planned_sides, planned_hold_ms,
			planned_total, done_reps, completed, skipped, pain_stop, rating)
		SELECT session_id, position, exercise, name, planned_sets, planned_reps, planned_sides, planned_hold_ms,
			planned_total, done_reps, completed, skipped, pain_stop, rating FROM exercises;
	DROP TABLE exercises;
	DROP TABLE sessions;
	ALTER TABLE sessions_new RENAME TO sessions;
	ALTER TABLE exercises_new RENAME TO exercises;
	CREATE INDEX sessions_started ON sessions (started_at);
	CREATE INDEX sessions_running ON sessions (status) WHERE status = 'running';`,
}

func (s *Store) version() (int, error) {
	var v int
	err := s.db.QueryRow("PRAGMA user_version").Scan(&v)
	return v, err
}

// migrate brings the schema to version target. Each step reads the
// version and applies the next migration under one write lock (BEGIN
// IMMEDIATE), so two coach processes opening a new file at once cannot both
// apply it.
func (s *Store) migrate(target int) error {
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	for {
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var v int
		if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			conn.ExecContext(ctx, "ROLLBACK")
			return fmt.Errorf("read schema version: %w", err)
		}
		if v > len(migrations) {
			conn.ExecContext(ctx, "ROLLBACK")
			return fmt.Errorf("schema version %d is newer than this coach (%d); update coach", v, len(migrations))
		}
		if v >= target {
			_, err := conn.ExecContext(ctx, "COMMIT")
			return err
		}
		if _, err := conn.ExecContext(ctx, migrations[v]); err != nil {
			conn.ExecContext(ctx, "ROLLBACK")
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			conn.ExecContext(ctx, "ROLLBACK")
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
}

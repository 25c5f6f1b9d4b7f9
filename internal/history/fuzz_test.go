package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
)

// FuzzRecoveryImport: whatever a recovery file holds (torn lines, bad
// records, garbage, duplicates), opening the history succeeds, consumes the
// file, and accounts for every line: imported (its id is in the history)
// or set aside verbatim in the .rejected file. Only a torn last line, cut
// short by a crash, may vanish.
func FuzzRecoveryImport(f *testing.F) {
	four := 4
	rec := coach.Record{ID: "a1", Routine: "upper-back", Title: "Upper back", StartedAt: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC),
		Status: coach.StatusFinished, PainBefore: &four, Exercises: []coach.ExerciseRecord{{Position: 0, ID: "open-books", Name: "Open books", DoneReps: 3}}}
	good, _ := json.Marshal(rec)
	rec.ID, rec.Status = "b2", coach.StatusRunning
	running, _ := json.Marshal(rec)
	seeds := [][]byte{
		good,
		append(append(good, '\n'), running...),
		[]byte(`{"id":"x","routine":"r","started_at":"2026-11-24T08:00:00Z","status":"bogus"}`),
		append(append(good, '\n'), good[:len(good)/2]...), // a torn last line
		[]byte(`{"id":"p","routine":"r","started_at":"2026-11-24T08:00:00Z","status":"stopped","pain_after":11}`),
		[]byte(`{"id":"d","routine":"r","started_at":"2026-11-24T08:00:00Z","status":"stopped","exercises":[{"position":1,"id":"a"},{"position":1,"id":"b"}]}`),
		[]byte("\n\n  \n{}\n[]\nnull\n\"x\"\n"),
		[]byte(`{"id":"t","routine":"r","started_at":"not a time","status":"stopped"}`),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	db := filepath.Join(f.TempDir(), "history.db")
	f.Fuzz(func(t *testing.T, data []byte) {
		require := func(ok bool, format string, args ...any) {
			t.Helper()
			if !ok {
				t.Fatalf(format, args...)
			}
		}
		before, _ := os.ReadFile(RejectedPath(db))
		require(os.WriteFile(RecoveryPath(db), data, 0o644) == nil, "write the recovery file")
		s, err := Open(db)
		require(err == nil, "a recovery file of %d bytes makes the history unusable: %v", len(data), err)
		defer s.Close()
		_, err = os.Stat(RecoveryPath(db))
		require(errors.Is(err, os.ErrNotExist), "the recovery file is still there: %v", err)
		after, _ := os.ReadFile(RejectedPath(db))
		require(bytes.HasPrefix(after, before), "the .rejected file lost what it held")
		rejected := map[string]bool{}
		for _, l := range bytes.Split(after[len(before):], []byte("\n")) {
			rejected[string(l)] = true
		}
		sessions, err := s.Sessions(1 << 20)
		require(err == nil, "read the history: %v", err)
		ids := map[string]bool{}
		for _, r := range sessions {
			ids[r.ID] = true
		}
		lines := bytes.Split(data, []byte("\n"))
		for i, l := range lines {
			if len(bytes.TrimSpace(l)) == 0 || rejected[string(l)] {
				continue
			}
			var r coach.Record
			if err := json.Unmarshal(l, &r); err == nil && ids[r.ID] {
				continue
			}
			if i == len(lines)-1 && !json.Valid(l) {
				continue // torn
			}
			t.Fatalf("line %d (%q) was neither imported nor set aside", i+1, l)
		}
	})
}

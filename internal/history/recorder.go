package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coach-dev/coach/coach"
)

// Recorder writes one session's record as it goes, on its own goroutine:
// the session hands it copies and never waits. It keeps the latest record
// in memory until it is safely written somewhere: the database, else the
// recovery file beside it. Close retries both and, if neither takes the
// record, says so once and hands it back for the user to keep.
type Recorder struct {
	path string
	warn func(string)

	mu      sync.Mutex
	pending *coach.Record // the newest record not yet written
	final   bool          // pending is the last one: write it, then stop
	kick    chan struct{}
	done    chan struct{}

	// owned by the recorder's goroutine
	store   *Store
	warned  map[string]bool
	where   string // where the last record went: "" if nowhere
	lastErr error
}

// Begin starts recording to the database at path. warn receives one-line
// warnings (at most one per kind of trouble); it is called from the
// recorder's goroutine.
func Begin(path string, warn func(string)) *Recorder {
	if warn == nil {
		warn = func(string) {}
	}
	r := &Recorder{path: path, warn: warn, kick: make(chan struct{}, 1), done: make(chan struct{}), warned: map[string]bool{}}
	go r.loop()
	return r
}

// Update hands the recorder the record as it is now; only the newest
// waiting one is written.
func (r *Recorder) Update(rec coach.Record) {
	r.mu.Lock()
	if !r.final {
		r.pending = &rec
	}
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// ErrNotSaved is returned by Close when the record could be written
// nowhere.
var ErrNotSaved = errors.New("the session could not be saved")

// Close writes the final record, retrying the database and the recovery
// file, and stops the recorder. It returns where the record went, or an
// error wrapping ErrNotSaved with the record as JSON for the user to keep.
func (r *Recorder) Close(rec coach.Record) (string, error) {
	r.mu.Lock()
	r.pending, r.final = &rec, true
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
	<-r.done
	if r.where != "" {
		return r.where, nil
	}
	b, _ := json.Marshal(rec)
	return "", fmt.Errorf("%w (%v); keep this copy of it: %s", ErrNotSaved, r.lastErr, b)
}

func (r *Recorder) loop() {
	defer close(r.done)
	defer func() {
		if r.store != nil {
			r.store.Close()
		}
	}()
	r.open()
	for range r.kick {
		r.mu.Lock()
		rec, final := r.pending, r.final
		r.pending = nil
		r.mu.Unlock()
		if rec != nil {
			r.persist(rec)
		}
		if final {
			if r.where == "" && rec != nil {
				// One more try, a moment later: space may have been freed, a
				// lock released.
				time.Sleep(200 * time.Millisecond)
				r.open()
				r.persist(rec)
			}
			return
		}
	}
}

func (r *Recorder) open() {
	if r.store != nil {
		return
	}
	s, err := Open(r.path)
	if err != nil {
		r.lastErr = err
		r.warnOnce("open", fmt.Sprintf("history: %v; keeping this session in %s", err, RecoveryPath(r.path)))
		return
	}
	for _, w := range s.Warnings() {
		r.warn(w)
	}
	r.store = s
}

// persist writes rec to the database, else the recovery file; where says
// which took it ("" if neither did).
func (r *Recorder) persist(rec *coach.Record) {
	r.where = ""
	if r.store != nil {
		err := r.store.Save(rec)
		if err == nil {
			r.where = r.path
			return
		}
		r.lastErr = err
		r.warnOnce("save", fmt.Sprintf("history: %v; keeping this session in %s", err, RecoveryPath(r.path)))
		r.store.Close()
		r.store = nil
	}
	if err := appendRecovery(RecoveryPath(r.path), rec); err != nil {
		r.lastErr = fmt.Errorf("%v; and %s: %w", r.lastErr, RecoveryPath(r.path), err)
		r.warnOnce("recovery", fmt.Sprintf("history: cannot write %s either (%v); the session is kept in memory and tried again at the end", RecoveryPath(r.path), err))
		return
	}
	r.where = RecoveryPath(r.path)
}

func (r *Recorder) warnOnce(kind, msg string) {
	if r.warned[kind] {
		return
	}
	r.warned[kind] = true
	r.warn(msg)
}

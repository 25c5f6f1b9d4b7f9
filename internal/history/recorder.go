package history

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coach-dev/coach/coach"
)

// Recorder writes one session as it goes. Its methods never block the
// session: they hand work to the recorder's own goroutine.
type Recorder struct {
	path   string
	warn   io.Writer
	store  *Store // nil once the database failed: records go to the recovery file
	ss     Session
	ops    chan func()
	done   chan struct{}
	once   sync.Once
	closed atomic.Bool
}

// Begin records the start of a session of tl. A database that cannot be
// opened is reported in one line on warn, and the session is kept in the
// recovery file instead.
func Begin(path string, warn io.Writer, tl *coach.Timeline, frequency string, now time.Time) *Recorder {
	r := &Recorder{path: path, warn: warn, ops: make(chan func(), 1024), done: make(chan struct{})}
	r.ss = Session{ID: NewID(), Routine: tl.Routine, Title: tl.Title, Frequency: frequency, StartedAt: now, Status: "running"}
	for i, e := range tl.Exercises {
		sides := max(len(e.Sides), 1)
		r.ss.Exercises = append(r.ss.Exercises, Exercise{Position: i, ID: e.ID, Name: e.Name, PlannedSets: e.Sets,
			PlannedReps: e.Reps, PlannedSides: len(e.Sides), PlannedHoldMS: tl.MS(e.Hold), PlannedTotal: e.Sets * e.Reps * sides})
	}
	go r.loop()
	r.do(func() {
		s, err := Open(path)
		if err != nil {
			r.fail(err)
		} else {
			r.store = s
		}
		r.persist()
	})
	return r
}

// ID is the session's id.
func (r *Recorder) ID() string { return r.ss.ID }

func (r *Recorder) loop() {
	defer close(r.done)
	for op := range r.ops {
		op()
	}
	if r.store != nil {
		r.store.Close()
	}
}

// do queues work; if a thousand operations are waiting the machine is in
// trouble, and a rep count is not worth blocking the session for.
func (r *Recorder) do(op func()) {
	if r.closed.Load() {
		return
	}
	select {
	case r.ops <- op:
	default:
	}
}

// fail switches to the recovery file, saying so once.
func (r *Recorder) fail(err error) {
	if r.store != nil {
		r.store.Close()
		r.store = nil
	}
	if r.warn != nil {
		fmt.Fprintf(r.warn, "coach: warning: history: %v; keeping this session in %s\n", err, RecoveryPath(r.path))
		r.warn = nil
	}
}

// persist writes the whole session: to the database, else the recovery file.
func (r *Recorder) persist() {
	if r.store != nil {
		err := r.store.Save(&r.ss)
		if err == nil {
			return
		}
		r.fail(err)
	}
	if err := appendRecovery(RecoveryPath(r.path), &r.ss); err != nil && r.warn != nil {
		fmt.Fprintf(r.warn, "coach: warning: history: cannot write %s either: %v\n", RecoveryPath(r.path), err)
		r.warn = nil
	}
}

// Event records what the session reports.
func (r *Recorder) Event(e coach.Event) {
	r.do(func() {
		if e.Kind == coach.EventPainRating {
			v := e.Value
			if e.After {
				r.ss.PainAfter = &v
			} else {
				r.ss.PainBefore = &v
			}
			r.persist()
			return
		}
		if e.Exercise < 0 || e.Exercise >= len(r.ss.Exercises) {
			return
		}
		x := &r.ss.Exercises[e.Exercise]
		switch e.Kind {
		case coach.EventRepDone:
			x.DoneReps++
			if r.store == nil {
				return // the recovery file gets whole exercises
			}
		case coach.EventExerciseDone:
			x.Completed = true
		case coach.EventSkip:
			x.Skipped = true
		case coach.EventPain:
			x.PainStop = true
		default:
			return
		}
		r.persist()
	})
}

// Pain records a check-in answer, 0-10, before or after the session.
func (r *Recorder) Pain(after bool, v int) {
	r.do(func() {
		if after {
			r.ss.PainAfter = &v
		} else {
			r.ss.PainBefore = &v
		}
		r.persist()
	})
}

// Rate records how an exercise felt.
func (r *Recorder) Rate(exercise int, rating string) {
	r.do(func() {
		if exercise >= 0 && exercise < len(r.ss.Exercises) {
			r.ss.Exercises[exercise].Rating = &rating
			r.persist()
		}
	})
}

// Close records the outcome and waits for every write.
func (r *Recorder) Close(sum coach.Summary) {
	r.once.Do(func() {
		r.closed.Store(true)
		r.ops <- func() {
			end := sum.End
			r.ss.EndedAt = &end
			r.ss.Status = "stopped"
			if sum.Finished {
				r.ss.Status = "completed"
			}
			r.ss.PausedMS = sum.Paused.Milliseconds()
			if sum.PainBefore != nil {
				r.ss.PainBefore = sum.PainBefore
			}
			if sum.PainAfter != nil {
				r.ss.PainAfter = sum.PainAfter
			}
			for i, res := range sum.Exercises {
				if i < len(r.ss.Exercises) {
					x := &r.ss.Exercises[i]
					x.DoneReps, x.Completed, x.Skipped, x.PainStop = res.DoneReps, res.Completed, res.Skipped, res.Pain
				}
			}
			r.persist()
		}
		close(r.ops)
		<-r.done
	})
}

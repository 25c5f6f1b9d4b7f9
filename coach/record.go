package coach

import "time"

// Status is where a session's record stands.
type Status string

const (
	StatusRunning   Status = "running"   // being played (or the process died: see abandoned)
	StatusFinished  Status = "finished"  // every exercise reached its end
	StatusStopped   Status = "stopped"   // quit, signalled or ended early
	StatusAbandoned Status = "abandoned" // the process died; set on the next open of the history
)

// Record is the one account of a session: what was planned and what was
// done. The session keeps it current; the history stores it, and the
// terminal's end line, the page's finish screen and `coach history` read
// it, so they cannot disagree.
type Record struct {
	ID         string           `json:"id"`
	Routine    string           `json:"routine"`
	Title      string           `json:"title"`
	Frequency  string           `json:"frequency"`
	Practice   bool             `json:"practice"` // --speed runs: kept apart, never counted
	StartedAt  time.Time        `json:"started_at"`
	EndedAt    *time.Time       `json:"ended_at"`
	Status     Status           `json:"status"`
	SpentMS    int64            `json:"spent_ms"`  // time in the session, pauses and freezes excluded
	PausedMS   int64            `json:"paused_ms"` // time paused, and frozen (a stopped process, a stalled device)
	PainBefore *int             `json:"pain_before"`
	PainAfter  *int             `json:"pain_after"`
	Exercises  []ExerciseRecord `json:"exercises"`
}

// ExerciseRecord is one exercise of a session: planned and done.
type ExerciseRecord struct {
	Position      int     `json:"position"`
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	Variant       string  `json:"variant"`
	PlannedSets   int     `json:"planned_sets"`
	PlannedReps   int     `json:"planned_reps"`
	PlannedSides  int     `json:"planned_sides"`
	PlannedHoldMS int64   `json:"planned_hold_ms"`
	PlannedTotal  int     `json:"planned_total_reps"` // sets × reps × sides
	DoneReps      int     `json:"done_reps"`          // distinct reps heard to their end
	Completed     bool    `json:"completed"`          // heard to the exercise's end
	Skipped       bool    `json:"skipped"`            // left early with next
	PainStop      bool    `json:"pain_stop"`          // left early because it hurt
	Rating        *string `json:"rating"`             // how it felt: "too-easy", "about-right", "too-hard"; nil if not said
}

// NewRecord is the record of a session of tl that has not started yet.
func NewRecord(tl *Timeline) Record {
	r := Record{Routine: tl.Routine, Title: tl.Title, Frequency: tl.Frequency, Status: StatusRunning, Exercises: []ExerciseRecord{}}
	for i, e := range tl.Exercises {
		sides := max(len(e.Sides), 1)
		r.Exercises = append(r.Exercises, ExerciseRecord{
			Position: i, ID: e.ID, Name: e.Name, Variant: e.Variant,
			PlannedSets: e.Sets, PlannedReps: e.Reps, PlannedSides: len(e.Sides), PlannedHoldMS: tl.MS(e.Hold),
			PlannedTotal: e.Sets * e.Reps * sides,
		})
	}
	return r
}

// Clone is a deep copy, safe to hand to another goroutine.
func (r Record) Clone() Record {
	c := r
	c.Exercises = append([]ExerciseRecord(nil), r.Exercises...)
	if r.EndedAt != nil {
		t := *r.EndedAt
		c.EndedAt = &t
	}
	c.PainBefore, c.PainAfter = cloneInt(r.PainBefore), cloneInt(r.PainAfter)
	for i, e := range c.Exercises {
		if e.Rating != nil {
			s := *e.Rating
			c.Exercises[i].Rating = &s
		}
	}
	return c
}

func cloneInt(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Totals are the figures every view of a record shows.
type Totals struct {
	Exercises   int // in the plan
	Completed   int // heard to their end
	Skipped     int
	PainStops   int
	DoneReps    int
	PlannedReps int
}

// Totals adds up the exercises.
func (r *Record) Totals() Totals {
	t := Totals{Exercises: len(r.Exercises)}
	for _, e := range r.Exercises {
		t.DoneReps += e.DoneReps
		t.PlannedReps += e.PlannedTotal
		if e.Completed {
			t.Completed++
		}
		if e.Skipped {
			t.Skipped++
		}
		if e.PainStop {
			t.PainStops++
		}
	}
	return t
}

// Counts reports whether the session counts toward the week and the streak:
// a real (not practice) session that ended (finished or stopped; not one
// whose process died) with at least one rep heard to its end. Five presses
// of next are not a session.
func (r *Record) Counts() bool {
	return !r.Practice && (r.Status == StatusFinished || r.Status == StatusStopped) && r.Totals().DoneReps > 0
}

// Spent is the time actually spent in the session.
func (r *Record) Spent() time.Duration { return time.Duration(r.SpentMS) * time.Millisecond }

// Paused is the time paused (or frozen).
func (r *Record) Paused() time.Duration { return time.Duration(r.PausedMS) * time.Millisecond }

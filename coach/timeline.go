package coach

import "time"

// Timeline is a compiled routine: every cue at a sample frame, and the
// segments that say what the session is doing at any frame. It is data: a
// session plays it, `coach plan` prints it, tests compare it.
type Timeline struct {
	Routine   string
	Title     string
	Frequency string // the prescription, e.g. "once a day"
	Rate      int
	Length    int64 // frames
	Exercises []ExercisePlan
	Cues      []Cue
	Segments  []Segment // contiguous, in order, covering [0, Length)
	// Unrecorded lists the clauses no pack can say yet (compiled with
	// Options.Estimate): their cues are marked and their lengths estimated.
	Unrecorded []string
	// Dropped holds the optional counts and announcements that found no
	// room beside the required lines.
	Dropped []Cue
}

// ExercisePlan is one exercise as it will be done in this session.
type ExercisePlan struct {
	ID        string
	Name      string
	Start     int64
	End       int64
	Sets      int
	Reps      int
	Sides     []Side
	Alternate bool  // the sides take turns rep by rep
	Hold      int64 // target hold per rep, frames (0 if none)
	Variant   string
	Equipment []string
	Setup     []string
	Tips      []string
	Picture   *Picture // nil when the script names none
}

// Cue is a spoken line placed on the timeline.
type Cue struct {
	At       int64
	End      int64
	Exercise int // index into Exercises; -1 before the first and after the last
	Phase    string
	Text     string
	Clips    []ClipAt
	Optional bool  // a count or announcement that could have been dropped
	speech   int64 // frames of it that are voice, not a prompt's silent margins
	// Unrecorded marks a line with a clause no pack can say yet; its
	// length is an estimate.
	Unrecorded bool
}

// ClipAt is one prompt of a cue at an absolute frame.
type ClipAt struct {
	Phrase string
	At     int64
	Frames int
}

// Segment names what happens in [Start, End): the exercise, set, side, rep
// and phase. Set, Side and Rep are zero-based; -1 where they do not apply.
type Segment struct {
	Start    int64
	End      int64
	Exercise int
	Set      int
	Side     int
	Rep      int
	Phase    string
}

// Segment phases outside reps.
const (
	PhaseIntro   = "intro"
	PhaseSetup   = "setup"
	PhaseReady   = "ready"
	PhaseSetRest = "set-rest"
	PhaseSwitch  = "switch"
	PhaseRest    = "rest"
	// PhaseUpNext is the part of a rest between exercises where the coach
	// says what comes next: it belongs to the exercise coming, so a page
	// shows that one, and skipping to it hears its name.
	PhaseUpNext = "up-next"
	PhaseFinish = "finish"
	// Check-ins ask for a pain rating; they last a fixed time, so an
	// unanswered one never stalls a hands-free session.
	PhaseCheckInBefore = "checkin-before"
	PhaseCheckInAfter  = "checkin-after"
)

// CheckInTime is how long a check-in waits for an answer after asking.
const CheckInTime = 8 * time.Second

// Duration converts frames to time at the timeline's rate.
func (t *Timeline) Duration(frames int64) time.Duration {
	return time.Duration(frames * int64(time.Second) / int64(t.Rate))
}

// SegmentAt returns the index of the segment holding frame (the last one
// once the frame is past the end).
func (t *Timeline) SegmentAt(frame int64) int {
	lo, hi := 0, len(t.Segments)
	for lo < hi {
		m := (lo + hi) / 2
		if t.Segments[m].End <= frame {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo >= len(t.Segments) {
		return len(t.Segments) - 1
	}
	return lo
}

// CueAt returns the index of the last cue that started at or before frame,
// or -1.
func (t *Timeline) CueAt(frame int64) int {
	lo, hi := 0, len(t.Cues)
	for lo < hi {
		m := (lo + hi) / 2
		if t.Cues[m].At <= frame {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

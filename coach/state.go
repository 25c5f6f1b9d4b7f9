package coach

// State is what a session is doing at one heard frame: the one shape the
// terminal, the companion page and the history recorder all read. It is a
// pure function of the timeline and the frame, plus the session's flags.
type State struct {
	Seq           uint64         `json:"seq"`
	Frame         int64          `json:"frame"`
	SampleRate    int            `json:"sample_rate"`
	Routine       string         `json:"routine"`
	Title         string         `json:"title"`
	ExerciseIndex int            `json:"exercise_index"` // 0-based; -1 in the intro and the finish
	ExerciseCount int            `json:"exercise_count"`
	Exercise      *ExerciseState `json:"exercise"`
	Phase         string         `json:"phase"`
	PhaseMS       int64          `json:"phase_ms"`
	PhaseLeftMS   int64          `json:"phase_remaining_ms"`
	Set           int            `json:"set"` // 1-based; 0 where it does not apply
	Sets          int            `json:"sets"`
	Side          string         `json:"side"`
	Rep           int            `json:"rep"` // 1-based; 0 where it does not apply
	Reps          int            `json:"reps"`
	HoldMS        int64          `json:"hold_ms"`           // length of the current hold, 0 outside holds
	HoldLeftMS    int64          `json:"hold_remaining_ms"` // what is left of it
	Caption       string         `json:"caption"`           // the line being spoken, "" between lines
	Interjecting  bool           `json:"interjecting"`      // the caption is said outside the timeline (the pain line), which waits for it
	ElapsedMS     int64          `json:"elapsed_ms"`
	RemainingMS   int64          `json:"remaining_ms"`
	DurationMS    int64          `json:"duration_ms"`
	Progress      float64        `json:"progress"`             // 0..1 of the whole session
	Next          string         `json:"next"`                 // the next exercise's name, "" at the last
	NextImage     string         `json:"next_image,omitempty"` // the address of its picture, for a preview in the rest
	FeelFor       string         `json:"feel_for,omitempty"`   // the exercise a rest asks about: "how did it feel?"; "" when not asking
	Feel          string         `json:"feel,omitempty"`       // its answer so far: a feel command's name
	Paused        bool           `json:"paused"`
	Finished      bool           `json:"finished"`
	Stopped       bool           `json:"stopped"`
}

// ExerciseState is the exercise on screen.
type ExerciseState struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Setup     []string `json:"setup"`
	Tips      []string `json:"tips"`
	Equipment []string `json:"equipment"`
	Sides     []Side   `json:"sides"`
	Variant   string   `json:"variant,omitempty"`
	Image     string   `json:"image,omitempty"` // the address of its picture, relative to the page
}

// StateAt derives the state at a heard frame.
func (t *Timeline) StateAt(frame int64) State {
	frame = max(0, min(frame, t.Length))
	s := State{
		Frame: frame, SampleRate: t.Rate, Routine: t.Routine, Title: t.Title,
		ExerciseIndex: -1, ExerciseCount: len(t.Exercises),
		ElapsedMS: t.MS(frame), DurationMS: t.MS(t.Length), RemainingMS: t.MS(t.Length) - t.MS(frame),
	}
	if t.Length > 0 {
		s.Progress = float64(frame) / float64(t.Length)
	}
	if len(t.Segments) == 0 {
		s.Finished = frame >= t.Length
		return s
	}
	seg := t.Segments[t.SegmentAt(frame)]
	s.Phase = seg.Phase
	s.PhaseMS = t.MS(seg.End - seg.Start)
	s.PhaseLeftMS = t.MS(seg.End - frame)
	if frame >= t.Length {
		s.Finished = true
		s.PhaseLeftMS = 0
	}
	nextIdx := 0
	if seg.Exercise >= 0 && seg.Exercise < len(t.Exercises) {
		e := t.Exercises[seg.Exercise]
		s.ExerciseIndex = seg.Exercise
		s.Exercise = &ExerciseState{ID: e.ID, Name: e.Name, Setup: nonNil(e.Setup), Tips: nonNil(e.Tips),
			Equipment: nonNil(e.Equipment), Sides: e.Sides, Variant: e.Variant, Image: e.Picture.address()}
		if s.Exercise.Sides == nil {
			s.Exercise.Sides = []Side{}
		}
		s.Sets, s.Reps = e.Sets, e.Reps
		if seg.Set >= 0 {
			s.Set = seg.Set + 1
		}
		if seg.Side >= 0 && seg.Side < len(e.Sides) {
			s.Side = string(e.Sides[seg.Side])
		}
		if seg.Rep >= 0 {
			s.Rep = seg.Rep + 1
		}
		nextIdx = seg.Exercise + 1
	} else if seg.Phase == PhaseFinish {
		nextIdx = len(t.Exercises)
	}
	if nextIdx < len(t.Exercises) {
		s.Next = t.Exercises[nextIdx].Name
		s.NextImage = t.Exercises[nextIdx].Picture.address()
	}
	if seg.Phase == string(Hold) {
		s.HoldMS, s.HoldLeftMS = s.PhaseMS, s.PhaseLeftMS
	}
	if i := t.CueAt(frame); i >= 0 && frame < t.Cues[i].End {
		s.Caption = t.Cues[i].Text
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Same reports whether two states show the same thing to a person, ignoring
// the frame and sequence number: a session publishes only real changes, and
// hold countdowns change once per second.
func (s State) Same(o State) bool {
	a, b := s, o
	a.Seq, b.Seq = 0, 0
	a.Frame, b.Frame = 0, 0
	a.Progress, b.Progress = 0, 0
	a.ElapsedMS, b.ElapsedMS = a.ElapsedMS/1000, b.ElapsedMS/1000
	a.RemainingMS, b.RemainingMS = 0, 0
	a.PhaseLeftMS, b.PhaseLeftMS = (a.PhaseLeftMS+999)/1000, (b.PhaseLeftMS+999)/1000
	a.HoldLeftMS, b.HoldLeftMS = (a.HoldLeftMS+999)/1000, (b.HoldLeftMS+999)/1000
	ea, eb := a.Exercise, b.Exercise
	a.Exercise, b.Exercise = nil, nil
	if (ea == nil) != (eb == nil) || (ea != nil && (ea.ID != eb.ID || ea.Variant != eb.Variant || ea.Image != eb.Image)) {
		return false
	}
	return a == b
}

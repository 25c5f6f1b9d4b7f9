package coach

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Command is something a person asks of a running session, from a key, the
// companion page or the websocket protocol: all are equally powerful.
type Command string

const (
	CmdPause  Command = "pause"
	CmdResume Command = "resume"
	CmdToggle Command = "toggle" // pause or resume
	CmdNext   Command = "next"   // skip to the next exercise
	CmdBack   Command = "back"   // restart the exercise; twice quickly: the previous one
	CmdRepeat Command = "repeat" // restart the current rep
	CmdStop   Command = "stop"
	CmdPain   Command = "pain" // "this hurts": stop this exercise and move on
)

// Rate answers a check-in: "rate-0" to "rate-10". Outside a check-in it
// does nothing.
func Rate(n int) Command { return Command(fmt.Sprintf("rate-%d", n)) }

// rating reads a Rate command.
func (c Command) rating() (int, bool) {
	var n int
	if _, err := fmt.Sscanf(string(c), "rate-%d", &n); err != nil || n < 0 || n > 10 || Rate(n) != c {
		return 0, false
	}
	return n, true
}

// ParseCommand validates a command name from outside: any command of the
// control table.
func ParseCommand(s string) (Command, error) {
	if ctl, ok := ControlFor(Command(s)); ok {
		return ctl.Command, nil
	}
	var names []string
	for _, c := range Controls {
		if !c.CheckIn {
			names = append(names, string(c.Command))
		}
	}
	return "", fmt.Errorf("unknown command %q%s", s, suggest(s, names))
}

// Player is the audio engine as a session drives it; *voice.Mixer is one.
// SeekFrame and SetPaused take effect at the engine's next pull.
type Player interface {
	Position() int64 // frames of the timeline rendered so far
	SeekFrame(frame int64)
	SetPaused(paused bool)
}

// Speaker is a Player that can also say a line at once, holding the
// timeline until it ends (the pain line). It returns how long the line is.
type Speaker interface {
	Say(line string) (time.Duration, error)
}

// Latency reports how many rendered frames are not yet heard (the device's
// buffer); nil means none, as with the silent wall-clock sink.
type Latency func() int64

// EventKind names what a session records for history.
type EventKind string

const (
	EventExerciseStart EventKind = "exercise-start"
	EventRepDone       EventKind = "rep-done"
	EventExerciseDone  EventKind = "exercise-done"
	EventSkip          EventKind = "skip"
	EventPain          EventKind = "pain"
	EventPause         EventKind = "pause"
	EventResume        EventKind = "resume"
	EventFinish        EventKind = "finish"
	EventStop          EventKind = "stop"
	EventPainRating    EventKind = "pain-rating" // a check-in answer: Value 0-10, After tells which
)

// Event is one thing that happened in a session.
type Event struct {
	Kind     EventKind
	Exercise int // index into the timeline's exercises, -1 if none
	Set      int // 0-based, -1 if none
	Side     int
	Rep      int
	Frame    int64
	At       time.Time
	Value    int  // the rating of a pain-rating event
	After    bool // a rating after the session (else before)
}

// Session plays a timeline through a Player and tells listeners what is
// heard. One goroutine (Run) owns all of its state; others talk to it
// through Send.
type Session struct {
	tl      *Timeline
	player  Player
	latency Latency
	cmds    chan Command
	poll    time.Duration
	now     func() time.Time

	mu     sync.Mutex
	states []func(State)
	events []func(Event)
}

// NewSession prepares a session; Run starts it.
func NewSession(tl *Timeline, p Player, lat Latency) *Session {
	if lat == nil {
		lat = func() int64 { return 0 }
	}
	return &Session{tl: tl, player: p, latency: lat, cmds: make(chan Command, 16), poll: 10 * time.Millisecond, now: time.Now}
}

// SetPoll changes how often the session looks at the heard frame.
func (s *Session) SetPoll(d time.Duration) { s.poll = d }

// Timeline is the compiled routine the session plays.
func (s *Session) Timeline() *Timeline { return s.tl }

// OnState registers fn to be called, on the session goroutine, with every
// changed state. fn must not block: hand the state on and return.
func (s *Session) OnState(fn func(State)) {
	s.mu.Lock()
	s.states = append(s.states, fn)
	s.mu.Unlock()
}

// OnEvent registers fn for history events; the same rule as OnState.
func (s *Session) OnEvent(fn func(Event)) {
	s.mu.Lock()
	s.events = append(s.events, fn)
	s.mu.Unlock()
}

// Send queues a command without blocking; it reports false if the queue is
// full (a person cannot press keys that fast; a flood is dropped).
func (s *Session) Send(c Command) bool {
	select {
	case s.cmds <- c:
		return true
	default:
		return false
	}
}

// ExerciseResult is what was done of one exercise.
type ExerciseResult struct {
	ID          string
	Name        string
	PlannedReps int // sets × reps × sides
	DoneReps    int // distinct reps heard to their end
	Started     bool
	Completed   bool // heard through to its last rep
	Skipped     bool
	Pain        bool
}

// Summary is the session's outcome.
type Summary struct {
	Routine    string
	Start      time.Time
	End        time.Time
	Finished   bool // reached the end of the routine
	Stopped    bool // stopped by a person or cancelled
	Paused     time.Duration
	Exercises  []ExerciseResult
	PainBefore *int // check-in answers; nil when not asked or unanswered
	PainAfter  *int
}

// run is the state Run keeps between polls.
type run struct {
	sum         Summary
	paused      bool
	pausedAt    time.Time
	lastBack    time.Time
	floor       int64 // after a seek, the heard frame never shows less
	seeked      bool
	lastSeg     int
	done        map[[4]int]bool
	seq         uint64
	last        State
	published   bool
	saying      string    // a line said outside the timeline...
	sayingUntil time.Time // ...until then: it is the caption meanwhile
}

// Run plays the session until it finishes, is stopped, or ctx ends.
func (s *Session) Run(ctx context.Context) Summary {
	r := &run{sum: Summary{Routine: s.tl.Routine, Start: s.now()}, lastSeg: -1, done: map[[4]int]bool{}, floor: -1}
	for _, e := range s.tl.Exercises {
		planned := e.Sets * e.Reps * max(len(e.Sides), 1)
		r.sum.Exercises = append(r.sum.Exercises, ExerciseResult{ID: e.ID, Name: e.Name, PlannedReps: planned})
	}
	tick := time.NewTicker(s.poll)
	defer tick.Stop()
	for {
		heard := s.heard(r)
		s.advance(r, heard)
		finished := heard >= s.tl.Length
		s.publish(r, heard, finished, false)
		if finished {
			r.sum.Finished = true
			return s.end(r, EventFinish, heard)
		}
		select {
		case <-ctx.Done():
			s.publish(r, heard, false, true)
			return s.end(r, EventStop, heard)
		case c := <-s.cmds:
			if c == CmdStop {
				s.publish(r, heard, false, true)
				return s.end(r, EventStop, heard)
			}
			s.command(r, c, heard)
		case <-tick.C:
		}
	}
}

func (s *Session) end(r *run, kind EventKind, heard int64) Summary {
	if r.paused {
		r.sum.Paused += s.now().Sub(r.pausedAt)
	}
	r.sum.Stopped = kind == EventStop
	r.sum.End = s.now()
	s.emit(Event{Kind: kind, Exercise: s.exerciseAt(heard), Frame: heard, Set: -1, Side: -1, Rep: -1})
	return r.sum
}

// heard is the frame being heard: rendered minus still buffered, never less
// than a seek's target (the device still plays the tail before the seek).
func (s *Session) heard(r *run) int64 {
	h := s.player.Position() - s.latency()
	if r.floor >= 0 {
		if h >= r.floor {
			r.floor = -1
		} else {
			h = r.floor
		}
	}
	return max(0, min(h, s.tl.Length))
}

func (s *Session) exerciseAt(frame int64) int {
	if len(s.tl.Segments) == 0 {
		return -1
	}
	return s.tl.Segments[s.tl.SegmentAt(frame)].Exercise
}

// advance records reps and exercises heard to their end since the last poll.
func (s *Session) advance(r *run, heard int64) {
	cur := s.tl.SegmentAt(heard)
	if heard >= s.tl.Length {
		cur = len(s.tl.Segments)
	}
	if r.seeked || r.lastSeg < 0 {
		r.seeked = false
		r.lastSeg = cur
		s.started(r, cur, heard)
		return
	}
	for i := r.lastSeg; i < cur; i++ {
		s.segmentDone(r, i)
		if i+1 < len(s.tl.Segments) {
			s.started(r, i+1, s.tl.Segments[i+1].Start)
		}
	}
	r.lastSeg = cur
}

func (s *Session) started(r *run, seg int, frame int64) {
	if seg >= len(s.tl.Segments) {
		return
	}
	g := s.tl.Segments[seg]
	if g.Exercise < 0 || g.Exercise >= len(r.sum.Exercises) || r.sum.Exercises[g.Exercise].Started {
		return
	}
	r.sum.Exercises[g.Exercise].Started = true
	s.emit(Event{Kind: EventExerciseStart, Exercise: g.Exercise, Set: -1, Side: -1, Rep: -1, Frame: frame})
}

// segmentDone handles segment i heard to its end.
func (s *Session) segmentDone(r *run, i int) {
	g := s.tl.Segments[i]
	if g.Exercise < 0 || g.Exercise >= len(s.tl.Exercises) {
		return
	}
	var next Segment
	if i+1 < len(s.tl.Segments) {
		next = s.tl.Segments[i+1]
	} else {
		next = Segment{Exercise: -2}
	}
	if g.Rep >= 0 && (next.Exercise != g.Exercise || next.Rep != g.Rep || next.Set != g.Set || next.Side != g.Side) {
		key := [4]int{g.Exercise, g.Set, g.Side, g.Rep}
		if !r.done[key] {
			r.done[key] = true
			r.sum.Exercises[g.Exercise].DoneReps++
			s.emit(Event{Kind: EventRepDone, Exercise: g.Exercise, Set: g.Set, Side: g.Side, Rep: g.Rep, Frame: g.End})
		}
	}
	if g.End == s.tl.Exercises[g.Exercise].End && !r.sum.Exercises[g.Exercise].Completed {
		r.sum.Exercises[g.Exercise].Completed = true
		s.emit(Event{Kind: EventExerciseDone, Exercise: g.Exercise, Set: -1, Side: -1, Rep: -1, Frame: g.End})
	}
}

func (s *Session) seek(r *run, frame int64) {
	frame = max(0, min(frame, s.tl.Length))
	s.player.SeekFrame(frame)
	r.floor = frame
	r.seeked = true
}

func (s *Session) command(r *run, c Command, heard int64) {
	ex := s.exerciseAt(heard)
	n := len(s.tl.Exercises)
	switch c {
	case CmdToggle:
		if r.paused {
			c = CmdResume
		} else {
			c = CmdPause
		}
	}
	switch c {
	case CmdPause:
		if !r.paused {
			r.paused, r.pausedAt = true, s.now()
			s.player.SetPaused(true)
			s.emit(Event{Kind: EventPause, Exercise: ex, Set: -1, Side: -1, Rep: -1, Frame: heard})
		}
	case CmdResume:
		if r.paused {
			r.paused = false
			r.sum.Paused += s.now().Sub(r.pausedAt)
			s.player.SetPaused(false)
			s.emit(Event{Kind: EventResume, Exercise: ex, Set: -1, Side: -1, Rep: -1, Frame: heard})
		}
	case CmdNext, CmdPain:
		target := s.tl.Length
		switch {
		case ex < 0 && heard < s.firstStart():
			target = s.firstStart()
		case ex >= 0 && ex+1 < n:
			target = s.tl.Exercises[ex+1].Start
		case ex >= 0:
			target = s.tl.Exercises[n-1].End
		}
		if ex >= 0 && ex < n && heard < s.tl.Exercises[ex].End {
			res := &r.sum.Exercises[ex]
			if c == CmdPain {
				res.Pain = true
				s.emit(Event{Kind: EventPain, Exercise: ex, Set: -1, Side: -1, Rep: -1, Frame: heard})
			} else if !res.Completed {
				res.Skipped = true
				s.emit(Event{Kind: EventSkip, Exercise: ex, Set: -1, Side: -1, Rep: -1, Frame: heard})
			}
		}
		s.seek(r, target)
		if c == CmdPain {
			// Said at once, before the next exercise starts: never talked over.
			s.sayNow(r, PainLine)
		}
	case CmdBack:
		now := s.now()
		quick := now.Sub(r.lastBack) < 1500*time.Millisecond
		r.lastBack = now
		switch {
		case ex < 0 && heard >= s.firstStart() && n > 0:
			s.seek(r, s.tl.Exercises[n-1].Start) // from the finish: the last exercise
		case ex < 0:
			s.seek(r, 0)
		case quick && ex > 0:
			s.seek(r, s.tl.Exercises[ex-1].Start)
		default:
			s.seek(r, s.tl.Exercises[ex].Start)
		}
	case CmdRepeat:
		i := s.tl.SegmentAt(heard)
		g := s.tl.Segments[i]
		if g.Rep >= 0 {
			for i > 0 {
				p := s.tl.Segments[i-1]
				if p.Exercise != g.Exercise || p.Set != g.Set || p.Side != g.Side || p.Rep != g.Rep {
					break
				}
				i--
			}
		}
		s.seek(r, s.tl.Segments[i].Start)
	default:
		if n, ok := c.rating(); ok {
			s.answer(r, n, heard)
		}
	}
}

// answer records a check-in rating and moves on at once.
func (s *Session) answer(r *run, n int, heard int64) {
	g := s.tl.Segments[s.tl.SegmentAt(heard)]
	var dst **int
	switch g.Phase {
	case PhaseCheckInBefore:
		dst = &r.sum.PainBefore
	case PhaseCheckInAfter:
		dst = &r.sum.PainAfter
	default:
		return
	}
	v := n
	*dst = &v
	s.emit(Event{Kind: EventPainRating, Exercise: -1, Set: -1, Side: -1, Rep: -1, Frame: heard, Value: n, After: g.Phase == PhaseCheckInAfter})
	s.seek(r, g.End)
}

// sayNow speaks a line at once if the player can; the timeline waits.
func (s *Session) sayNow(r *run, line string) {
	sp, ok := s.player.(Speaker)
	if !ok {
		return
	}
	d, err := sp.Say(line)
	if err != nil {
		return
	}
	r.saying, r.sayingUntil = line, s.now().Add(d)
}

func (s *Session) firstStart() int64 {
	if len(s.tl.Exercises) == 0 {
		return s.tl.Length
	}
	return s.tl.Exercises[0].Start
}

func (s *Session) publish(r *run, heard int64, finished, stopped bool) {
	st := s.tl.StateAt(heard)
	st.Paused = r.paused
	if r.saying != "" {
		if s.now().Before(r.sayingUntil) {
			st.Caption = r.saying
		} else {
			r.saying = ""
		}
	}
	st.Finished = finished
	st.Stopped = stopped
	if r.published && st.Same(r.last) {
		return
	}
	r.seq++
	st.Seq = r.seq
	r.last, r.published = st, true
	s.mu.Lock()
	fns := s.states
	s.mu.Unlock()
	for _, fn := range fns {
		fn(st)
	}
}

func (s *Session) emit(e Event) {
	e.At = s.now()
	s.mu.Lock()
	fns := s.events
	s.mu.Unlock()
	for _, fn := range fns {
		fn(e)
	}
}

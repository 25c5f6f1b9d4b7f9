package coach

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
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

	// How the exercise just done felt: the record keeps the last answer
	// per exercise, the command's name being the rating.
	CmdTooEasy    Command = "too-easy"
	CmdAboutRight Command = "about-right"
	CmdTooHard    Command = "too-hard"
)

// feel reads a feel command as its rating.
func (c Command) feel() (string, bool) {
	switch c {
	case CmdTooEasy, CmdAboutRight, CmdTooHard:
		return string(c), true
	}
	return "", false
}

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
// buffer); nil means none. It is read before the position: a wall clock
// pulls what is due when asked.
type Latency func() int64

// Config tunes a session.
type Config struct {
	ID       string  // the record's id (the history assigns one)
	Practice bool    // a run that is never counted (--speed)
	Speed    float64 // timeline seconds per wall-clock second; 0 means 1
	// MaxWait is the longest the session sleeps when nothing is due (0: a
	// second). It bounds how late a stalled clock or a frozen process is
	// noticed; a test may set it to an hour so that only commands move.
	MaxWait time.Duration
	Now     func() time.Time // tests
}

// freezeGrace is how much longer than MaxWait a sleep may take before the
// session treats the gap as a freeze (a stopped process, a suspended
// laptop): counted as paused, not as time spent.
const freezeGrace = time.Second

// Session plays a timeline through a Player and tells listeners what is
// heard. One goroutine (Run) owns all of its state; others talk to it
// through Send. It sleeps until the next thing due on the timeline (a cue,
// a phase boundary, a second of a countdown) or a command: it never polls.
type Session struct {
	tl      *Timeline
	player  Player
	latency Latency
	cfg     Config
	cmds    chan Command
	wake    chan struct{}
	heardAt atomic.Int64

	mu      sync.Mutex
	states  []func(State)
	records []func(Record)
}

// NewSession prepares a session; Run starts it.
func NewSession(tl *Timeline, p Player, lat Latency, cfg Config) *Session {
	if lat == nil {
		lat = func() int64 { return 0 }
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Session{tl: tl, player: p, latency: lat, cfg: cfg, cmds: make(chan Command, 16), wake: make(chan struct{}, 1)}
}

// Timeline is the compiled routine the session plays.
func (s *Session) Timeline() *Timeline { return s.tl }

// Heard is the frame being heard as the session last saw it; any
// goroutine may read it (a listener gating its microphone does).
func (s *Session) Heard() int64 { return s.heardAt.Load() }

// OnState registers fn to be called, on the session goroutine, with every
// changed state. fn must not block: hand the state on and return.
func (s *Session) OnState(fn func(State)) {
	s.mu.Lock()
	s.states = append(s.states, fn)
	s.mu.Unlock()
}

// OnRecord registers fn to be called, on the session goroutine, with a copy
// of the record whenever it changes (a rep heard to its end, a skip, a
// rating) and once at the end. The same rule as OnState.
func (s *Session) OnRecord(fn func(Record)) {
	s.mu.Lock()
	s.records = append(s.records, fn)
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

// Wake makes the session look at the clock now: a sink that was replaced
// (a failed device, the wall clock taking over) calls it.
func (s *Session) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run is the state Run keeps between wake-ups.
type run struct {
	rec         Record
	paused      bool
	lastWake    time.Time
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
	changed     bool      // the record changed since listeners last saw it
}

// Run plays the session until it finishes, is stopped, or ctx ends, and
// returns its record.
func (s *Session) Run(ctx context.Context) Record {
	now := s.cfg.Now()
	r := &run{rec: NewRecord(s.tl), lastSeg: -1, done: map[[4]int]bool{}, floor: -1, lastWake: now}
	r.rec.ID, r.rec.Practice, r.rec.StartedAt = s.cfg.ID, s.cfg.Practice, now
	r.changed = true
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for {
		heard := s.heard(r)
		s.advance(r, heard)
		finished := heard >= s.tl.Length
		s.publish(r, heard, finished, false)
		if finished {
			return s.end(r, true)
		}
		s.notify(r)
		timer.Reset(s.due(r, heard))
		select {
		case <-ctx.Done():
			s.account(r)
			s.publish(r, heard, false, true)
			return s.end(r, false)
		case c := <-s.cmds:
			s.account(r)
			if c == CmdStop {
				s.publish(r, s.heard(r), false, true)
				return s.end(r, false)
			}
			s.command(r, c, s.heard(r))
		case <-s.wake:
			s.account(r)
		case <-timer.C:
			s.account(r)
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// account adds the time since the last wake-up to the record: paused time
// while paused, a freeze (a sleep far longer than asked for) as paused too,
// else time spent.
func (s *Session) account(r *run) {
	now := s.cfg.Now()
	dt := now.Sub(r.lastWake)
	r.lastWake = now
	if r.paused || dt > s.cfg.MaxWait+freezeGrace {
		r.rec.PausedMS += dt.Milliseconds()
	} else {
		r.rec.SpentMS += dt.Milliseconds()
	}
}

// due is how long to sleep: until the next frame at which what is shown
// can change (a segment or cue boundary, a second of a countdown), at the
// clock's pace, never longer than MaxWait.
func (s *Session) due(r *run, heard int64) time.Duration {
	if r.paused && r.saying == "" {
		return s.cfg.MaxWait
	}
	rate := int64(s.tl.Rate)
	next := s.tl.Length
	if len(s.tl.Segments) > 0 {
		seg := s.tl.Segments[s.tl.SegmentAt(heard)]
		if seg.End > heard {
			next = min(next, seg.End)
			// The phase countdown shows whole seconds left (rounded up).
			if m := (seg.End - heard - 1) / rate; m > 0 {
				next = min(next, seg.End-m*rate)
			}
		}
	}
	next = min(next, (heard/rate+1)*rate) // the elapsed clock's next second
	if i := s.tl.CueAt(heard); i >= 0 && heard < s.tl.Cues[i].End {
		next = min(next, s.tl.Cues[i].End)
	}
	if i := s.tl.CueAt(heard) + 1; i < len(s.tl.Cues) {
		next = min(next, s.tl.Cues[i].At)
	}
	var d time.Duration
	if !r.paused {
		frames := max(next-heard, 0)
		d = time.Duration(float64(frames) / (float64(rate) * s.cfg.Speed) * float64(time.Second))
	} else {
		d = s.cfg.MaxWait
	}
	if r.saying != "" {
		d = min(d, r.sayingUntil.Sub(s.cfg.Now()))
	}
	// Wake just after the boundary; a clock that runs a little behind (a
	// device pulls in chunks) costs a second short sleep, never a spin.
	return max(min(d+time.Millisecond, s.cfg.MaxWait), 2*time.Millisecond)
}

func (s *Session) end(r *run, reachedEnd bool) Record {
	s.account(r)
	end := s.cfg.Now()
	r.rec.EndedAt = &end
	r.rec.Status = StatusStopped
	if reachedEnd && !r.rec.anySkipped() {
		r.rec.Status = StatusFinished
	}
	r.changed = true
	s.notify(r)
	return r.rec.Clone()
}

func (r *Record) anySkipped() bool {
	for _, e := range r.Exercises {
		if e.Skipped {
			return true
		}
	}
	return false
}

// notify hands listeners a copy of the record if it changed.
func (s *Session) notify(r *run) {
	if !r.changed {
		return
	}
	r.changed = false
	s.mu.Lock()
	fns := s.records
	s.mu.Unlock()
	for _, fn := range fns {
		fn(r.rec.Clone())
	}
}

// heard is the frame being heard: rendered minus still buffered, never less
// than a seek's target (the device still plays the tail before the seek).
func (s *Session) heard(r *run) int64 {
	lat := s.latency() // first: a wall clock pulls what is due when asked
	h := s.player.Position() - lat
	if r.floor >= 0 {
		if h >= r.floor {
			r.floor = -1
		} else {
			h = r.floor
		}
	}
	h = max(0, min(h, s.tl.Length))
	s.heardAt.Store(h)
	return h
}

func (s *Session) exerciseAt(frame int64) int {
	if len(s.tl.Segments) == 0 {
		return -1
	}
	return s.tl.Segments[s.tl.SegmentAt(frame)].Exercise
}

// advance records reps and exercises heard to their end since the last
// wake-up. After a seek nothing in between counts: it was not heard.
func (s *Session) advance(r *run, heard int64) {
	cur := s.tl.SegmentAt(heard)
	if heard >= s.tl.Length {
		cur = len(s.tl.Segments)
	}
	if r.seeked || r.lastSeg < 0 {
		r.seeked = false
		r.lastSeg = cur
		return
	}
	for i := r.lastSeg; i < cur; i++ {
		s.segmentDone(r, i)
	}
	r.lastSeg = cur
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
	x := &r.rec.Exercises[g.Exercise]
	if g.Rep >= 0 && (next.Exercise != g.Exercise || next.Rep != g.Rep || next.Set != g.Set || next.Side != g.Side) {
		key := [4]int{g.Exercise, g.Set, g.Side, g.Rep}
		if !r.done[key] {
			r.done[key] = true
			x.DoneReps++
			r.changed = true
		}
	}
	if g.End == s.tl.Exercises[g.Exercise].End && !x.Completed {
		x.Completed = true
		r.changed = true
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
	if c == CmdToggle {
		c = CmdPause
		if r.paused {
			c = CmdResume
		}
	}
	switch c {
	case CmdPause:
		if !r.paused {
			r.paused = true
			s.player.SetPaused(true)
		}
	case CmdResume:
		if r.paused {
			r.paused = false
			s.player.SetPaused(false)
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
			x := &r.rec.Exercises[ex]
			if c == CmdPain {
				x.PainStop = true
				r.changed = true
			} else if !x.Completed && !x.PainStop {
				x.Skipped = true
				r.changed = true
			}
		}
		s.seek(r, target)
		if c == CmdPain {
			// Said at once, before the next exercise starts: never talked over.
			s.sayNow(r, PainLine)
		}
	case CmdBack:
		now := s.cfg.Now()
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
		} else if v, ok := c.feel(); ok {
			if t := s.feelTarget(r, heard); t >= 0 {
				r.rec.Exercises[t].Rating = &v
				r.changed = true
			}
		}
	}
}

// feelTarget is the exercise a feel rating is about: the one under way
// once its first rep has started (or it was left), else the one before it
// (in the up-next part of a rest, getting into position); after the last
// exercise, the last one. -1 before the first exercise starts.
func (s *Session) feelTarget(r *run, heard int64) int {
	n := len(s.tl.Exercises)
	if n == 0 || heard < s.firstStart() {
		return -1
	}
	ex := s.exerciseAt(heard)
	if ex < 0 || ex >= n {
		return n - 1
	}
	if x := r.rec.Exercises[ex]; x.DoneReps > 0 || x.Completed || x.Skipped || x.PainStop || heard >= s.firstRep(ex) {
		return ex
	}
	return ex - 1
}

// firstRep is the frame where exercise ex's first rep starts (its end if it
// has none).
func (s *Session) firstRep(ex int) int64 {
	for _, g := range s.tl.Segments {
		if g.Exercise == ex && g.Rep >= 0 {
			return g.Start
		}
	}
	return s.tl.Exercises[ex].End
}

// asksFeel reports whether a phase is the time to ask how the exercise
// just done felt: the rest after it (not its up-next part, which is about
// the coming one) and the closing words. The answer's keys work anywhere.
func asksFeel(phase string) bool {
	return phase == PhaseRest || phase == PhaseFinish
}

// answer records a check-in rating and moves on at once.
func (s *Session) answer(r *run, n int, heard int64) {
	g := s.tl.Segments[s.tl.SegmentAt(heard)]
	var dst **int
	switch g.Phase {
	case PhaseCheckInBefore:
		dst = &r.rec.PainBefore
	case PhaseCheckInAfter:
		dst = &r.rec.PainAfter
	default:
		return
	}
	v := n
	*dst = &v
	r.changed = true
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
	r.saying, r.sayingUntil = line, s.cfg.Now().Add(time.Duration(float64(d)/s.cfg.Speed))
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
		if s.cfg.Now().Before(r.sayingUntil) {
			st.Caption = r.saying
			st.Interjecting = true
		} else {
			r.saying = ""
		}
	}
	st.Finished = finished
	st.Stopped = stopped
	if asksFeel(st.Phase) && !finished && !stopped && !st.Interjecting {
		if t := s.feelTarget(r, heard); t >= 0 {
			x := r.rec.Exercises[t]
			st.FeelFor = x.Name
			if x.Rating != nil {
				st.Feel = *x.Rating
			}
		}
	}
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

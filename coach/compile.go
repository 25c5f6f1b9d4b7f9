package coach

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Options shape one session of a routine without editing its script.
type Options struct {
	Only    []string   // exercise ids to keep, in routine order; empty keeps all
	Reps    int        // overrides every exercise's reps; 0 keeps the script's
	Hold    HoldChoice // which hold length to use where the script gives a range
	Variant string     // use this variant wherever an exercise has it
	Pace    float64    // multiplies the script's pace; 0 means 1
	CheckIn bool       // ask for a pain rating before and after
	// ForceHold allows a fixed --hold outside a hold's prescribed range.
	ForceHold bool
	// Estimate places lines no pack can say yet with an estimated length
	// and lists them in Timeline.Unrecorded, instead of failing: a new
	// routine can be seen before it is recorded. Such a timeline cannot be
	// played.
	Estimate bool
}

// HoldChoice picks a length within a hold range: the script's default, its
// minimum, its maximum, or a fixed duration for every hold.
type HoldChoice struct {
	Mode  string // "", "min", "max" or "fixed"
	Fixed time.Duration
}

// ParseHold reads --hold: "min", "max", "default" or a duration.
func ParseHold(s string) (HoldChoice, error) {
	switch s {
	case "", "default":
		return HoldChoice{}, nil
	case "min", "max":
		return HoldChoice{Mode: s}, nil
	}
	d, err := parseDuration(s)
	if err != nil {
		return HoldChoice{}, fmt.Errorf("--hold: %w (or use min, max)", err)
	}
	if d == 0 {
		return HoldChoice{}, fmt.Errorf("--hold must be longer than zero")
	}
	return HoldChoice{Mode: "fixed", Fixed: d}, nil
}

func (h HoldChoice) pick(s Span) time.Duration {
	switch h.Mode {
	case "min":
		return s.Min
	case "max":
		return s.Max
	case "fixed":
		return h.Fixed
	}
	return s.Default
}

// minGap keeps two spoken lines from running into each other.
const minGap = 80 * time.Millisecond

type compiler struct {
	r        *Routine
	v        Voice
	opt      Options
	rate     int64
	tl       *Timeline
	t        int64 // the cursor: where the next segment starts
	optional []Cue // candidates placed after every required line
	comp     *composer
	missing  map[string]bool
	errs     ErrorList
	reported map[string]bool
	est      func(clause string) int // nil: a missing clause is an error
}

// Compile turns a routine into a timeline voiced by v. It is a pure function
// of its inputs: the same script, pack and options give the same frames.
func Compile(r *Routine, v Voice, opt Options) (*Timeline, error) {
	if v.Rate() <= 0 {
		return nil, errors.New("compile: voice pack has no sample rate")
	}
	exercises, err := selectExercises(r, opt)
	if err != nil {
		return nil, err
	}
	if n := sessionPhases(r, exercises, opt); n > maxSessionPhases {
		return nil, fmt.Errorf("this session would have %d timed phases (sets × sides × reps × phases); at most %d", n, maxSessionPhases)
	}
	c := &compiler{
		r: r, v: v, opt: opt, rate: int64(v.Rate()),
		tl:       &Timeline{Routine: r.ID, Title: r.Title, Frequency: r.Frequency, Rate: v.Rate()},
		missing:  map[string]bool{},
		reported: map[string]bool{},
	}
	if opt.Estimate {
		c.est = newEstimator(v).frames
	}
	c.comp = newComposer(v, c.est)
	if err := c.checkHold(exercises); err != nil {
		return nil, err
	}
	c.intro()
	if opt.CheckIn {
		c.checkIn(PhaseCheckInBefore)
	}
	for i, e := range exercises {
		var next *Exercise
		if i+1 < len(exercises) {
			next = exercises[i+1]
		}
		c.exercise(i, len(exercises), e, next)
	}
	if opt.CheckIn {
		c.checkIn(PhaseCheckInAfter)
	}
	c.finish()
	if len(c.missing) > 0 && c.est == nil {
		return nil, &MissingPhrasesError{Routine: r.ID, File: r.File, Phrases: sortedKeys(c.missing)}
	}
	c.tl.Unrecorded = sortedKeys(c.missing)
	if err := c.errs.err(); err != nil {
		return nil, err
	}
	c.placeOptional()
	c.tl.Length = c.t
	return c.tl, nil
}

func selectExercises(r *Routine, opt Options) ([]*Exercise, error) {
	ids := make([]string, len(r.Exercises))
	for i, e := range r.Exercises {
		ids[i] = e.ID
	}
	var out []*Exercise
	if len(opt.Only) == 0 {
		out = r.Exercises
	} else {
		keep := map[string]bool{}
		for _, id := range opt.Only {
			if !contains(ids, id) {
				return nil, fmt.Errorf("%s has no exercise %q%s; it has %s", r.ID, id, suggest(id, ids), strings.Join(ids, ", "))
			}
			keep[id] = true
		}
		for _, e := range r.Exercises {
			if keep[e.ID] {
				out = append(out, e)
			}
		}
	}
	if opt.Variant != "" {
		var all []string
		found := false
		for _, e := range out {
			all = append(all, mapKeys(e.Variants)...)
			if _, ok := e.Variants[opt.Variant]; ok {
				found = true
			}
		}
		if !found {
			if len(all) == 0 {
				return nil, fmt.Errorf("no exercise in this session has a variant; --variant %q does not apply", opt.Variant)
			}
			sort.Strings(all)
			return nil, fmt.Errorf("no exercise in this session has a variant %q%s", opt.Variant, suggest(opt.Variant, all))
		}
	}
	if opt.Reps < 0 || opt.Reps > maxReps {
		return nil, fmt.Errorf("--reps must be between 1 and %d", maxReps)
	}
	if opt.Pace != 0 && (opt.Pace < MinPace || opt.Pace > MaxPace) {
		return nil, fmt.Errorf("--pace must be between %g and %g, not %g", MinPace, MaxPace, opt.Pace)
	}
	return out, nil
}

func (c *compiler) frames(d time.Duration) int64 {
	return int64(math.Round(d.Seconds() * float64(c.rate)))
}

// segment appends [c.t, c.t+length) and moves the cursor.
func (c *compiler) segment(length int64, ex, set, side, rep int, phase string) {
	if length <= 0 {
		return
	}
	c.tl.Segments = append(c.tl.Segments, Segment{Start: c.t, End: c.t + length, Exercise: ex, Set: set, Side: side, Rep: rep, Phase: phase})
	c.t += length
}

// cue voices text at frame at. It returns the line's length in frames.
func (c *compiler) cue(at int64, text string, ex int, phase string, optional bool) (Cue, int64) {
	l := c.comp.line(text)
	for _, m := range l.missing {
		c.missing[m] = true
	}
	n := l.frames
	cue := Cue{At: at, End: at + n, Exercise: ex, Phase: phase, Text: text, Optional: optional}
	if len(l.pieces) > 0 {
		cue.Clips = make([]ClipAt, len(l.pieces))
		for i, p := range l.pieces {
			cue.Clips[i] = ClipAt{Phrase: p.phrase, At: at + p.offset, Frames: p.frames}
			cue.Unrecorded = cue.Unrecorded || p.unrecorded
		}
	}
	return cue, n
}

func (c *compiler) say(at int64, text string, ex int, phase string) int64 {
	cue, n := c.cue(at, text, ex, phase, false)
	if n > 0 {
		c.tl.Cues = append(c.tl.Cues, cue)
	}
	return n
}

func (c *compiler) maybe(at int64, text string, ex int, phase string) {
	if cue, n := c.cue(at, text, ex, phase, true); n > 0 {
		c.optional = append(c.optional, cue)
	}
}

// lines says texts one after another from the cursor, returning the frame
// after the last one.
func (c *compiler) lines(at int64, ex int, phase string, texts ...string) int64 {
	pause := c.frames(500 * time.Millisecond)
	for i, s := range texts {
		if i > 0 {
			at += pause
		}
		at += c.say(at, s, ex, phase)
	}
	return at
}

func (c *compiler) intro() {
	texts := []string{c.r.Title + "."}
	if c.r.Safety != "" {
		texts = append(texts, c.r.Safety)
	}
	end := c.lines(c.t, -1, PhaseIntro, texts...)
	c.segment(end-c.t+c.frames(1500*time.Millisecond), -1, -1, -1, -1, PhaseIntro)
}

// checkIn asks for a pain rating and waits a fixed time for the answer.
func (c *compiler) checkIn(phase string) {
	n := c.say(c.t, CheckInLine, -1, phase)
	c.segment(n+c.frames(CheckInTime), -1, -1, -1, -1, phase)
}

func (c *compiler) finish() {
	end := c.lines(c.t, len(c.tl.Exercises), PhaseFinish, sayFinished)
	c.segment(end-c.t+c.frames(time.Second), len(c.tl.Exercises), -1, -1, -1, PhaseFinish)
	// The finish belongs to no exercise: mark it like the intro.
	c.tl.Segments[len(c.tl.Segments)-1].Exercise = -1
	c.tl.Cues[len(c.tl.Cues)-1].Exercise = -1
}

// fitError reports a required line longer than the time it is given, once
// per exercise and phase so one slow phrase does not produce forty lines.
func (c *compiler) fitError(e *Exercise, p pos, key, where string, need, have int64) {
	if c.reported[e.ID+key] {
		return
	}
	c.reported[e.ID+key] = true
	// A line needs its pause before whatever comes next: count it in.
	over := time.Duration((need + c.frames(minGap) - have) * int64(time.Second) / c.rate).Round(10 * time.Millisecond)
	c.errs = append(c.errs, &Error{File: c.r.File, Line: p.line, Col: p.col,
		Msg: fmt.Sprintf("%s: %s: the spoken line takes %s%s but the phase lasts %s (over by %s, counting the %s pause after the line); shorten the line or lengthen the phase",
			e.ID, where, c.dur(need), c.estimated(), c.dur(have), over, minGap)})
}

// estimated notes, in a timing error about the line just said, that its
// length is an estimate.
func (c *compiler) estimated() string {
	if n := len(c.tl.Cues); n > 0 && c.tl.Cues[n-1].Unrecorded {
		return " (estimated: it is not recorded yet)"
	}
	return ""
}

func (c *compiler) dur(frames int64) string {
	return fmtDur(time.Duration(frames * int64(time.Second) / c.rate).Round(10 * time.Millisecond))
}

// timed places a required line at the start of a fixed-length segment.
func (c *compiler) timed(e *Exercise, ex int, length int64, text, phase, field string, set, side, rep int) {
	if length <= 0 {
		return
	}
	if n := c.say(c.t, text, ex, phase); n+c.frames(minGap) > length {
		c.fitError(e, c.fieldPos(e, field), phase, fmt.Sprintf("%s (%s)", phase, field), n, length)
	}
	c.segment(length, ex, set, side, rep, phase)
}

func (c *compiler) fieldPos(e *Exercise, field string) pos {
	if p, ok := e.pos[field]; ok {
		return p
	}
	return pos{}
}

// plan is an exercise resolved against the session options.
type plan struct {
	sets, reps int
	rep        []Phase
	tips       []string
	setup      []string
	sides      []Side
	alternate  bool
	switchLine string
	variant    string
	countReps  bool
	countdown  int
	halfway    bool
	announce   bool
	pace       float64
}

func (c *compiler) resolve(e *Exercise) plan {
	d := c.r.Defaults
	p := plan{sets: e.Sets, reps: e.Reps, rep: e.Rep, tips: e.Tips, setup: e.Setup, sides: e.Sides,
		alternate: e.Alternate && len(e.Sides) > 1, switchLine: e.Switch, countReps: d.CountReps,
		countdown: d.Countdown, halfway: d.Halfway, announce: d.AnnounceNext, pace: d.Pace}
	name := e.Variant
	if _, ok := e.Variants[c.opt.Variant]; ok {
		name = c.opt.Variant
	}
	if v := e.Variants[name]; v != nil {
		p.variant = name
		if v.Sets > 0 {
			p.sets = v.Sets
		}
		if v.Reps > 0 {
			p.reps = v.Reps
		}
		if len(v.Rep) > 0 {
			p.rep = v.Rep
		}
		if len(v.Tips) > 0 {
			p.tips = v.Tips
		}
		if len(v.Setup) > 0 {
			p.setup = v.Setup
		}
		if v.HasSides {
			p.sides, p.alternate = v.Sides, v.Alternate && len(v.Sides) > 1
		}
		if v.Switch != "" {
			p.switchLine = v.Switch
		}
	}
	if c.opt.Reps > 0 {
		p.reps = c.opt.Reps
	}
	if e.CountReps != nil {
		p.countReps = *e.CountReps
	}
	if e.Countdown != nil {
		p.countdown = *e.Countdown
	}
	if e.Halfway != nil {
		p.halfway = *e.Halfway
	}
	if e.AnnounceNext != nil {
		p.announce = *e.AnnounceNext
	}
	if p.pace == 0 {
		p.pace = 1
	}
	if c.opt.Pace > 0 {
		p.pace *= c.opt.Pace
	}
	return p
}

// phaseLength applies pace to movement and breathing; holds and rests are
// prescribed times and never stretch.
func (c *compiler) phaseLength(p Phase, pace float64) int64 {
	switch p.Kind {
	case Hold:
		return c.frames(c.opt.Hold.pick(p.Duration))
	case Rest:
		return c.frames(p.Duration.Default)
	}
	return c.frames(time.Duration(float64(p.Duration.Default) * pace))
}

func (c *compiler) exercise(ex, count int, e *Exercise, next *Exercise) {
	p := c.resolve(e)
	start := c.t
	ep := ExercisePlan{ID: e.ID, Name: e.Name, Start: start, Sets: p.sets, Reps: p.reps, Sides: p.sides,
		Alternate: p.alternate, Variant: p.variant, Equipment: e.Equipment, Setup: p.setup, Tips: p.tips}
	for _, ph := range p.rep {
		if ph.Kind == Hold {
			ep.Hold += c.phaseLength(ph, p.pace)
		}
	}
	if ep.Equipment == nil {
		ep.Equipment = []string{}
	}
	c.tl.Exercises = append(c.tl.Exercises, ep)

	// Setup: the name, then how to get into position.
	texts := []string{fmt.Sprintf(sayExercise, NumberWords(ex+1), NumberWords(count), e.Name)}
	texts = append(texts, p.setup...)
	if e.SpeakTips {
		texts = append(texts, p.tips...)
	}
	end := c.lines(c.t, ex, PhaseSetup, texts...)
	c.segment(end-c.t+c.frames(time.Second), ex, -1, -1, -1, PhaseSetup)

	sides := len(p.sides)
	if p.alternate {
		c.alternating(ex, e, p, next)
		sides = -1 // every side is done
	}
	for side := 0; sides >= 0 && side < max(sides, 1); side++ {
		sideIdx := -1
		if sides > 0 {
			sideIdx = side
		}
		c.ready(ex, sideIdx, e, p)
		for set := 0; set < p.sets; set++ {
			for rep := 0; rep < p.reps; rep++ {
				c.rep(ex, set, sideIdx, rep, e, p, next)
			}
			if set+1 < p.sets {
				restStart := c.t
				length := c.frames(c.r.Defaults.RestBetweenSets)
				c.timed(e, ex, length, sayRest, PhaseSetRest, "sets", set, sideIdx, -1)
				if length > 0 {
					c.maybe(restStart+c.frames(1500*time.Millisecond), fmt.Sprintf(sayNextSet, capitalize(NumberWords(set+2)), NumberWords(p.sets)), ex, PhaseSetRest)
					c.countdown(restStart, c.t, p.countdown, ex, PhaseSetRest)
				}
			}
		}
		if side+1 < sides {
			c.timed(e, ex, c.frames(c.r.Defaults.SideSwitchRest), p.switchLine, PhaseSwitch, "switch", -1, sideIdx, -1)
		}
	}
	c.tl.Exercises[ex].End = c.t

	if next != nil {
		restStart := c.t
		length := c.frames(c.r.Defaults.RestBetweenExercises)
		c.timed(e, ex, length, sayWellDone+" "+sayRest, PhaseRest, "id", -1, -1, -1)
		if length > 0 && p.announce {
			c.maybe(restStart+c.frames(2500*time.Millisecond), fmt.Sprintf(sayNextUp, next.Name), ex, PhaseRest)
		}
	}
}

// ready gives time to get into position, announces the side, and counts in.
func (c *compiler) ready(ex, side int, e *Exercise, p plan) {
	text := sayGetReady
	if side >= 0 {
		text = fmt.Sprintf(saySide, capitalize(string(p.sides[side])))
	}
	start := c.t
	n := c.say(start, text, ex, PhaseReady)
	length := max(c.frames(c.r.Defaults.GetReady), n+c.frames(minGap)+int64(p.countdown)*c.rate)
	c.segment(length, ex, -1, side, -1, PhaseReady)
	c.countdown(start, c.t, p.countdown, ex, PhaseReady)
}

// countdown offers "three", "two", "one" on the seconds before end, within
// the segment that began at start.
func (c *compiler) countdown(start, end int64, n, ex int, phase string) {
	for k := n; k >= 1; k-- {
		if at := end - int64(k)*c.rate; at > start {
			c.maybe(at, capitalize(NumberWords(k))+".", ex, phase)
		}
	}
}

func (c *compiler) rep(ex, set, side, rep int, e *Exercise, p plan, next *Exercise) {
	vars := map[string]string{
		"rep": NumberWords(rep + 1), "reps": NumberWords(p.reps),
		"set": NumberWords(set + 1), "sets": NumberWords(p.sets),
		"exercise": e.Name, "side": "",
	}
	if side >= 0 {
		vars["side"] = string(p.sides[side])
	}
	if next != nil {
		vars["next"] = next.Name
	}
	for i, ph := range p.rep {
		length := c.phaseLength(ph, p.pace)
		vars["seconds"] = NumberWords(int(math.Round(float64(length) / float64(c.rate))))
		text := expand(ph.Say, vars)
		start := c.t
		phase := string(ph.Kind)
		where := fmt.Sprintf("rep %d", rep+1)
		if side >= 0 {
			where = fmt.Sprintf("%s side, %s", p.sides[side], where)
		}
		if p.sets > 1 {
			where = fmt.Sprintf("set %d, %s", set+1, where)
		}
		where += ", phase " + phase
		if i == 0 && p.alternate {
			// Taking turns, the side is what the listener needs first.
			text = strings.TrimSpace(capitalize(string(p.sides[side])) + ". " + text)
		}
		// The count-in already marks the first rep; counting "One." right
		// after "three, two, one" would only confuse.
		if i == 0 && p.countReps && rep > 0 && (!p.alternate || side == 0) {
			count := capitalize(NumberWords(rep+1)) + "."
			if rep+1 == p.reps && p.reps > 1 {
				count = sayLastRep
			}
			// The count is optional: if it does not fit with the line, drop it.
			if cue, n := c.cue(start, strings.TrimSpace(count+" "+text), ex, phase, false); n+c.frames(minGap) <= length {
				c.tl.Cues = append(c.tl.Cues, cue)
				c.segment(length, ex, set, side, rep, phase)
				continue
			}
			c.tl.Dropped = append(c.tl.Dropped, Cue{At: start, Exercise: ex, Phase: phase, Text: count, Optional: true})
		}
		if text != "" {
			if n := c.say(start, text, ex, phase); n+c.frames(minGap) > length {
				c.fitError(e, ph.pos, fmt.Sprintf("rep/%d", i), where, n, length)
			}
		}
		c.segment(length, ex, set, side, rep, phase)
		if ph.Kind == Hold {
			if p.halfway && length >= 10*c.rate {
				c.maybe(start+length/2, sayHalfway, ex, phase)
			}
			c.countdown(start, c.t, p.countdown, ex, phase)
		}
	}
}

// alternating does an exercise whose sides take turns rep by rep: one
// count-in, then each rep on every side in turn, each turn led by its side.
func (c *compiler) alternating(ex int, e *Exercise, p plan, next *Exercise) {
	c.ready(ex, -1, e, p)
	for set := 0; set < p.sets; set++ {
		for rep := 0; rep < p.reps; rep++ {
			for side := range p.sides {
				c.rep(ex, set, side, rep, e, p, next)
			}
		}
		if set+1 < p.sets {
			restStart := c.t
			length := c.frames(c.r.Defaults.RestBetweenSets)
			c.timed(e, ex, length, sayRest, PhaseSetRest, "sets", set, -1, -1)
			if length > 0 {
				c.maybe(restStart+c.frames(1500*time.Millisecond), fmt.Sprintf(sayNextSet, capitalize(NumberWords(set+2)), NumberWords(p.sets)), ex, PhaseSetRest)
				c.countdown(restStart, c.t, p.countdown, ex, PhaseSetRest)
			}
		}
	}
}

// placeOptional adds counts and announcements wherever they fit between the
// required lines, never moving anything: a count that would overlap speech
// is dropped, not delayed. Both lists are in time order, so one merge
// places them all.
func (c *compiler) placeOptional() {
	gap := c.frames(minGap)
	req := c.tl.Cues
	sort.SliceStable(c.optional, func(i, j int) bool { return c.optional[i].At < c.optional[j].At })
	out := make([]Cue, 0, len(req)+len(c.optional))
	i := 0
	for _, o := range c.optional {
		for i < len(req) && req[i].At < o.At {
			out = append(out, req[i])
			i++
		}
		switch {
		case len(out) > 0 && out[len(out)-1].End+gap > o.At,
			i < len(req) && o.End+gap > req[i].At,
			o.At < 0 || o.End > c.t:
			c.tl.Dropped = append(c.tl.Dropped, o)
		default:
			out = append(out, o)
		}
	}
	c.tl.Cues = append(out, req[i:]...)
}

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

// Timing rules of what is said around the reps.
const (
	minGap       = 80 * time.Millisecond   // keeps two spoken lines from running into each other
	linePause    = 500 * time.Millisecond  // between lines said one after another
	readyBreath  = 700 * time.Millisecond  // after "Get ready." before the count-in
	previewDelay = 1500 * time.Millisecond // after "Well done." before what comes next
	// SpeechShare is the most of a phase speech should fill: beyond it the
	// listener has no room to move or breathe between lines.
	SpeechShare = 0.8
	// restShare is the most of a rest the preview of the next exercise
	// fills: a rest stays mostly quiet.
	restShare = 0.75
	// shortHold is the longest hold with no countdown: "Hold." and
	// "three, two, one" would fill it.
	shortHold = 5 * time.Second
)

type compiler struct {
	r        *Routine
	v        Voice
	opt      Options
	rate     int64
	tl       *Timeline
	t        int64    // the cursor: where the next segment starts
	options  []option // optional lines, placed after every required line
	comp     *composer
	preview  preview // what the rest before the next exercise said of it
	restSaid bool    // the last phase was a rest with its own line
	last     spoken  // the last phase of a rep
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
	cue := Cue{At: at, End: at + n, Exercise: ex, Phase: phase, Text: text, Optional: optional, speech: l.speech}
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

// option is an optional line, or a group of lines said whole or not at all
// (a countdown), with shorter alternatives: the first that fits is said.
// A quiet option that does not fit is not reported as dropped (the time
// left in a rest is said where it finds room, nothing more is promised).
type option struct {
	alts  [][]Cue
	quiet bool
}

// maybe offers an optional line at frame at.
func (c *compiler) maybe(at int64, text string, ex int, phase string) {
	if cue, n := c.cue(at, text, ex, phase, true); n > 0 {
		c.options = append(c.options, option{alts: [][]Cue{{cue}}})
	}
}

// offer adds an option, if it has any alternative.
func (c *compiler) offer(alts ...[]Cue) {
	if len(alts) > 0 {
		c.options = append(c.options, option{alts: alts})
	}
}

// lines says texts one after another from the cursor, returning the frame
// after the last one.
func (c *compiler) lines(at int64, ex int, phase string, texts ...string) int64 {
	pause := c.frames(linePause)
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
	said := len(c.tl.Cues)
	end := c.lines(c.t, len(c.tl.Exercises), PhaseFinish, sayFinished)
	c.segment(end-c.t+c.frames(time.Second), len(c.tl.Exercises), -1, -1, -1, PhaseFinish)
	// The finish belongs to no exercise: mark it like the intro.
	c.tl.Segments[len(c.tl.Segments)-1].Exercise = -1
	if len(c.tl.Cues) > said {
		c.tl.Cues[len(c.tl.Cues)-1].Exercise = -1
	}
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

// preview is what the rest before exercise ex said of it: from frame start
// (where the exercise now begins), its first said lines of introduction.
type preview struct {
	ex    int
	start int64
	said  int
}

// spoken is a phase and the speech in it, for the rep count that may move
// into it.
type spoken struct {
	start, length int64
	speech, end   int64 // its voice's length, and where its line ends
	phase         string
}

func (c *compiler) exercise(ex, count int, e *Exercise, next *Exercise) {
	p := c.resolve(e)
	start, said := c.t, 0
	if c.preview.ex == ex && c.preview.said > 0 {
		start, said = c.preview.start, c.preview.said
	}
	ep := ExercisePlan{ID: e.ID, Name: e.Name, Start: start, Sets: p.sets, Reps: p.reps, Sides: p.sides,
		Alternate: p.alternate, Variant: p.variant, Equipment: e.Equipment, Setup: p.setup, Tips: p.tips, Picture: e.Picture}
	for _, ph := range p.rep {
		if ph.Kind == Hold {
			ep.Hold += c.phaseLength(ph, p.pace)
		}
	}
	if ep.Equipment == nil {
		ep.Equipment = []string{}
	}
	c.tl.Exercises = append(c.tl.Exercises, ep)

	// Setup: what the rest before did not already say of the introduction.
	if texts := c.introduction(ex, count, e, p, false)[said:]; len(texts) > 0 {
		end := c.lines(c.t, ex, PhaseSetup, texts...)
		c.segment(end-c.t+c.frames(time.Second), ex, -1, -1, -1, PhaseSetup)
	}

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
				c.setRest(ex, set, sideIdx, e, p)
			}
		}
		if side+1 < sides {
			start := c.t
			c.timed(e, ex, c.frames(c.r.Defaults.SideSwitchRest), p.switchLine, PhaseSwitch, "switch", -1, sideIdx, -1)
			c.timeLeft(start, c.t, ex, PhaseSwitch)
		}
	}
	c.tl.Exercises[ex].End = c.t

	if next != nil {
		c.restBetween(ex, count, e, p, next)
	}
}

// introduction is what is said before an exercise's first rep: its name,
// what it needs, how to get into position, and its tips if they are
// spoken. In a preview, said in the rest before, the name line says that
// it comes next.
func (c *compiler) introduction(ex, count int, e *Exercise, p plan, preview bool) []string {
	line := sayExercise
	if preview {
		line = sayNextExercise
	}
	texts := []string{fmt.Sprintf(line, NumberWords(ex+1), NumberWords(count), e.Name)}
	if len(e.Equipment) > 0 {
		texts = append(texts, fmt.Sprintf(sayNeed, joinAnd(e.Equipment)))
	}
	texts = append(texts, p.setup...)
	if e.SpeakTips {
		texts = append(texts, p.tips...)
	}
	return texts
}

// joinAnd lists items the way they are said: "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// setRest rests between two sets: "Rest." (unless the rep just said it),
// which set comes, the time left, and a count-in to the next set.
func (c *compiler) setRest(ex, set, side int, e *Exercise, p plan) {
	start := c.t
	length := c.frames(c.r.Defaults.RestBetweenSets)
	if length <= 0 {
		return
	}
	nextSet := fmt.Sprintf(sayNextSet, NumberWords(set+2), NumberWords(p.sets))
	if c.restSaid {
		c.timed(e, ex, length, nextSet, PhaseSetRest, "sets", set, side, -1)
	} else {
		c.timed(e, ex, length, sayRest, PhaseSetRest, "sets", set, side, -1)
		c.maybe(start+c.frames(1500*time.Millisecond), nextSet, ex, PhaseSetRest)
	}
	c.timeLeft(start, c.t, ex, PhaseSetRest)
	c.countdown(start, c.t, p.countdown, ex, PhaseSetRest)
}

// timeLeft offers "Ten seconds.", "Twenty seconds." ... on the tens of
// seconds before end, so no rest passes in a long silence.
func (c *compiler) timeLeft(start, end int64, ex int, phase string) {
	if !c.r.Defaults.TimeLeft {
		return
	}
	for k := int64(1); end-k*10*c.rate > start; k++ {
		if cue, n := c.cue(end-k*10*c.rate, timeLeftLine(10*k), ex, phase, true); n > 0 {
			c.options = append(c.options, option{alts: [][]Cue{{cue}}, quiet: true})
		}
	}
}

func timeLeftLine(seconds int64) string {
	return capitalize(NumberWords(int(seconds))) + " seconds."
}

// restBetween rests after exercise ex and carries the listener through it:
// "Well done. Rest." (or "Well done." if the rep ended resting), then what
// comes next and what it needs, the time left, and the first setup lines,
// as far as they fit in three quarters of the rest. The preview is where
// the next exercise starts (skipping to it hears it), and its setup does
// not repeat what the preview said.
func (c *compiler) restBetween(ex, count int, e *Exercise, p plan, next *Exercise) {
	start := c.t
	length := c.frames(c.r.Defaults.RestBetweenExercises)
	if length <= 0 {
		return
	}
	end := start + length
	gap := c.frames(minGap)
	opener := sayWellDone + " " + sayRest
	if c.restSaid {
		opener = sayWellDone
	}
	n := c.say(start, opener, ex, PhaseRest)
	if n+gap > length {
		c.fitError(e, c.fieldPos(e, "id"), PhaseRest, "rest (rest_between_exercises)", n, length)
		c.segment(length, ex, -1, -1, -1, PhaseRest)
		return
	}
	// The time left, at fixed frames; lines of the preview go around them.
	var calls []Cue
	if c.r.Defaults.TimeLeft {
		for k := int64(1); end-k*10*c.rate >= start+n+gap; k++ {
			if cue, m := c.cue(end-k*10*c.rate, timeLeftLine(10*k), ex, PhaseRest, true); m > 0 && cue.End+gap <= end {
				calls = append([]Cue{cue}, calls...)
			}
		}
	}
	from := start + n + c.frames(previewDelay)
	var lines []Cue
	if p.announce && from < end {
		texts := c.introduction(ex+1, count, next, c.resolve(next), true)
		budget := int64(restShare * float64(end-from))
		var speech int64
		for _, k := range calls {
			if k.At >= from {
				speech += k.End - k.At
			}
		}
		t := from
		setup := 1 // where the lines on getting into position begin
		if len(next.Equipment) > 0 {
			setup = 2
		}
		for i, text := range texts {
			cue, m := c.cue(0, text, ex+1, PhaseRest, false)
			if i >= setup {
				// How to get into position comes near the end, after
				// "Ten seconds." if that is said, and around the time left.
				for _, k := range calls {
					if k.At == end-10*c.rate {
						t = max(t, k.End+c.frames(linePause))
					}
				}
				for _, k := range calls {
					if t < k.End+gap && k.At < t+m+gap {
						t = k.End + c.frames(linePause)
					}
				}
			}
			// A second of quiet before what follows, as after a setup.
			if m == 0 || t+m+c.rate > end || speech+m > budget {
				break
			}
			cue.At, cue.End = t, t+m
			for j := range cue.Clips {
				cue.Clips[j].At += t
			}
			lines = append(lines, cue)
			speech += m
			if i < setup {
				// What comes next goes first: the time left gives way.
				kept := calls[:0]
				for _, k := range calls {
					if !(cue.At < k.End+gap && k.At < cue.End+gap) {
						kept = append(kept, k)
					}
				}
				calls = kept
			}
			t += m + c.frames(linePause)
		}
	}
	split := end
	if len(lines) > 0 {
		split = from
		c.preview = preview{ex: ex + 1, start: from, said: len(lines)}
	}
	all := append(lines, calls...)
	sort.Slice(all, func(i, j int) bool { return all[i].At < all[j].At })
	for _, cue := range all {
		if cue.At >= split {
			cue.Exercise, cue.Phase = ex+1, PhaseUpNext
		}
		c.tl.Cues = append(c.tl.Cues, cue)
	}
	c.segment(split-start, ex, -1, -1, -1, PhaseRest)
	c.segment(end-split, ex+1, -1, -1, -1, PhaseUpNext)
}

// ready gives time to get into position, announces the side, and counts in.
func (c *compiler) ready(ex, side int, e *Exercise, p plan) {
	text := sayGetReady
	if side >= 0 {
		text = fmt.Sprintf(saySide, capitalize(string(p.sides[side])))
	}
	start := c.t
	n := c.say(start, text, ex, PhaseReady)
	length := max(c.frames(c.r.Defaults.GetReady), n+c.frames(minGap))
	if p.countdown > 0 {
		length = max(length, n+c.frames(readyBreath)+int64(p.countdown)*c.rate)
	}
	c.segment(length, ex, -1, side, -1, PhaseReady)
	c.countdown(start, c.t, p.countdown, ex, PhaseReady)
}

// countdown offers "three", "two", "one" on the seconds before end, within
// the segment that began at start: the whole count where it fits, else a
// shorter one, never a lone "One." after a count that did not fit.
func (c *compiler) countdown(start, end int64, n, ex int, phase string) {
	var alts [][]Cue
	for k := n; k >= 1 && (k >= 2 || n == 1); k-- {
		var alt []Cue
		for j := k; j >= 1; j-- {
			at := end - int64(j)*c.rate
			cue, m := c.cue(at, capitalize(NumberWords(j))+".", ex, phase, true)
			if at <= start || m == 0 {
				alt = nil
				break
			}
			alt = append(alt, cue)
		}
		if alt != nil {
			alts = append(alts, alt)
		}
	}
	c.offer(alts...)
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
	gap := c.frames(minGap)
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
		var said int64
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
			// With the line, if the two leave the phase room; else just
			// before the rep, in the end of the phase before; else with the
			// line if it fits at all (crowded: lint says so); else not at all.
			cue, n := c.cue(start, strings.TrimSpace(count+" "+text), ex, phase, false)
			lead, m := c.cue(start, count, ex, c.last.phase, true)
			at := start - gap - m
			switch {
			case n+gap <= length && float64(spokenLen(cue)) <= SpeechShare*float64(length):
			case m > 0 && at >= c.last.end+gap && float64(c.last.speech+spokenLen(lead)) <= SpeechShare*float64(c.last.length):
				lead.At, lead.End = at, at+m
				for j := range lead.Clips {
					lead.Clips[j].At += at - start
				}
				c.offer([]Cue{lead})
				n = 0
			case n+gap <= length:
			default:
				c.tl.Dropped = append(c.tl.Dropped, Cue{At: start, Exercise: ex, Phase: phase, Text: count, Optional: true})
				n = 0
			}
			if n > 0 {
				c.tl.Cues = append(c.tl.Cues, cue)
				said = spokenLen(cue)
				text = ""
			}
		}
		lineEnd := start
		if len(c.tl.Cues) > 0 {
			lineEnd = max(lineEnd, c.tl.Cues[len(c.tl.Cues)-1].End)
		}
		if text != "" {
			cue, n := c.cue(start, text, ex, phase, false)
			if n > 0 {
				c.tl.Cues = append(c.tl.Cues, cue)
			}
			if n+gap > length {
				c.fitError(e, ph.pos, fmt.Sprintf("rep/%d", i), where, n, length)
			}
			said, lineEnd = spokenLen(cue), cue.End
		}
		c.segment(length, ex, set, side, rep, phase)
		c.last = spoken{start: start, length: length, speech: said, end: lineEnd, phase: phase}
		c.restSaid = ph.Kind == Rest && said > 0
		switch ph.Kind {
		case Hold:
			if p.halfway && length >= 10*c.rate {
				c.maybe(start+length/2, sayHalfway, ex, phase)
			}
			// A countdown only where the hold leaves room: none in a short
			// hold, and at least a second of quiet after the hold's line.
			if length > c.frames(shortHold) {
				room := (length - said - c.rate) / c.rate
				c.countdown(start, c.t, int(min(int64(p.countdown), max(room, 0))), ex, phase)
			}
		case Rest:
			c.timeLeft(start, c.t, ex, phase)
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
			c.setRest(ex, set, -1, e, p)
		}
	}
}

// spokenLen is how long a cue's voice lasts: its length less the silence
// its prompts keep at their edges.
func spokenLen(c Cue) int64 {
	if c.speech > 0 {
		return c.speech
	}
	return c.End - c.At
}

// placeOptional adds counts and announcements wherever they fit between the
// required lines, never moving anything: a count that would overlap speech
// is dropped, not delayed. Options are taken in time order, so each one's
// lines land at the end of those placed, and one merge interleaves them
// with the required lines.
func (c *compiler) placeOptional() {
	gap := c.frames(minGap)
	req := c.tl.Cues
	sort.SliceStable(c.options, func(i, j int) bool { return c.options[i].alts[0][0].At < c.options[j].alts[0][0].At })
	free := func(list []Cue, o Cue) bool {
		i := sort.Search(len(list), func(i int) bool { return list[i].At >= o.At })
		return (i == 0 || list[i-1].End+gap <= o.At) && (i == len(list) || o.End+gap <= list[i].At)
	}
	var placed []Cue
	for _, opt := range c.options {
		fitted := false
		for _, alt := range opt.alts {
			fitted = true
			for _, o := range alt {
				if o.At < 0 || o.End > c.t || !free(req, o) || !free(placed, o) {
					fitted = false
					break
				}
			}
			if !fitted {
				continue
			}
			for _, o := range alt {
				placed = append(placed, o)
				for k := len(placed) - 1; k > 0 && placed[k-1].At > placed[k].At; k-- {
					placed[k-1], placed[k] = placed[k], placed[k-1]
				}
			}
			break
		}
		if !fitted && !opt.quiet {
			c.tl.Dropped = append(c.tl.Dropped, opt.alts[0]...)
		}
	}
	out := make([]Cue, 0, len(req)+len(placed))
	i, j := 0, 0
	for i < len(req) || j < len(placed) {
		if j == len(placed) || (i < len(req) && req[i].At <= placed[j].At) {
			out = append(out, req[i])
			i++
		} else {
			out = append(out, placed[j])
			j++
		}
	}
	c.tl.Cues = out
}

package coach

import "time"

// FormatVersion is the voice script format this build reads.
const FormatVersion = 1

// Routine is a program of exercises, as written in a voice script.
type Routine struct {
	File        string // where it was read from (for errors and `coach list`)
	Version     int
	ID          string
	Title       string
	Description string
	Source      string
	Safety      string
	Frequency   string // optional prescription, e.g. "once a day"
	Defaults    Defaults
	Exercises   []*Exercise

	pos    map[string]pos // where routine fields were written
	spoken []sourceText   // every text that may be spoken, where it is written
}

// sourceText is a text of the script as written (placeholders and all), so
// a problem found in a spoken line points at the line the user wrote.
type sourceText struct {
	text string
	pos  pos
}

// Defaults apply to every exercise unless the exercise overrides them.
type Defaults struct {
	RestBetweenExercises time.Duration
	RestBetweenSets      time.Duration
	SideSwitchRest       time.Duration
	GetReady             time.Duration // quiet time after setup, before the countdown
	Countdown            int           // "three, two, one" before a side starts and at the end of holds
	Pace                 float64       // stretches move and breathing phases; 1 = as written
	Halfway              bool
	AnnounceNext         bool
	CountReps            bool
	TimeLeft             bool // "Ten seconds." in rests
}

// Side is which side of the body a block of reps works.
type Side string

const (
	Left  Side = "left"
	Right Side = "right"
)

// Exercise is one exercise of a routine.
type Exercise struct {
	ID        string
	Name      string
	Equipment []string
	Setup     []string // shown, and spoken before the first rep
	Tips      []string // shown; spoken only when SpeakTips
	Image     string   // a picture of the exercise: a file beside the script, as written
	Picture   *Picture // its content, checked when the script was read from a folder
	SpeakTips bool
	Sets      int
	Reps      int
	Sides     []Side // empty, one side, or both in the order they are done
	Alternate bool   // sides take turns rep by rep instead of a block each
	Switch    string // said when changing sides
	Rep       []Phase
	Variant   string // the variant used unless the session picks another
	Variants  map[string]*Variant
	// Counting options; nil means "use the routine default".
	CountReps    *bool
	Countdown    *int
	Halfway      *bool
	AnnounceNext *bool

	pos map[string]pos // where fields were written, for compile-time errors
}

// Variant is an alternative way to do an exercise (the handout's "hold the
// stretch instead" version of open books). Zero fields keep the exercise's.
type Variant struct {
	Name        string
	Description string
	Sets        int
	Reps        int
	Rep         []Phase
	Tips        []string
	Setup       []string
	Switch      string
	// HasSides says the variant sets its own sides (which may be none).
	HasSides  bool
	Sides     []Side
	Alternate bool
}

// PhaseKind is what the body does in a timed part of a rep.
type PhaseKind string

const (
	Move       PhaseKind = "move"
	Hold       PhaseKind = "hold"
	BreatheIn  PhaseKind = "breathe-in"
	BreatheOut PhaseKind = "breathe-out"
	Release    PhaseKind = "release"
	Rest       PhaseKind = "rest"
)

var phaseKinds = []string{string(Move), string(Hold), string(BreatheIn), string(BreatheOut), string(Release), string(Rest)}

// Phase is a timed part of a rep: its length runs from its onset to the next
// phase's onset, and Say is spoken at its onset.
type Phase struct {
	Kind     PhaseKind
	Duration Span
	Say      string
	pos      pos
}

type pos struct{ line, col int }

// Picture is an exercise's image as the page serves it.
type Picture struct {
	Name        string // the page's address for it: images/<exercise id><ext>
	ContentType string
	Data        []byte
}

package coach

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

var ones = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
var tens = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}

// NumberWords spells n (0-999) the way the pack's number prompts are keyed:
// "twenty-one", "six hundred", "one hundred and five". Holds and counts up to
// ten minutes can be said.
func NumberWords(n int) string {
	switch {
	case n < 0 || n > 999:
		return fmt.Sprint(n)
	case n >= 100 && n%100 == 0:
		return ones[n/100] + " hundred"
	case n >= 100:
		return ones[n/100] + " hundred and " + NumberWords(n%100)
	case n < 20:
		return ones[n]
	case n%10 == 0:
		return tens[n/10]
	default:
		return tens[n/10] + "-" + ones[n%10]
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Fixed lines the compiler says itself; the pack must voice them.
const (
	sayRest     = "Rest."
	sayWellDone = "Well done."
	sayFinished = "That's the end of the session. Well done."
	sayExercise = "Exercise %s of %s: %s."
	// sayNextExercise introduces an exercise in the rest before it.
	sayNextExercise = "Next up, exercise %s of %s: %s."
	sayNeed         = "You'll need %s."
	saySide         = "%s side."
	sayHalfway      = "Halfway."
	sayNextSet      = "Set %s of %s."
	sayLastRep      = "Last one."
	// CheckInLine asks for a pain rating before and after a session.
	CheckInLine = "How is your pain right now, from zero to ten?"
	// PainLine is said when a person reports pain: the handout's one rule.
	PainLine      = "Stop this exercise now. Rest, and move on only if it eases. If the pain stays, see your clinician."
	sayGetReady   = "Get ready."
	sayPaused     = "Paused."
	sayResumed    = "Resuming."
	sayCountUnits = 99 // numbers the pack voices whole; larger ones are composed with "hundred"
)

// Vocabulary is the generic part of every pack: what the compiler composes
// lines from, independent of any routine.
func Vocabulary() []string {
	v := []string{sayRest, sayWellDone, "That's the end of the session.", "Next up", sayHalfway, sayLastRep,
		"Exercise", "of", "Set", "Left side.", "Right side.", "Change sides.", sayGetReady,
		"Breathe in.", "Breathe out.", "Hold.", "Release.", "Relax.", "Begin.", sayPaused, sayResumed,
		PainLine, CheckInLine, "Thank you.", "You'll need",
		"seconds", "hundred"}
	for n := 10; n <= 60; n += 10 {
		v = append(v, timeLeftLine(int64(n)))
	}
	for n := 1; n <= sayCountUnits; n++ {
		v = append(v, capitalize(NumberWords(n)))
	}
	v = append(v, strings.Fields(commonWords)...)
	// A pack holds clauses, split the way the compiler splits lines.
	var out []string
	for _, line := range v {
		for _, c := range splitClauses(line) {
			out = append(out, c.text)
		}
	}
	return out
}

// commonWords lets a new routine be voiced before its own prompts are
// recorded: any line made of these words can be said word by word (less
// fluently than a recorded phrase; `coach voice bake` makes that).
const commonWords = `
a about above across after again against all along and any arm arms as at away
back backward backwards ball band be behind belly bend bent between body both bottom breathe
bring by calf chair chest chin close come comfortable control controlled
core corner count curl deep door down ease easily easy elbow elbows even
exercise eyes face feel feet floor foot for forehead forward from gently
glutes hand hands head heel heels here hip hips hold hurts if in inside into it
keep knee knees lean left leg legs let level lie lift long low lower lying
make mat middle move movement neck next nod normal now of off on one open or
other out over palm palms pelvis pillow place position press pull push
raise ready reach relax repeat rest return ribs right roll rotate round seat shoulder
shoulders side sides sit sitting slow slowly small spine squeeze stand
standing start stay step stop straight stretch stretches table tall that the then
thigh thighs tilt to toe toes together top touch towards towel tuck turn twist under
until up upper wall weight weights where while wide with wrist wrists you your
`

// clause is one comma- or sentence-delimited piece of a spoken line, with the
// pause that follows it.
type clause struct {
	text  string
	pause pauseKind
}

type pauseKind int

const (
	pauseWord     pauseKind = iota // between clips inside a clause
	pauseComma                     // after , ; :
	pauseSentence                  // after . ! ?
)

// splitClauses breaks a line at punctuation: "Next up: child's pose." is
// ["Next up", "child's pose"]. Apostrophes and hyphens inside words stay.
func splitClauses(line string) []clause {
	var out []clause
	var b strings.Builder
	flush := func(p pauseKind) {
		if t := strings.TrimSpace(b.String()); t != "" && Key(t) != "" {
			out = append(out, clause{t, p})
		}
		b.Reset()
	}
	rs := []rune(line)
	for i, r := range rs {
		next := ' '
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch {
		case strings.ContainsRune(",;:", r) && (next == ' ' || i+1 == len(rs)):
			flush(pauseComma)
		case strings.ContainsRune(".!?", r) && (next == ' ' || next == '"' || i+1 == len(rs)):
			flush(pauseSentence)
		default:
			b.WriteRune(r)
		}
	}
	flush(pauseSentence)
	return out
}

// Voice is what the compiler needs of a voice pack: its rate and how long
// each phrase's clip is. *voice.Pack satisfies it.
type Voice interface {
	Rate() int
	Frames(phrase string) (int, bool)
}

// A Voice may also say how many words its longest prompt has: the composer
// never looks up a longer run of words, so composing a line costs its
// length times that bound, not its length cubed.
type phraseLimiter interface{ LongestPhrase() int }

// A Voice may also say where the voice in a prompt starts and ends (frames
// from the clip's start). Composed words then join at their speech, so the
// silent margins a pack keeps around each prompt (to keep whole words) do
// not turn into gaps inside a line.
type speechBounder interface {
	Speech(phrase string) (start, end int, ok bool)
}

const (
	// defaultLongest bounds runs of words for a Voice that does not say;
	// no prompt of at most 8 seconds holds more.
	defaultLongest = 32
	// Pauses between clauses, from the end of one's speech to the start of
	// the next: about what a speaker leaves at a comma and a full stop.
	commaPause    = 180 * time.Millisecond
	sentencePause = 320 * time.Millisecond
)

// piece is one clip of a line, relative to the line's start.
type piece struct {
	phrase     string
	offset     int64
	frames     int
	unrecorded bool // not in the pack: frames is an estimate
}

// voiced is a line turned into clips.
type voiced struct {
	pieces  []piece
	frames  int64    // from the first clip's start to the last one's end
	speech  int64    // from the first clip's voice to the last voice: what is heard
	missing []string // clauses the pack cannot say
}

// composer turns lines into clips and remembers each distinct line: a
// session says the same few lines hundreds of times.
type composer struct {
	v       Voice
	rate    int64
	longest int
	bounds  speechBounder
	est     func(string) int // lengths of clauses no pack can say yet; nil: leave them out
	memo    map[string]*voiced
}

func newComposer(v Voice, est func(string) int) *composer {
	c := &composer{v: v, rate: int64(v.Rate()), longest: defaultLongest, est: est, memo: map[string]*voiced{}}
	if l, ok := v.(phraseLimiter); ok {
		c.longest = l.LongestPhrase()
	}
	c.bounds, _ = v.(speechBounder)
	return c
}

// line voices a line: each clause is one prompt if the pack has it, else
// the longest runs of words the pack has ("Exercise two of five" from
// "exercise", "two", "of", "five"). Words of one clause follow each other
// with no pause between their speech; clauses are separated by a comma's
// or a full stop's pause.
func (c *composer) line(text string) *voiced {
	if v, ok := c.memo[text]; ok {
		return v
	}
	v := &voiced{}
	var end int64   // where the previous piece's speech ends
	var pause int64 // the pause owed before the next clause
	first := int64(-1)
	for _, cl := range splitClauses(text) {
		got, ok := c.clause(cl.text)
		if !ok {
			v.missing = append(v.missing, strings.TrimSpace(cl.text))
			if c.est == nil {
				continue
			}
			// Placed whole at an estimated length until it is recorded.
			got = []piece{{phrase: Key(cl.text), frames: c.est(cl.text), unrecorded: true}}
		}
		for k, p := range got {
			start, stop := c.speech(p)
			if len(v.pieces) > 0 {
				gap := int64(0)
				if k == 0 {
					gap = pause
				}
				// Never before the previous clip: clips stay in order.
				p.offset = max(v.pieces[len(v.pieces)-1].offset, end+gap-int64(start))
			}
			if first < 0 {
				first = p.offset + int64(start)
			}
			end = max(end, p.offset+int64(stop))
			v.speech = end - first
			v.frames = max(v.frames, p.offset+int64(p.frames))
			v.pieces = append(v.pieces, p)
		}
		pause = c.frames(commaPause)
		if cl.pause == pauseSentence {
			pause = c.frames(sentencePause)
		}
	}
	c.memo[text] = v
	return v
}

func (c *composer) frames(d time.Duration) int64 {
	return int64(d) * c.rate / int64(time.Second)
}

// speech is where the voice of p starts and ends within its clip.
func (c *composer) speech(p piece) (int, int) {
	if c.bounds != nil {
		if s, e, ok := c.bounds.Speech(p.phrase); ok && 0 <= s && s <= e && e <= p.frames {
			return s, e
		}
	}
	return 0, p.frames
}

// clause finds the prompts for one clause, longest runs of words first, each
// run at most c.longest words.
func (c *composer) clause(text string) ([]piece, bool) {
	key := Key(text)
	// Key separates words by exactly one space, so a run of words is a
	// substring of key: no joining, no allocation per lookup.
	var starts, ends []int
	for i := 0; i < len(key); {
		j := strings.IndexByte(key[i:], ' ')
		if j < 0 {
			j = len(key) - i
		}
		starts, ends = append(starts, i), append(ends, i+j)
		i += j + 1
	}
	if len(starts) == 0 {
		return nil, false
	}
	var got []piece
	for i := 0; i < len(starts); {
		j := min(len(starts), i+c.longest)
		for ; j > i; j-- {
			phrase := key[starts[i]:ends[j-1]]
			if n, ok := c.v.Frames(phrase); ok {
				got = append(got, piece{phrase: phrase, frames: n})
				break
			}
		}
		if j == i {
			return nil, false
		}
		i = j
	}
	return got, true
}

// voiceLine voices one line outside a compile, adding the clauses the pack
// cannot say to missing; with est, they are placed whole at an estimated
// length.
func voiceLine(v Voice, line string, missing map[string]bool, est func(string) int) ([]piece, int64) {
	l := newComposer(v, est).line(line)
	for _, m := range l.missing {
		missing[m] = true
	}
	if len(l.pieces) == 0 {
		return nil, 0
	}
	return l.pieces, l.frames
}

// Anything in braces is a placeholder, so {Rep} or {rep } is caught at load
// instead of being spoken.
var placeholder = regexp.MustCompile(`\{([^{}]*)\}`)

var placeholders = []string{"rep", "reps", "set", "sets", "side", "exercise", "next", "seconds"}

// expand fills {rep}, {reps}, {set}, {sets}, {side}, {exercise}, {next} and
// {seconds}; numbers are spelt as words so the pack's number prompts say them.
func expand(s string, vars map[string]string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vars[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// checkPlaceholders reports an unknown {name} in a spoken line, and its
// byte offset: a misspelt placeholder would otherwise be spoken aloud.
func checkPlaceholders(s string) (int, error) {
	for _, m := range placeholder.FindAllStringSubmatchIndex(s, -1) {
		name := s[m[2]:m[3]]
		if contains(placeholders, name) {
			continue
		}
		hint := ""
		if c := strings.ToLower(strings.TrimSpace(name)); contains(placeholders, c) {
			hint = fmt.Sprintf(" (did you mean {%s}?)", c)
		} else if c := closest(name, placeholders); c != "" {
			hint = fmt.Sprintf(" (did you mean {%s}?)", c)
		}
		// A name that would not print as itself (a newline, an escape) is
		// quoted: an error is one line, and never acts on a terminal.
		shown := "{" + name + "}"
		if q := strconv.Quote(shown); q[1:len(q)-1] != shown {
			shown = q
		}
		return m[0], fmt.Errorf("unknown placeholder %s%s; the placeholders are {%s}", shown, hint, strings.Join(placeholders, "}, {"))
	}
	return 0, nil
}

// MissingPhrasesError lists every clause of a routine that no pack can say.
type MissingPhrasesError struct {
	Routine string
	File    string // the script, so the hint names what `coach voice bake` can find
	Phrases []string
}

func (e *MissingPhrasesError) Error() string {
	arg := e.File
	if arg == "" || strings.HasPrefix(arg, BuiltinPrefix) {
		arg = e.Routine
	}
	return fmt.Sprintf("%s: the voice pack has no prompt for %d phrase(s): %s (record them with: coach voice bake %s)",
		e.Routine, len(e.Phrases), quoteList(e.Phrases), arg)
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func asMissing(err error, target **MissingPhrasesError) bool {
	m, ok := err.(*MissingPhrasesError)
	if ok {
		*target = m
	}
	return ok
}

// CanSay reports whether v can voice a line, whole or word by word.
func CanSay(v Voice, line string) bool {
	missing := map[string]bool{}
	voiceLine(v, line, missing, nil)
	return len(missing) == 0
}

// Line voices one line outside any timeline (an interjection): its clips
// at frames from 0, and its length.
func Line(v Voice, text string) ([]ClipAt, int64, error) {
	missing := map[string]bool{}
	pieces, n := voiceLine(v, text, missing, nil)
	if len(missing) > 0 {
		return nil, 0, fmt.Errorf("the voice pack cannot say %s", quoteList(sortedKeys(missing)))
	}
	out := make([]ClipAt, len(pieces))
	for i, p := range pieces {
		out[i] = ClipAt{Phrase: p.phrase, At: p.offset, Frames: p.frames}
	}
	return out, n, nil
}

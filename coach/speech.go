package coach

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
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
	sayNextUp   = "Next up: %s."
	sayExercise = "Exercise %s of %s: %s."
	saySide     = "%s side."
	sayHalfway  = "Halfway."
	sayNextSet  = "Set %s of %s."
	sayLastRep  = "Last one."
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
		PainLine, CheckInLine, "Thank you.",
		"seconds", "hundred"}
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

// piece is one clip of a line, relative to the line's start.
type piece struct {
	phrase     string
	offset     int64
	frames     int
	unrecorded bool // not in the pack: frames is an estimate
}

// voiceLine turns a line into clips: each clause is one prompt if the pack
// has it, else the longest runs of words the pack has ("Exercise two of
// five" from "exercise", "two", "of", "five"). Clauses the pack cannot say
// are added to missing; with est, they are placed whole at an estimated
// length.
func voiceLine(v Voice, line string, missing map[string]bool, est func(string) int) ([]piece, int64) {
	rate := int64(v.Rate())
	gap := [...]int64{rate * 40 / 1000, rate * 150 / 1000, rate * 300 / 1000}
	var out []piece
	var t int64
	for ci, c := range splitClauses(line) {
		words := strings.Fields(Key(c.text))
		var got []piece
		ok := true
		for i := 0; i < len(words); {
			j := len(words)
			for ; j > i; j-- {
				if n, has := v.Frames(strings.Join(words[i:j], " ")); has {
					got = append(got, piece{phrase: strings.Join(words[i:j], " "), frames: n})
					break
				}
			}
			if j == i {
				ok = false
				break
			}
			i = j
		}
		if !ok {
			missing[strings.TrimSpace(c.text)] = true
			if est == nil {
				continue
			}
			got = []piece{{phrase: Key(c.text), frames: est(c.text), unrecorded: true}}
		}
		for k, p := range got {
			if k > 0 {
				t += gap[pauseWord]
			}
			p.offset = t
			out = append(out, p)
			t += int64(p.frames)
		}
		_ = ci
		t += gap[c.pause]
	}
	if len(out) == 0 {
		return nil, 0
	}
	// The trailing pause is not part of the line's length.
	last := out[len(out)-1]
	return out, last.offset + int64(last.frames)
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
		return m[0], fmt.Errorf("unknown placeholder {%s}%s; the placeholders are {%s}", name, hint, strings.Join(placeholders, "}, {"))
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

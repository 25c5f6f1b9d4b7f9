package coach

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// The --pace range coach supports. validate checks a script at both ends,
// so a script that validates runs at any pace in the range.
const (
	MinPace = 0.75
	MaxPace = 2.0
)

// phraseLister is a pack that can list its phrases: the speaking rate for
// estimates and the close phrases validate suggests come from them.
type phraseLister interface {
	Phrases() []string
}

// Speaking rate of the default pack (festival's HTS voice), measured by a
// least-squares fit of clip length on letters over its 358 prompts: used
// when a pack cannot list its phrases or has too few to fit.
const (
	estimateBase      = 0.331  // seconds (the pack keeps whole words: margins)
	estimatePerLetter = 0.0646 // seconds
)

type estimator struct {
	rate            float64
	base, perLetter float64
}

// newEstimator fits length = base + perLetter × letters on v's own prompts,
// so an estimate speaks at the pack's pace.
func newEstimator(v Voice) *estimator {
	e := &estimator{rate: float64(v.Rate()), base: estimateBase, perLetter: estimatePerLetter}
	pl, ok := v.(phraseLister)
	if !ok {
		return e
	}
	var n, sx, sy, sxx, sxy float64
	for _, p := range pl.Phrases() {
		f, ok := v.Frames(p)
		if !ok {
			continue
		}
		x, y := float64(letters(p)), float64(f)/e.rate
		n, sx, sy, sxx, sxy = n+1, sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	if n < 20 || n*sxx-sx*sx == 0 {
		return e
	}
	b := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	a := (sy - b*sx) / n
	if b > 0.02 && b < 0.3 && a > -0.1 && a < 1 {
		e.base, e.perLetter = max(a, 0), b
	}
	return e
}

func (e *estimator) frames(clause string) int {
	return int((e.base + e.perLetter*float64(letters(clause))) * e.rate)
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// checkHold refuses a fixed --hold outside a hold's prescribed range: the
// clinician's range is the prescription, and leaving it is a choice the
// person makes explicitly (ForceHold).
func (c *compiler) checkHold(exercises []*Exercise) error {
	h := c.opt.Hold
	if h.Mode != "fixed" || c.opt.ForceHold {
		return nil
	}
	for _, e := range exercises {
		for _, ph := range c.resolve(e).rep {
			if ph.Kind != Hold || (h.Fixed >= ph.Duration.Min && h.Fixed <= ph.Duration.Max) {
				continue
			}
			want := fmtDur(ph.Duration.Min)
			if ph.Duration.IsRange() {
				want += " to " + fmtDur(ph.Duration.Max)
			}
			return fmt.Errorf("--hold %s is outside the %s hold prescribed for %s (%s:%d:%d); choose within it (or min, max), or add --force to hold %s anyway",
				fmtDur(h.Fixed), want, e.ID, c.r.File, ph.pos.line, ph.pos.col, fmtDur(h.Fixed))
		}
	}
	return nil
}

// Trial is one way a script can be run, as validate tries it.
type Trial struct {
	Options Options
	Flags   string // how a person asks for it: "--hold max"; "" for the default
}

// Trials lists the sessions validate compiles: for each variant, the
// script as written, the min and max of every hold range, both ends of the
// --pace range, both ends of --reps, and all the tightest at once (shortest
// phases, longest counts). A script that passes them all runs with any of
// these options. Each trial keeps only the exercises it can change (--reps
// changes only lines that say {rep} or {reps}; a count that does not fit is
// dropped, never an error), so a long script is not compiled forty times
// whole.
func Trials(r *Routine) []Trial {
	variants := []string{""}
	var ranged, counted []string // exercises with a hold range; saying {rep} or {reps}
	usesNext := false
	for _, e := range r.Exercises {
		reps := [][]Phase{e.Rep}
		for name, v := range e.Variants {
			if !contains(variants, name) {
				variants = append(variants, name)
			}
			reps = append(reps, v.Rep)
		}
		hasRange, hasCount := false, false
		for _, rep := range reps {
			for _, p := range rep {
				hasRange = hasRange || (p.Kind == Hold && p.Duration.IsRange())
				hasCount = hasCount || strings.Contains(p.Say, "{rep}") || strings.Contains(p.Say, "{reps}")
				usesNext = usesNext || strings.Contains(p.Say, "{next}")
			}
		}
		if hasRange {
			ranged = append(ranged, e.ID)
		}
		if hasCount {
			counted = append(counted, e.ID)
		}
	}
	sort.Strings(variants[1:])
	// only narrows a trial to the exercises in all the given sets (nil: any);
	// ok is false when none is left. With {next}, an exercise's lines depend
	// on its neighbour, so nothing is narrowed.
	only := func(sets ...[]string) ([]string, bool) {
		var keep []string
		for _, e := range r.Exercises {
			in := true
			for _, set := range sets {
				in = in && (set == nil || contains(set, e.ID))
			}
			if in {
				keep = append(keep, e.ID)
			}
		}
		if len(keep) == 0 {
			return nil, false
		}
		if usesNext || len(keep) == len(r.Exercises) {
			return nil, true
		}
		return keep, true
	}
	type tweak struct {
		flags string
		set   []string // the exercises it can change; nil: all
		apply func(*Options)
	}
	tweaks := []tweak{{"", nil, func(*Options) {}}}
	if len(ranged) > 0 {
		tweaks = append(tweaks,
			tweak{"--hold min", ranged, func(o *Options) { o.Hold = HoldChoice{Mode: "min"} }},
			tweak{"--hold max", ranged, func(o *Options) { o.Hold = HoldChoice{Mode: "max"} }})
	}
	tweaks = append(tweaks,
		tweak{fmt.Sprintf("--pace %g", MinPace), nil, func(o *Options) { o.Pace = MinPace }},
		tweak{fmt.Sprintf("--pace %g", MaxPace), nil, func(o *Options) { o.Pace = MaxPace }})
	if len(counted) > 0 {
		tweaks = append(tweaks,
			tweak{"--reps 1", counted, func(o *Options) { o.Reps = 1 }},
			tweak{fmt.Sprintf("--reps %d", maxReps), counted, func(o *Options) { o.Reps = maxReps }},
			tweak{fmt.Sprintf("--hold min --pace %g --reps %d", MinPace, maxReps), counted, func(o *Options) {
				o.Hold, o.Pace, o.Reps = HoldChoice{Mode: "min"}, MinPace, maxReps
			}})
	}
	var out []Trial
	for _, v := range variants {
		var having []string // the exercises the variant applies to
		if v != "" {
			for _, e := range r.Exercises {
				if _, ok := e.Variants[v]; ok {
					having = append(having, e.ID)
				}
			}
		}
		for _, t := range tweaks {
			keep, ok := only(having, t.set)
			if !ok {
				continue
			}
			s := Trial{Options: Options{Variant: v, Only: keep}, Flags: t.flags}
			t.apply(&s.Options)
			if v != "" {
				s.Flags = strings.TrimSpace("--variant " + v + " " + t.flags)
			}
			out = append(out, s)
		}
	}
	return out
}

// Report is everything Check finds in a script.
type Report struct {
	Errors     ErrorList    // the script cannot be run as it is
	Warnings   ErrorList    // it runs, but not quite as written
	Unrecorded []Unrecorded // lines no pack can say yet
}

// Unrecorded is a clause no pack can say yet, with what is needed to say it.
type Unrecorded struct {
	Clause  string   // what to record: "Tuck your chin in", or "rep" for "rep {rep}"
	Example string   // a line it is said in, when that differs from Clause
	Words   []string // its words that no pack has at all
	Close   []string // phrases the packs have that come close
	Line    int      // where the line that says it is written
	Col     int
	Written string // that line as written, placeholders and all
	Flags   string // the first session that says it ("" = as written)
}

// Check compiles every session the script can produce (see Trials)
// against v, placing unrecorded lines at an estimated length, and reports
// what would stop a session, what would be said differently from what is
// written, and what is still to be recorded.
func Check(r *Routine, v Voice) *Report {
	rep := &Report{}
	seenErr := map[pos]bool{}
	seenClause := map[string]bool{}
	numbers := numberWords()
	for _, s := range Trials(r) {
		opt := s.Options
		opt.Estimate = true
		tl, err := Compile(r, v, opt)
		if err != nil {
			for _, e := range asErrorList(err, r.File) {
				p := pos{e.Line, e.Col}
				if seenErr[p] {
					continue
				}
				seenErr[p] = true
				if s.Flags != "" {
					e.Msg = fmt.Sprintf("with %s: %s", s.Flags, e.Msg)
				}
				rep.Errors = append(rep.Errors, e)
			}
			continue
		}
		for _, said := range tl.Unrecorded {
			for _, clause := range r.recordingsOf(v, said) {
				if seenClause[clause] {
					continue
				}
				seenClause[clause] = true
				u := r.describe(v, clause, said)
				u.Flags = s.Flags
				for _, w := range u.Words {
					if numbers[w] {
						// Numbers are the pack's vocabulary, never recorded per
						// routine: a pack that cannot say one is incomplete.
						e := &Error{File: r.File, Line: u.Line, Col: u.Col,
							Msg: fmt.Sprintf("the voice pack cannot say the number %q in %q%s; numbers come from the pack (rebuild it with make voices)", w, u.Clause, withFlags(s.Flags))}
						if !seenErr[pos{e.Line, e.Col}] {
							seenErr[pos{e.Line, e.Col}] = true
							rep.Errors = append(rep.Errors, e)
						}
					}
				}
				rep.Unrecorded = append(rep.Unrecorded, u)
			}
		}
		if s.Options.Hold.Mode == "" && s.Options.Pace == 0 && s.Options.Reps == 0 {
			// Drops and lint concern the script as written (each variant).
			rep.Warnings = append(rep.Warnings, r.dropWarnings(tl, s.Flags)...)
			for _, e := range asErrorList(Lint(r, tl), r.File) {
				if strings.HasPrefix(e.Msg, "warning") {
					rep.Warnings = append(rep.Warnings, e)
					continue
				}
				if !seenErr[pos{e.Line, e.Col}] {
					seenErr[pos{e.Line, e.Col}] = true
					rep.Errors = append(rep.Errors, e)
				}
			}
		}
	}
	rep.Errors = rep.Errors.sorted()
	rep.Warnings = dedupe(rep.Warnings).sorted()
	sort.SliceStable(rep.Unrecorded, func(i, j int) bool {
		a, b := rep.Unrecorded[i], rep.Unrecorded[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return rep
}

func withFlags(flags string) string {
	if flags == "" {
		return ""
	}
	return " (with " + flags + ")"
}

func dedupe(l ErrorList) ErrorList {
	seen := map[string]bool{}
	var out ErrorList
	for _, e := range l {
		if k := e.Error(); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// asErrorList turns any compile error into located problems.
func asErrorList(err error, file string) ErrorList {
	if err == nil {
		return nil
	}
	if l, ok := err.(ErrorList); ok {
		return l
	}
	return ErrorList{{File: file, Line: 1, Col: 1, Msg: err.Error()}}
}

func numberWords() map[string]bool {
	m := map[string]bool{"hundred": true}
	for n := 0; n <= sayCountUnits; n++ {
		m[NumberWords(n)] = true
	}
	return m
}

// dropWarnings says, once per exercise and phase, which optional lines
// found no room.
func (r *Routine) dropWarnings(tl *Timeline, flags string) ErrorList {
	type key struct {
		ex    int
		phase string
	}
	texts := map[key][]string{}
	count := map[key]int{}
	var order []key
	for _, d := range tl.Dropped {
		k := key{d.Exercise, d.Phase}
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
		if !contains(texts[k], d.Text) {
			texts[k] = append(texts[k], d.Text)
		}
	}
	var out ErrorList
	for _, k := range order {
		p, what := r.pos["title"], "the session"
		if k.ex >= 0 && k.ex < len(tl.Exercises) {
			id := tl.Exercises[k.ex].ID
			what = id
			if e := r.exercise(id); e != nil {
				p = e.phasePos(k.phase, tl.Exercises[k.ex].Variant)
			}
		}
		q := make([]string, len(texts[k]))
		for i, t := range texts[k] {
			q[i] = fmt.Sprintf("%q", t)
		}
		times := "once"
		if count[k] > 1 {
			times = fmt.Sprintf("%d times", count[k])
		}
		out = append(out, &Error{File: r.File, Line: p.line, Col: p.col, Msg: fmt.Sprintf(
			"warning: %s: %s in the %s phase: no room beside the other speech, so it is not said (%s)%s; lengthen the phase or shorten its line to hear it",
			what, strings.Join(q, ", "), k.phase, times, withFlags(flags))})
	}
	return out
}

func (r *Routine) exercise(id string) *Exercise {
	for _, e := range r.Exercises {
		if e.ID == id {
			return e
		}
	}
	return nil
}

// phasePos is where the first phase of a kind is written (in the variant's
// rep if it has one), else where the exercise starts.
func (e *Exercise) phasePos(kind, variant string) pos {
	rep := e.Rep
	if v := e.Variants[variant]; v != nil && len(v.Rep) > 0 {
		rep = v.Rep
	}
	for _, p := range rep {
		if string(p.Kind) == kind {
			return p.pos
		}
	}
	if p, ok := e.pos["id"]; ok {
		return p
	}
	return pos{1, 1}
}

// Pos is where a routine field (id, title, ...) is written; 0, 0 if not.
func (r *Routine) Pos(field string) (line, col int) {
	p := r.pos[field]
	return p.line, p.col
}

// describe finds where an unrecorded clause is written, which of its words
// no pack has, and the phrases the pack has that come close.
func (r *Routine) describe(v Voice, clause, said string) Unrecorded {
	u := Unrecorded{Clause: clause, Line: 1, Col: 1}
	if clause != said {
		u.Example = said
	}
	if st, _, ok := r.locate(said); ok {
		u.Line, u.Col, u.Written = st.pos.line, st.pos.col, st.text
	}
	words := strings.Fields(Key(clause))
	var packWords, packPhrases []string
	if pl, ok := v.(phraseLister); ok {
		for _, p := range pl.Phrases() {
			if strings.Contains(p, " ") {
				packPhrases = append(packPhrases, p)
			} else {
				packWords = append(packWords, p)
			}
		}
	}
	for _, w := range words {
		if _, ok := v.Frames(w); ok {
			continue
		}
		if !contains(u.Words, w) {
			u.Words = append(u.Words, w)
		}
		if c := stem(w, packWords); c != "" && !contains(u.Close, c) {
			u.Close = append(u.Close, c)
		}
	}
	// Recorded phrases whose words the clause has in the same order but not
	// together ("arms by your sides" in "let your arms hang by your
	// sides"), longest first: wordings the pack already says whole.
	var within []string
	for _, p := range packPhrases {
		if subsequence(strings.Fields(p), words) && !strings.Contains(" "+strings.Join(words, " ")+" ", " "+p+" ") {
			within = append(within, p)
		}
	}
	sort.SliceStable(within, func(i, j int) bool { return len(within[i]) > len(within[j]) })
	u.Close = append(u.Close, within[:min(len(within), 3)]...)
	return u
}

// subsequence reports whether sub's words appear in words, in order.
func subsequence(sub, words []string) bool {
	i := 0
	for _, w := range words {
		if i < len(sub) && sub[i] == w {
			i++
		}
	}
	return i == len(sub)
}

// stem finds the pack's word that w is a form of ("tucks", "tucked" →
// "tuck"), or one letter away from a long word; plain edit distance on
// short words suggests nonsense ("like" → "lie").
func stem(w string, words []string) string {
	best := ""
	for _, c := range words {
		if len(c) >= 3 && len(c) > len(best) && strings.HasPrefix(w, c) && len(w)-len(c) <= 3 {
			best = c
		}
	}
	if best == "" && len(w) >= 5 {
		for _, c := range words {
			if editDistance(w, c) == 1 {
				return c
			}
		}
	}
	return best
}

// locate finds the script text a spoken clause comes from: the one whose
// clause matches it exactly, else the best placeholder template.
func (r *Routine) locate(clause string) (sourceText, string, bool) {
	key := Key(clause)
	var best sourceText
	var bestClause string
	bestScore := -1
	for _, st := range r.spoken {
		for _, tc := range splitClauses(st.text) {
			if score, ok := matchClause(tc.text, key); ok && score > bestScore {
				best, bestClause, bestScore = st, tc.text, score
			}
		}
	}
	return best, bestClause, bestScore >= 0
}

// Recordings turns clauses no pack can say into what to record: a clause
// said from a line with placeholders records the line's own words once
// ("rep" of "rep {rep}"), which the compiler then composes with every
// number, instead of one prompt per number.
func (r *Routine) Recordings(v Voice, clauses []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range clauses {
		for _, u := range r.recordingsOf(v, c) {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (r *Routine) recordingsOf(v Voice, said string) []string {
	_, template, ok := r.locate(said)
	if !ok || !placeholder.MatchString(template) {
		return []string{said}
	}
	var out []string
	for _, part := range placeholder.Split(template, -1) {
		if part = strings.TrimSpace(part); Key(part) != "" && !CanSay(v, part) {
			out = append(out, part)
		}
	}
	if len(out) == 0 {
		// The words are there; what is new came in with a placeholder.
		return []string{said}
	}
	return out
}

// matchClause matches a clause as written (with placeholders) against a
// said one, scoring exact matches highest, then by literal characters.
func matchClause(template, key string) (int, bool) {
	if !placeholder.MatchString(template) {
		return 1 << 30, Key(template) == key
	}
	var b strings.Builder
	b.WriteString("^")
	lit := 0
	for i, part := range placeholder.Split(template, -1) {
		if i > 0 {
			b.WriteString(`\s*.+?\s*`)
		}
		k := Key(part)
		lit += len(k)
		b.WriteString(regexp.QuoteMeta(k))
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil || !re.MatchString(key) {
		return 0, false
	}
	return lit, true
}

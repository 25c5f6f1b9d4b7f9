package coach

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Limits that catch typos ("reps: 100" for "reps: 10") rather than restrict
// real programmes.
const (
	maxSets      = 10
	maxReps      = 50
	maxCountdown = 10
	maxPhases    = 12
	maxSetupLine = 400
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)

// LoadFile reads and validates a voice script, and the pictures it names
// beside it.
func LoadFile(path string) (*Routine, error) {
	data, err := readScript(path)
	if err != nil {
		return nil, err
	}
	return load(path, data, os.DirFS(filepath.Dir(path)), ".")
}

// Load parses and validates a voice script. Every problem is reported, each
// as file:line:col, in an ErrorList. Pictures are not read (LoadFile and
// LoadBuiltin read them).
func Load(file string, data []byte) (*Routine, error) { return load(file, data, nil, "") }

// load is Load that, given the script's folder (dir in fsys), also reads
// and checks the pictures the script names, in the same pass.
func load(file string, data []byte, fsys fs.FS, dir string) (r *Routine, err error) {
	if err := checkSize(file, int64(len(data))); err != nil {
		return nil, err
	}
	defer func() {
		// The YAML library has panicked on hostile input before; a script
		// must never crash coach.
		if p := recover(); p != nil {
			r, err = nil, ErrorList{{File: file, Line: 1, Col: 1, Msg: fmt.Sprintf("cannot parse YAML: %v", p)}}
		}
	}()
	if e := checkText(file, data); e != nil {
		return nil, ErrorList{e}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrorList{{File: file, Line: 1, Col: 1, Msg: "empty script"}}
		}
		return nil, ErrorList{yamlError(file, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, ErrorList{{File: file, Line: extra.Line, Col: extra.Column, Msg: "a script holds one YAML document; remove the second '---'"}}
	}
	l := &loader{file: file}
	r = l.routine(&doc)
	if fsys != nil {
		l.errs = append(l.errs, loadPictures(r, fsys, dir)...)
	}
	if err := capErrors(l.errs).err(); err != nil {
		return nil, err
	}
	r.spoken = l.spoken
	return r, nil
}

// checkText catches what the YAML library reports obscurely: a file that is
// not UTF-8 (saved as Latin-1, say) and indentation with tabs.
func checkText(file string, data []byte) *Error {
	line, col := 1, 1
	lineStart := true
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf("byte 0x%02x is not UTF-8 text; save the script as UTF-8", data[i])}
		}
		switch {
		case r == '\n':
			line, col, lineStart = line+1, 1, true
			i += size
			continue
		case r == '\t' && lineStart:
			return &Error{File: file, Line: line, Col: col, Msg: "a tab in the indentation; YAML indents with spaces only (replace each tab with spaces)"}
		case r != ' ':
			lineStart = false
		}
		col++
		i += size
	}
	return nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns the YAML library's syntax error into file:line:col form.
func yamlError(file string, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Col: 1, Msg: "YAML syntax: " + m[2]}
	}
	return &Error{File: file, Line: 1, Col: 1, Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

type loader struct {
	file   string
	errs   ErrorList
	spoken []sourceText
}

// spokenAt notes a text that may be spoken, at the node that holds it.
func (l *loader) spokenAt(n *yaml.Node, s string) {
	if s != "" && n != nil {
		l.spoken = append(l.spoken, sourceText{s, pos{n.Line, n.Column}})
	}
}

func (l *loader) errorf(n *yaml.Node, format string, args ...any) {
	e := &Error{File: l.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	l.errs = append(l.errs, e)
}

// errorAt reports a problem at a character offset inside a one-line
// scalar, so the column points at the word itself.
func (l *loader) errorAt(n *yaml.Node, offset int, format string, args ...any) {
	n = deref(n)
	col := n.Column
	if !strings.Contains(n.Value, "\n") && (n.Style == 0 || n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle) {
		lead := len(n.Value) - len(strings.TrimLeft(n.Value, " "))
		col += utf8.RuneCountInString(n.Value[:min(lead+offset, len(n.Value))])
		if n.Style != 0 {
			col++ // the opening quote
		}
	}
	l.errs = append(l.errs, &Error{File: l.file, Line: n.Line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// fields walks a mapping, rejecting unknown and repeated keys.
func (l *loader) fields(n *yaml.Node, what string, known []string, fn func(key string, k, v *yaml.Node)) bool {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s must be a mapping of fields, not %s", what, kindName(n))
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.errorf(k, "field names in %s must be plain words", what)
			continue
		}
		key := k.Value
		if !contains(known, key) {
			l.errorf(k, "unknown field %q in %s%s", key, what, l.suggest(key, known))
			continue
		}
		if seen[key] {
			l.errorf(k, "field %q appears twice in %s", key, what)
			continue
		}
		seen[key] = true
		fn(key, k, v)
	}
	return true
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && (n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode) {
		if n.Kind == yaml.DocumentNode {
			if len(n.Content) == 0 {
				return n
			}
			n = n.Content[0]
		} else {
			n = n.Alias
		}
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "empty"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "true/false"
		}
		return fmt.Sprintf("text %q", n.Value)
	}
	return "empty"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (l *loader) text(n *yaml.Node, field string) string {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errorf(n, "%s must be text, not %s", field, kindName(n))
		return ""
	}
	s := strings.TrimSpace(n.Value)
	if s == "" {
		l.errorf(n, "%s is empty", field)
	}
	return s
}

func (l *loader) id(n *yaml.Node, field string) string {
	s := l.text(n, field)
	if s != "" && !idPattern.MatchString(s) {
		l.errorf(n, "%s %q must be lower-case letters, digits and hyphens (e.g. open-books)", field, s)
	}
	return s
}

func (l *loader) integer(n *yaml.Node, field string, lo, hi int) int {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		l.errorf(n, "%s must be a whole number, not %s", field, kindName(n))
		return 0
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < lo || v > hi {
		l.errorf(n, "%s must be between %d and %d, not %s", field, lo, hi, n.Value)
		return 0
	}
	return v
}

func (l *loader) boolean(n *yaml.Node, field string) bool {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		l.errorf(n, "%s must be true or false, not %s", field, kindName(n))
		return false
	}
	v, _ := strconv.ParseBool(n.Value)
	return v
}

func (l *loader) number(n *yaml.Node, field string, lo, hi float64) float64 {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!float" && n.Tag != "!!int") {
		l.errorf(n, "%s must be a number, not %s", field, kindName(n))
		return 0
	}
	v, err := strconv.ParseFloat(n.Value, 64)
	if err != nil || v < lo || v > hi {
		l.errorf(n, "%s must be between %g and %g, not %s", field, lo, hi, n.Value)
		return 0
	}
	return v
}

func (l *loader) duration(n *yaml.Node, field string, allowZero bool) time.Duration {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errorf(n, "%s must be a duration such as 5s or 1m30s, not %s", field, kindName(n))
		return 0
	}
	d, err := parseDuration(n.Value)
	if err != nil {
		l.errorf(n, "%s", fieldError(field, err))
		return 0
	}
	if d == 0 && !allowZero {
		l.errorf(n, "%s must be longer than zero", field)
	}
	return d
}

// fieldError names the field once: `get_ready "5" needs a unit`, not
// `get_ready: duration "5" needs a unit`.
func fieldError(field string, err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "duration "); ok && strings.HasPrefix(rest, `"`) {
		return field + " " + rest
	}
	return field + ": " + msg
}

func (l *loader) list(n *yaml.Node, field string, fn func(i int, item *yaml.Node)) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "%s must be a list, not %s", field, kindName(n))
		return
	}
	for i, item := range n.Content {
		fn(i, item)
	}
}

func (l *loader) texts(n *yaml.Node, field string) []string {
	var out []string
	if !l.capItems(n, field, maxListItems) {
		return nil
	}
	l.list(n, field, func(i int, item *yaml.Node) {
		if s := l.text(item, fmt.Sprintf("%s[%d]", field, i+1)); s != "" {
			l.spokenAt(deref(item), s)
			if len(s) > maxSetupLine {
				l.errorf(item, "%s[%d] is %d characters long; split it into shorter lines", field, i+1, len(s))
			}
			out = append(out, s)
		}
	})
	return out
}

var routineFields = []string{"version", "id", "title", "description", "source", "safety", "frequency", "defaults", "exercises"}

func (l *loader) routine(doc *yaml.Node) *Routine {
	r := &Routine{File: l.file, pos: map[string]pos{}, Defaults: Defaults{
		RestBetweenExercises: 20 * time.Second,
		RestBetweenSets:      30 * time.Second,
		SideSwitchRest:       10 * time.Second,
		GetReady:             5 * time.Second,
		Countdown:            3,
		Pace:                 1,
		Halfway:              true,
		AnnounceNext:         true,
		CountReps:            true,
		TimeLeft:             true,
	}}
	root := deref(doc)
	if root == nil || root.Kind == 0 || (root.Kind == yaml.ScalarNode && root.Tag == "!!null") {
		l.errorf(nil, "empty script")
		return r
	}
	var exercisesNode *yaml.Node
	have := map[string]bool{}
	ok := l.fields(root, "the routine", routineFields, func(key string, k, v *yaml.Node) {
		have[key] = true
		r.pos[key] = pos{v.Line, v.Column}
		switch key {
		case "version":
			r.Version = l.integer(v, "version", 1, 1000)
			if r.Version > FormatVersion {
				l.errorf(v, "version %d is newer than this coach reads (%d); update coach", r.Version, FormatVersion)
			}
		case "id":
			r.ID = l.id(v, "id")
		case "title":
			r.Title = l.text(v, "title")
			l.capLine(v, key, r.Title)
			l.spokenAt(v, r.Title)
		case "description":
			r.Description = l.text(v, "description")
		case "source":
			r.Source = l.text(v, "source")
		case "safety":
			r.Safety = l.text(v, "safety")
			l.spokenAt(v, r.Safety)
		case "frequency":
			r.Frequency = l.text(v, "frequency")
		case "defaults":
			l.defaults(v, &r.Defaults)
		case "exercises":
			exercisesNode = v
		}
	})
	if !ok {
		return r
	}
	for _, f := range []string{"version", "id", "title", "exercises"} {
		if !have[f] {
			l.errorf(root, "the routine has no %q field", f)
		}
	}
	if exercisesNode != nil && l.capItems(exercisesNode, "exercises", maxExercises) {
		ids := map[string]*yaml.Node{}
		l.list(exercisesNode, "exercises", func(i int, item *yaml.Node) {
			e := l.exercise(item, i)
			if e.ID != "" {
				if prev, dup := ids[e.ID]; dup {
					l.errorf(item, "exercise id %q is used twice (first at line %d)", e.ID, prev.Line)
				}
				ids[e.ID] = deref(item)
			}
			r.Exercises = append(r.Exercises, e)
		})
		if len(r.Exercises) == 0 {
			l.errorf(exercisesNode, "exercises is empty: a routine needs at least one exercise")
		}
		if len(l.errs) == 0 {
			l.capSession(r, exercisesNode)
		}
	}
	return r
}

var defaultsFields = []string{"rest_between_exercises", "rest_between_sets", "side_switch_rest", "get_ready", "countdown", "pace", "halfway", "announce_next", "count_reps", "time_left"}

func (l *loader) defaults(n *yaml.Node, d *Defaults) {
	l.fields(n, "defaults", defaultsFields, func(key string, k, v *yaml.Node) {
		switch key {
		case "rest_between_exercises":
			d.RestBetweenExercises = l.duration(v, key, true)
		case "rest_between_sets":
			d.RestBetweenSets = l.duration(v, key, true)
		case "side_switch_rest":
			d.SideSwitchRest = l.duration(v, key, true)
		case "get_ready":
			d.GetReady = l.duration(v, key, true)
		case "countdown":
			d.Countdown = l.integer(v, key, 0, maxCountdown)
		case "pace":
			d.Pace = l.number(v, key, 0.5, 3)
		case "halfway":
			d.Halfway = l.boolean(v, key)
		case "announce_next":
			d.AnnounceNext = l.boolean(v, key)
		case "count_reps":
			d.CountReps = l.boolean(v, key)
		case "time_left":
			d.TimeLeft = l.boolean(v, key)
		}
	})
}

var exerciseFields = []string{"id", "name", "equipment", "setup", "tips", "image", "speak_tips", "sets", "reps", "sides", "switch", "rep", "variant", "variants", "count_reps", "countdown", "halfway", "announce_next"}

func (l *loader) exercise(n *yaml.Node, index int) *Exercise {
	e := &Exercise{Sets: 1, pos: map[string]pos{}}
	n = deref(n)
	what := fmt.Sprintf("exercise %d", index+1)
	if n.Kind == yaml.MappingNode {
		// Name the exercise by its id in every message, wherever the id is written.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "id" && idPattern.MatchString(n.Content[i+1].Value) {
				what = fmt.Sprintf("exercise %q", n.Content[i+1].Value)
			}
		}
	}
	var variantNode *yaml.Node
	have := map[string]bool{}
	if !l.fields(n, what, exerciseFields, func(key string, k, v *yaml.Node) {
		have[key] = true
		e.pos[key] = pos{v.Line, v.Column}
		switch key {
		case "id":
			e.ID = l.id(v, "id")
		case "name":
			e.Name = l.text(v, "name")
			l.capLine(v, key, e.Name)
			l.spokenAt(v, e.Name)
		case "equipment":
			e.Equipment = l.texts(v, "equipment")
		case "setup":
			e.Setup = l.texts(v, "setup")
		case "tips":
			e.Tips = l.texts(v, "tips")
		case "image":
			e.Image = l.image(v)
		case "speak_tips":
			e.SpeakTips = l.boolean(v, key)
		case "sets":
			e.Sets = l.integer(v, key, 1, maxSets)
		case "reps":
			e.Reps = l.integer(v, key, 1, maxReps)
		case "sides":
			e.Sides, e.Alternate = l.sides(v)
		case "switch":
			e.Switch = l.text(v, key)
			l.capLine(v, key, e.Switch)
			l.spokenAt(v, e.Switch)
		case "rep":
			e.Rep = l.phases(v, "rep")
		case "variant":
			e.Variant = l.text(v, key)
			variantNode = v
		case "variants":
			e.Variants = l.variants(v)
		case "count_reps":
			b := l.boolean(v, key)
			e.CountReps = &b
		case "countdown":
			c := l.integer(v, key, 0, maxCountdown)
			e.Countdown = &c
		case "halfway":
			b := l.boolean(v, key)
			e.Halfway = &b
		case "announce_next":
			b := l.boolean(v, key)
			e.AnnounceNext = &b
		}
	}) {
		return e
	}
	for _, f := range []string{"id", "name", "reps", "rep"} {
		if !have[f] {
			l.errorf(n, "%s has no %q field", what, f)
		}
	}
	if e.Switch == "" {
		// Said only where sides change; a variant may add sides.
		e.Switch = "Change sides."
	}
	if e.Variant != "" {
		if _, ok := e.Variants[e.Variant]; !ok {
			l.errorf(variantNode, "%s has no variant %q%s", what, e.Variant, suggest(e.Variant, mapKeys(e.Variants)))
		}
	}
	return e
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// sides reads none, both, alternate, or a list of one or two sides in the
// order they are done.
func (l *loader) sides(n *yaml.Node) ([]Side, bool) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		switch n.Value {
		case "none":
			return nil, false
		case "both":
			return []Side{Left, Right}, false
		case "alternate":
			return []Side{Left, Right}, true
		case "left", "right":
			return []Side{Side(n.Value)}, false
		}
		l.errorf(n, "sides must be none, both, alternate, left, right, or a list such as [left] or [left, right], not %s%s",
			kindName(n), suggest(n.Value, []string{"none", "both", "alternate", "left", "right"}))
		return nil, false
	}
	var out []Side
	l.list(n, "sides", func(i int, item *yaml.Node) {
		s := l.text(item, "side")
		switch Side(s) {
		case Left, Right:
			for _, have := range out {
				if have == Side(s) {
					l.errorf(item, "side %q is listed twice", s)
				}
			}
			out = append(out, Side(s))
		case "":
		default:
			l.errorf(item, "side must be left or right, not %q%s", s, suggest(s, []string{"left", "right"}))
		}
	})
	return out, false
}

var variantFields = []string{"name", "description", "sets", "reps", "rep", "tips", "setup", "sides", "switch"}

func (l *loader) variants(n *yaml.Node) map[string]*Variant {
	n = deref(n)
	out := map[string]*Variant{}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "variants must be a mapping from a variant name to its changes, not %s", kindName(n))
		return out
	}
	if !l.capItems(n, "variants", maxVariants) {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if !idPattern.MatchString(name) {
			l.errorf(k, "variant name %q must be lower-case letters, digits and hyphens", name)
		}
		if _, dup := out[name]; dup {
			l.errorf(k, "variant %q is defined twice", name)
		}
		vr := &Variant{Name: name}
		l.fields(v, fmt.Sprintf("variant %q", name), variantFields, func(key string, _, fv *yaml.Node) {
			switch key {
			case "name":
				vr.Name = l.text(fv, key)
			case "description":
				vr.Description = l.text(fv, key)
			case "sets":
				vr.Sets = l.integer(fv, key, 1, maxSets)
			case "reps":
				vr.Reps = l.integer(fv, key, 1, maxReps)
			case "rep":
				vr.Rep = l.phases(fv, "rep")
			case "tips":
				vr.Tips = l.texts(fv, key)
			case "setup":
				vr.Setup = l.texts(fv, key)
			case "sides":
				vr.HasSides = true
				vr.Sides, vr.Alternate = l.sides(fv)
			case "switch":
				vr.Switch = l.text(fv, key)
				l.capLine(fv, key, vr.Switch)
				l.spokenAt(fv, vr.Switch)
			}
		})
		out[name] = vr
	}
	return out
}

var phaseFields = []string{"phase", "duration", "default", "say"}

func (l *loader) phases(n *yaml.Node, field string) []Phase {
	var out []Phase
	before := len(l.errs)
	l.list(n, field, func(i int, item *yaml.Node) {
		item = deref(item)
		p := Phase{pos: pos{item.Line, item.Column}}
		var defNode, durNode *yaml.Node
		have := map[string]bool{}
		if !l.fields(item, fmt.Sprintf("phase %d of %s", i+1, field), phaseFields, func(key string, _, v *yaml.Node) {
			have[key] = true
			switch key {
			case "phase":
				s := l.text(v, key)
				if s != "" && !contains(phaseKinds, s) {
					l.errorf(v, "phase must be one of %s, not %q%s", strings.Join(phaseKinds, ", "), s, suggest(s, phaseKinds))
				}
				p.Kind = PhaseKind(s)
			case "duration":
				durNode = deref(v)
				if durNode.Kind != yaml.ScalarNode || durNode.Tag == "!!null" {
					l.errorf(v, "duration must be a duration such as 5s or a range such as 15s to 30s, not %s", kindName(durNode))
					return
				}
				s, err := parseSpan(durNode.Value)
				if err != nil {
					l.errorf(v, "%s", fieldError("duration", err))
					return
				}
				if s.Min == 0 {
					l.errorf(v, "duration must be longer than zero")
				}
				p.Duration = s
			case "default":
				defNode = v
			case "say":
				p.Say = l.text(v, key)
				l.capLine(v, key, p.Say)
				l.spokenAt(v, p.Say)
				if at, err := checkPlaceholders(p.Say); err != nil {
					l.errorAt(v, at, "say: %v", err)
				}
			}
		}) {
			return
		}
		if !have["phase"] {
			l.errorf(item, "phase %d of %s has no \"phase\" field (one of %s)", i+1, field, strings.Join(phaseKinds, ", "))
		}
		if !have["duration"] {
			l.errorf(item, "phase %d of %s has no \"duration\" field", i+1, field)
		}
		if defNode != nil {
			d := l.duration(defNode, "default", false)
			switch {
			case durNode == nil || !p.Duration.IsRange():
				l.errorf(defNode, "default only makes sense with a duration range such as 15s to 30s")
			case d != 0 && (d < p.Duration.Min || d > p.Duration.Max):
				l.errorf(defNode, "default %s is outside the range %s to %s", fmtDur(d), fmtDur(p.Duration.Min), fmtDur(p.Duration.Max))
			case d != 0:
				p.Duration.Default = d
			}
		}
		out = append(out, p)
	})
	if len(out) == 0 && len(l.errs) == before {
		l.errorf(n, "%s needs at least one phase", field)
	}
	if len(out) > maxPhases {
		l.errorf(n, "%s has %d phases; at most %d", field, len(out), maxPhases)
	}
	return out
}

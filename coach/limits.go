package coach

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Caps on what one script may hold, checked before the expensive work
// (walking the exercises, composing lines, compiling sessions), so a huge or
// hostile file fails at once with one clear error instead of hanging coach.
// Each is far above any real home programme.
const (
	MaxScriptBytes   = 1 << 20 // a script file
	maxLineChars     = 300     // one spoken line: say, switch, title, name
	maxExercises     = 100
	maxVariants      = 10    // per exercise
	maxVariantNames  = 10    // different variant names in a routine: each is a session to check
	maxListItems     = 30    // setup, tips or equipment lines of one exercise
	maxSessionPhases = 10000 // timed phases in one session (sets × sides × reps × phases)
	maxErrors        = 20    // problems reported for one script: the first ones, in file order
)

// capErrors keeps the first maxErrors problems in file order and says how
// many more there are: a broken 1 MiB file must not print 60,000 lines.
func capErrors(errs ErrorList) ErrorList {
	if len(errs) <= maxErrors {
		return errs
	}
	errs = errs.sorted()
	last := errs[maxErrors-1]
	return append(errs[:maxErrors:maxErrors], &Error{File: last.File, Line: last.Line, Col: last.Col,
		Msg: fmt.Sprintf("and %d more problems after this one; fix these first", len(errs)-maxErrors)})
}

// readScript reads a script file, refusing anything but a regular file
// (a FIFO would block) and anything over MaxScriptBytes without reading it.
func readScript(path string) ([]byte, error) {
	// Non-blocking: opening a FIFO would otherwise wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read script: %s is not a regular file", path)
	}
	if err := checkSize(path, st.Size()); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxScriptBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	return checkedSize(path, data)
}

// checkSize refuses a script over MaxScriptBytes before it is parsed.
func checkSize(file string, size int64) error {
	if size > MaxScriptBytes {
		return ErrorList{{File: file, Line: 1, Col: 1,
			Msg: fmt.Sprintf("the script is %s; a voice script may be at most %s", sizeLabel(size), sizeLabel(MaxScriptBytes))}}
	}
	return nil
}

// checkedSize is data if it is not over the cap (the file may have grown
// since it was looked at).
func checkedSize(path string, data []byte) ([]byte, error) {
	if err := checkSize(path, int64(len(data))); err != nil {
		return nil, err
	}
	return data, nil
}

// suggest is suggest while the problems found can still be shown: past
// maxErrors the message is dropped, so the search for a close name is not
// worth its time (60,000 unknown fields took a second).
func (l *loader) suggest(word string, candidates []string) string {
	if len(l.errs) >= maxErrors {
		return ""
	}
	return suggest(word, candidates)
}

func sizeLabel(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// capLine reports a spoken line too long to be one cue.
func (l *loader) capLine(n *yaml.Node, field, s string) {
	if c := utf8.RuneCountInString(s); c > maxLineChars {
		l.errorf(n, "%s is %d characters long; a spoken line may be at most %d: split it, or move detail to tips", field, c, maxLineChars)
	}
}

// capItems reports a list or mapping with more than most entries, before
// its entries are read; it returns false when the list is too long.
func (l *loader) capItems(n *yaml.Node, field string, most int) bool {
	n = deref(n)
	if n == nil || (n.Kind != yaml.SequenceNode && n.Kind != yaml.MappingNode) {
		return true
	}
	count, at := len(n.Content), n
	if n.Kind == yaml.MappingNode {
		count /= 2
		if count > most {
			at = n.Content[2*most]
		}
	} else if count > most {
		at = n.Content[most]
	}
	if count > most {
		l.errorf(at, "%s has %d entries; at most %d", field, count, most)
		return false
	}
	return true
}

// capSession reports a script whose sessions would be absurdly long, before
// anything compiles them.
func (l *loader) capSession(r *Routine, n *yaml.Node) {
	variants := map[string]bool{"": true}
	for _, e := range r.Exercises {
		for name := range e.Variants {
			variants[name] = true
		}
	}
	if len(variants)-1 > maxVariantNames {
		l.errorf(n, "the exercises have %d different variant names; at most %d (each is a session to check)", len(variants)-1, maxVariantNames)
		return
	}
	for v := range variants {
		if total := sessionPhases(r, r.Exercises, Options{Variant: v}); total > maxSessionPhases {
			what := "a session"
			if v != "" {
				what = fmt.Sprintf("a session with variant %q", v)
			}
			l.errorf(n, "%s would have %d timed phases (sets × sides × reps × phases); at most %d", what, total, maxSessionPhases)
			return
		}
	}
}

// sessionPhases counts the timed phases of the session r would give with
// opt, resolving each exercise as the compiler does.
func sessionPhases(r *Routine, exercises []*Exercise, opt Options) int {
	c := &compiler{r: r, opt: opt}
	total := 0
	for _, e := range exercises {
		p := c.resolve(e)
		total += max(p.sets, 1) * max(len(e.Sides), 1) * p.reps * len(p.rep)
	}
	return total
}

// Package bake records spoken prompts with an offline text-to-speech engine
// and turns them into pack clips: synthesised, decoded, resampled to the
// pack's rate, trimmed and loudness-normalised to match the default pack.
package bake

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/voice"
)

// Engine synthesises texts into WAV files in dir, one per text, in order.
type Engine interface {
	Name() string
	Synth(ctx context.Context, texts []string, dir string) ([]string, error)
}

// Streamer is an Engine that says as each file is written, so Bake converts
// prompts while the engine is still speaking and progress moves per phrase.
// done may be called from several goroutines at once, in any order.
type Streamer interface {
	Engine
	SynthEach(ctx context.Context, texts []string, dir string, done func(i int, file string)) error
}

// workers is how many engine processes run at once: synthesis is CPU-bound
// and single-threaded in every engine.
func workers(n int) int { return max(1, min(runtime.NumCPU(), n)) }

// synthAll implements Synth with SynthEach.
func synthAll(ctx context.Context, s Streamer, texts []string, dir string) ([]string, error) {
	files := make([]string, len(texts))
	err := s.SynthEach(ctx, texts, dir, func(i int, f string) { files[i] = f })
	return files, err
}

func wavName(dir string, i int) string { return filepath.Join(dir, fmt.Sprintf("p%04d.wav", i)) }

// Engines, best first: festival's HTS voice is the most natural offline
// voice Debian ships; flite is smooth; espeak-ng is robotic but fast.
var engines = []struct {
	name, bin, pkg string
	make           func() Engine
}{
	{"festival", "festival", "festival festvox-us-slt-hts", func() Engine { return Festival{} }},
	{"flite", "flite", "flite", func() Engine { return Flite{} }},
	{"espeak-ng", "espeak-ng", "espeak-ng", func() Engine { return Espeak{} }},
}

// Names lists the engines coach knows.
func Names() []string {
	var out []string
	for _, e := range engines {
		out = append(out, e.name)
	}
	return out
}

// Detect returns the engine name (or the best installed if name is "").
func Detect(name string) (Engine, error) {
	for _, e := range engines {
		if name != "" && e.name != name {
			continue
		}
		if _, err := exec.LookPath(e.bin); err != nil {
			if name != "" {
				return nil, fmt.Errorf("%s is not installed (apt-get install %s)", name, e.pkg)
			}
			continue
		}
		if e.name == "festival" && !festivalHTS() {
			if name != "" {
				return nil, errors.New("festival's HTS voice is not installed (apt-get install festvox-us-slt-hts)")
			}
			continue
		}
		return e.make(), nil
	}
	if name != "" {
		return nil, fmt.Errorf("unknown engine %q; known: %s", name, strings.Join(Names(), ", "))
	}
	return nil, errors.New("no offline voice is installed; install one with: apt-get install festival festvox-us-slt-hts (best), flite, or espeak-ng")
}

func festivalHTS() bool {
	m, _ := filepath.Glob("/usr/share/festival/voices/us/cmu_us_slt_arctic_hts*")
	return len(m) > 0
}

// Festival runs one festival process per core for the whole batch, each
// saying a contiguous share of the phrases: starting festival per phrase
// costs ~400 ms each (the HTS voice loads every time). After each phrase the
// script prints a marker and where each word starts and ends, so progress
// is per phrase and a count can be cut out of the sentence it was said in.
type Festival struct{}

func (Festival) Name() string { return "festival cmu_us_slt_arctic_hts" }

func (f Festival) Synth(ctx context.Context, texts []string, dir string) ([]string, error) {
	return synthAll(ctx, f, texts, dir)
}

func (f Festival) SynthEach(ctx context.Context, texts []string, dir string, done func(int, string)) error {
	lines := make([]Line, len(texts))
	for i, t := range texts {
		lines[i] = Line{Text: t}
	}
	return f.SynthTimed(ctx, lines, dir, func(i int, file string, _ []Word) { done(i, file) })
}

// Line is a sentence for a Timer to say, with phrase breaks (a pause, and
// a phrase's own intonation) forced after the words at these indexes
// (0-based, punctuation not counted) and nowhere else.
type Line struct {
	Text   string
	Breaks []int
}

// Word is where one spoken word starts and ends in a recording, in seconds.
type Word struct{ Start, End float64 }

// Timer is an engine that says where each word falls: a phrase can be said
// inside a longer sentence (a carrier) and cut out of it.
type Timer interface {
	Streamer
	SynthTimed(ctx context.Context, lines []Line, dir string, done func(i int, file string, words []Word)) error
}

func (Festival) SynthTimed(ctx context.Context, lines []Line, dir string, done func(int, string, []Word)) error {
	n := workers((len(lines) + 7) / 8) // a share under 8 phrases is not worth a process
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range n {
		lo, hi := w*len(lines)/n, (w+1)*len(lines)/n
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = festivalShard(ctx, lines, lo, hi, dir, done)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

const festivalMark = "coach-done "

// festivalPrelude defines coach-say: synthesise a line (with forced phrase
// breaks if any: festival's own phrasing puts no pause between one-word
// sentences such as "Eight. Seven."), save it, print the marker and each
// word's start and end.
const festivalPrelude = `(voice_cmu_us_slt_arctic_hts)
(define coach-breaks nil)
(define (coach-punc w) (member_string (item.feat w "pos") '("punc" "fpunc")))
(define (coach-index w)
  (let ((n 0))
    (while (item.prev w) (set! w (item.prev w)) (if (not (coach-punc w)) (set! n (+ n 1))))
    n))
(define (coach-break w)
  (if (and (not (coach-punc w)) (member (coach-index w) coach-breaks)) "1" "0"))
(define coach-phrase-tree '((lisp_coach-break is 1) ((BB)) ((n.name is 0) ((BB)) ((NB)))))
(define coach-default-method (Parameter.get 'Phrase_Method))
(define coach-default-tree (if (symbol-bound? (quote phrase_cart_tree)) phrase_cart_tree nil))
(define (coach-say i text breaks file)
  (set! coach-breaks breaks)
  (if breaks
      (begin (Parameter.set 'Phrase_Method 'cart_tree) (set! phrase_cart_tree coach-phrase-tree))
      (begin (Parameter.set 'Phrase_Method coach-default-method) (set! phrase_cart_tree coach-default-tree)))
  (let ((utt (utt.synth (eval (list 'Utterance 'Text text)))))
    (utt.save.wave utt file 'riff)
    (format t "%s%d" "` + festivalMark + `" i)
    (mapcar (lambda (w) (format t " %.4f %.4f" (item.feat w "word_start") (item.feat w "word_end")))
            (utt.relation.items utt 'Word))
    (format t "\n")
    (fflush nil)))
`

// festivalShard says lines[lo:hi] with one festival process.
func festivalShard(ctx context.Context, lines []Line, lo, hi int, dir string, done func(int, string, []Word)) error {
	var b strings.Builder
	b.WriteString(festivalPrelude)
	for i := lo; i < hi; i++ {
		breaks := make([]string, len(lines[i].Breaks))
		for k, w := range lines[i].Breaks {
			breaks[k] = strconv.Itoa(w)
		}
		fmt.Fprintf(&b, "(coach-say %d %s '(%s) %s)\n", i, schemeString(lines[i].Text), strings.Join(breaks, " "), schemeString(wavName(dir, i)))
	}
	script := filepath.Join(dir, fmt.Sprintf("batch%04d.scm", lo))
	if err := os.WriteFile(script, []byte(b.String()), 0o644); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "festival", "-b", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("festival: %v", err)
	}
	var other []string // anything festival says besides the markers
	reported := hi - lo
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		i, words, ok := parseMark(line)
		if !ok || i < lo || i >= hi {
			other = append(other, line)
			continue
		}
		f := wavName(dir, i)
		if st, err := os.Stat(f); err != nil || st.Size() <= 44 {
			cmd.Process.Kill()
			cmd.Wait()
			return fmt.Errorf("festival wrote no audio for %q: %s", lines[i].Text, firstLine(stderr.String()+strings.Join(other, "\n")))
		}
		done(i, f, words)
		reported--
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("festival: %v: %s", err, firstLine(stderr.String()+strings.Join(other, "\n")))
	}
	if reported != 0 {
		return fmt.Errorf("festival stopped before the end (%d of %d phrases said): %s", hi-lo-reported, hi-lo, firstLine(stderr.String()+strings.Join(other, "\n")))
	}
	return nil
}

// parseMark reads "coach-done I START END START END ...".
func parseMark(line string) (int, []Word, bool) {
	rest, ok := strings.CutPrefix(line, festivalMark)
	if !ok {
		return 0, nil, false
	}
	f := strings.Fields(rest)
	if len(f) == 0 || len(f)%2 != 1 {
		return 0, nil, false
	}
	i, err := strconv.Atoi(f[0])
	if err != nil {
		return 0, nil, false
	}
	var words []Word
	for k := 1; k+1 < len(f); k += 2 {
		a, err1 := strconv.ParseFloat(f[k], 64)
		b, err2 := strconv.ParseFloat(f[k+1], 64)
		if err1 != nil || err2 != nil {
			return 0, nil, false
		}
		words = append(words, Word{a, b})
	}
	return i, words, true
}

func schemeString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// Flite synthesises with the slt voice, one process per phrase (it starts
// fast), one per core at a time.
type Flite struct{}

func (Flite) Name() string { return "flite slt" }

func (f Flite) Synth(ctx context.Context, texts []string, dir string) ([]string, error) {
	return synthAll(ctx, f, texts, dir)
}

func (Flite) SynthEach(ctx context.Context, texts []string, dir string, done func(int, string)) error {
	return perPhrase(ctx, texts, dir, done, func(t, f string) *exec.Cmd {
		return exec.CommandContext(ctx, "flite", "-voice", "slt", "-t", t, "-o", f)
	})
}

// Espeak synthesises with espeak-ng, one process per phrase, one per core
// at a time.
type Espeak struct{}

func (Espeak) Name() string { return "espeak-ng" }

func (e Espeak) Synth(ctx context.Context, texts []string, dir string) ([]string, error) {
	return synthAll(ctx, e, texts, dir)
}

func (Espeak) SynthEach(ctx context.Context, texts []string, dir string, done func(int, string)) error {
	return perPhrase(ctx, texts, dir, done, func(t, f string) *exec.Cmd {
		return exec.CommandContext(ctx, "espeak-ng", "-w", f, "--", t)
	})
}

func perPhrase(ctx context.Context, texts []string, dir string, done func(int, string), cmd func(text, file string) *exec.Cmd) error {
	next := make(chan int)
	errs := make([]error, len(texts))
	var wg sync.WaitGroup
	for range workers(len(texts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f := wavName(dir, i)
				out, err := cmd(texts[i], f).CombinedOutput()
				switch {
				case ctx.Err() != nil:
					errs[i] = ctx.Err()
				case err != nil:
					errs[i] = fmt.Errorf("synthesise %q: %v: %s", texts[i], err, firstLine(string(out)))
				default:
					done(i, f)
				}
			}
		}()
	}
	for i := range texts {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err // the first phrase that failed
		}
	}
	return ctx.Err()
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Progress is told how many of the phrases are done (converted, ready for a
// pack). Bake calls it from its own goroutine, once per phrase for engines
// that stream, with done counting up to total.
type Progress func(done, total int)

// batchSize bounds one run of an engine that does not stream, so progress
// moves and a failure loses little.
const batchSize = 25

// Bake records texts with e and returns clips ready for a pack, in the order
// of texts: mono, at rate, trimmed and normalised like the default pack.
// A Streamer's prompts are converted while it is still speaking.
func Bake(ctx context.Context, e Engine, texts []string, rate int, progress Progress) ([]*voice.Clip, error) {
	recs, err := Record(ctx, e, texts, rate, progress)
	if err != nil {
		return nil, err
	}
	clips := make([]*voice.Clip, len(recs))
	for i, r := range recs {
		clips[i] = r.Clip
	}
	return clips, nil
}

// Recording is a phrase as a pack keeps it (Clip) with the engine's
// untrimmed take it was cut from, for the pack checker.
type Recording struct {
	Clip *voice.Clip
	Take Take
}

// Take is what an engine said for a phrase, untrimmed, at the pack's rate
// and high-passed like the clip. [From, To) is the part that stands for
// the phrase: all of it, or for a count said in a carrier sentence, the
// count and the pauses around it.
type Take struct {
	Samples  []float32
	Rate     int
	From, To int
}

// Loss is how much audible sound the clip lost at each end, compared with
// its take (see voice.EdgeLoss).
func (r Recording) Loss() (start, end time.Duration, err error) {
	return voice.EdgeLoss(r.Clip.Samples, r.Take.Samples, r.Take.Rate, r.Take.From, r.Take.To)
}

// Record is Bake that also returns each clip's take.
func Record(ctx context.Context, e Engine, texts []string, rate int, progress Progress) ([]Recording, error) {
	if progress == nil {
		progress = func(int, int) {}
	}
	if len(texts) == 0 {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "coach-bake-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	recs := make([]Recording, len(texts))
	s, ok := e.(Streamer)
	if !ok {
		for start := 0; start < len(texts); start += batchSize {
			batch := texts[start:min(start+batchSize, len(texts))]
			files, err := e.Synth(ctx, batch, dir)
			if err != nil {
				return nil, err
			}
			if len(files) != len(batch) {
				return nil, fmt.Errorf("%s made %d files for %d phrases", e.Name(), len(files), len(batch))
			}
			for i, f := range files {
				if recs[start+i], err = prepare(f, batch[i], rate, plain(batch[i]), nil); err != nil {
					return nil, err
				}
				os.Remove(f)
			}
			progress(start+len(batch), len(texts))
		}
		return recs, nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type ready struct {
		i     int
		file  string
		words []Word
	}
	ch := make(chan ready, len(texts)) // never blocks the engine
	synthErr := make(chan error, 1)
	cs := make([]carrier, len(texts))
	if t, ok := e.(Timer); ok {
		lines := make([]Line, len(texts))
		for i, text := range texts {
			cs[i] = carrierFor(text)
			lines[i] = Line{Text: cs[i].say, Breaks: cs[i].breaks}
		}
		go func() {
			synthErr <- t.SynthTimed(ctx, lines, dir, func(i int, f string, w []Word) { ch <- ready{i, f, w} })
			close(ch)
		}()
	} else {
		for i, text := range texts {
			cs[i] = plain(text)
		}
		go func() {
			synthErr <- s.SynthEach(ctx, texts, dir, func(i int, f string) { ch <- ready{i, f, nil} })
			close(ch)
		}()
	}
	done := 0
	for r := range ch {
		if ctx.Err() != nil {
			continue // cancelled: let the engine stop, convert nothing more
		}
		rec, err := prepare(r.file, texts[r.i], rate, cs[r.i], r.words)
		if err != nil {
			cancel()
			for range ch { // let the engine stop
			}
			<-synthErr
			return nil, err
		}
		os.Remove(r.file)
		recs[r.i] = rec
		done++
		progress(done, len(texts))
	}
	if err := <-synthErr; err != nil {
		return nil, err
	}
	for i, r := range recs {
		if r.Clip == nil {
			return nil, fmt.Errorf("%s said nothing for %q", e.Name(), texts[i])
		}
	}
	return recs, nil
}

// carrier is how a phrase is said: inside the sentence say, as words
// [first, first+n) (punctuation not counted), with phrase breaks after the
// words in breaks.
type carrier struct {
	say    string
	breaks []int
	first  int
	n      int
}

func plain(text string) carrier { return carrier{say: text, n: -1} }

func countWords(s string) int {
	return len(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' }))
}

// carrierFor says a count as the end of a countdown ("Eight. Seven." for
// "Seven"): said alone, festival gives a number the high start of a new
// utterance; in the middle of a count, a list's rising tone; at the end of
// one, the calm fall of a count. "hundred" is said after "One", as it is
// always heard after a number. A break before the count gives a pause to
// cut in, so nothing of the word before is kept and nothing of the count is
// lost. Other phrases are said as they are.
func carrierFor(text string) carrier {
	k := coach.Key(text)
	var prefix string
	switch {
	case k == "hundred":
		prefix = "One"
	default:
		n, ok := countValue[k]
		if !ok {
			return plain(text)
		}
		prefix = coach.NumberWords(n + 1)
	}
	before := countWords(prefix)
	return carrier{
		say:    strings.ToUpper(prefix[:1]) + prefix[1:] + ". " + text,
		breaks: []int{before - 1},
		first:  before,
		n:      countWords(text),
	}
}

// countValue maps the key of each count the pack says whole to its value.
var countValue = func() map[string]int {
	m := map[string]int{}
	for n := 1; n <= 99; n++ {
		m[coach.Key(coach.NumberWords(n))] = n
	}
	return m
}()

// Levels and lengths every prompt is made with.
const (
	TrimDB     = -55.0 // sound starts and ends where it is this far below the take's peak
	TargetDB   = -20.0
	HighPassHz = 70 // under the voice's lowest pitch (~140 Hz for slt), over DC and rumble
	LeadIn     = 50 * time.Millisecond
	Tail       = 100 * time.Millisecond // a final "p" or "v" fades long after its peak
	FadeIn     = 10 * time.Millisecond
	FadeOut    = 30 * time.Millisecond
)

// Prepare decodes a recorded prompt and converts it for a pack.
func Prepare(file, text string, rate int) (*voice.Clip, error) {
	r, err := prepare(file, text, rate, plain(text), nil)
	return r.Clip, err
}

func prepare(file, text string, rate int, c carrier, words []Word) (Recording, error) {
	s, r, _, err := voice.DecodeWAVFile(file)
	if err != nil {
		return Recording{}, err
	}
	return convert(s, r, text, rate, file, c, words)
}

// Convert resamples, high-passes, trims, normalises and fades decoded
// samples of text said alone into a clip.
func Convert(s []float32, from int, text string, rate int, name string) (*voice.Clip, error) {
	r, err := convert(s, from, text, rate, name, plain(text), nil)
	return r.Clip, err
}

func convert(s []float32, from int, text string, rate int, name string, c carrier, words []Word) (Recording, error) {
	s = voice.Resample(s, from, rate)
	// An engine that starts or stops speaking at the very edge of its file
	// (espeak-ng starts at its first sample; festival can stop in the middle
	// of a final "s") leaves no room for margins: pad it with silence, and
	// fade its own edges so the pad makes no step. The take, what the
	// prompt is checked against, is kept unfaded: those fades count as lost.
	lead, tail := frames(LeadIn, rate), frames(Tail, rate)
	take := Take{Samples: make([]float32, lead+len(s)+tail), Rate: rate}
	copy(take.Samples[lead:], s)
	voice.HighPass(take.Samples, rate, HighPassHz)
	take.To = len(take.Samples)
	padded := slices.Clone(take.Samples)
	voice.Fade(padded[lead:lead+len(s)], rate, FadeIn, FadeOut)
	cut := 0 // where the trim starts looking
	if c.n >= 0 {
		if len(words) != c.first+c.n {
			return Recording{}, fmt.Errorf("%s: %d words said for %q, want %d", name, len(words), c.say, c.first+c.n)
		}
		take.From, cut, take.To = region(padded, rate, words, lead, c.first, c.n)
	}
	// The noise floor is the engine's, not the pads' digital silence.
	lo := max(cut, lead)
	level := voice.SoundLevel(padded[lo:max(lo, min(take.To, lead+len(s)))], rate, TrimDB)
	out := voice.Trim(padded[cut:take.To], rate, level, LeadIn, Tail)
	if len(out) == 0 {
		return Recording{}, fmt.Errorf("%s: silent", name)
	}
	voice.Normalize(out, TargetDB)
	voice.Fade(out, rate, FadeIn, FadeOut)
	return Recording{Clip: &voice.Clip{Phrase: coach.Key(text), Text: text, Samples: out}, Take: take}, nil
}

func frames(d time.Duration, rate int) int { return int(d * time.Duration(rate) / time.Second) }

// region is the part of a carrier take (its words timed from lead frames
// in) that stands for words [first, first+n): from the quietest moment of
// the pause before them to the quietest moment of the pause after them, or
// the end. The checker holds the prompt to all of it. cut is where the trim
// looks for the words' first sound: past the decay of the word before
// (under voice.AudibleDB of the words' peak), and no earlier than LeadIn
// (and 10 ms for an onset festival labels late) before the first word,
// because festival's pauses carry faint noise near the trim level that
// would otherwise pass for speech.
func region(s []float32, rate int, words []Word, lead, first, n int) (from, cut, to int) {
	frame := func(sec float64) int { return min(max(lead+int(sec*float64(rate)), 0), len(s)) }
	env := voice.Envelope(s, rate)
	hop := max(rate/1000, 1)
	level := func(f int) float64 {
		if f/hop < len(env) {
			return env[f/hop]
		}
		return 0
	}
	quietest := func(a, b int) int {
		q := a
		for f := a; f < b; f += hop {
			if level(f) < level(q) {
				q = f
			}
		}
		return q
	}
	to = len(s)
	if last := first + n; last < len(words) {
		to = quietest(frame(words[last-1].End), frame(words[last].Start))
	}
	if first == 0 {
		return 0, 0, to
	}
	a, b := frame(words[first-1].End), frame(words[first].Start)
	audible := voice.Peak(s[b:max(b, to)]) * math.Pow(10, voice.AudibleDB/20)
	decayed := a
	for decayed < b && level(decayed) > audible {
		decayed += hop
	}
	from = quietest(decayed, b)
	cut = max(decayed, b-frames(LeadIn+10*time.Millisecond, rate))
	return from, cut, max(to, cut, from)
}

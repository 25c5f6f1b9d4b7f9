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
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

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
// script prints a marker, so progress is per phrase.
type Festival struct{}

func (Festival) Name() string { return "festival cmu_us_slt_arctic_hts" }

func (f Festival) Synth(ctx context.Context, texts []string, dir string) ([]string, error) {
	return synthAll(ctx, f, texts, dir)
}

func (Festival) SynthEach(ctx context.Context, texts []string, dir string, done func(int, string)) error {
	n := workers((len(texts) + 7) / 8) // a share under 8 phrases is not worth a process
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range n {
		lo, hi := w*len(texts)/n, (w+1)*len(texts)/n
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = festivalShard(ctx, texts, lo, hi, dir, done)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

const festivalMark = "coach-done "

// festivalShard says texts[lo:hi] with one festival process.
func festivalShard(ctx context.Context, texts []string, lo, hi int, dir string, done func(int, string)) error {
	var b strings.Builder
	b.WriteString("(voice_cmu_us_slt_arctic_hts)\n")
	for i := lo; i < hi; i++ {
		fmt.Fprintf(&b, "(utt.save.wave (utt.synth (Utterance Text %s)) %s 'riff)\n", schemeString(texts[i]), schemeString(wavName(dir, i)))
		fmt.Fprintf(&b, "(format t \"%s%%d\\n\" %d) (fflush nil)\n", festivalMark, i)
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
		i, err := strconv.Atoi(strings.TrimPrefix(line, festivalMark))
		if !strings.HasPrefix(line, festivalMark) || err != nil || i < lo || i >= hi {
			other = append(other, line)
			continue
		}
		f := wavName(dir, i)
		if st, err := os.Stat(f); err != nil || st.Size() <= 44 {
			cmd.Process.Kill()
			cmd.Wait()
			return fmt.Errorf("festival wrote no audio for %q: %s", texts[i], firstLine(stderr.String()+strings.Join(other, "\n")))
		}
		done(i, f)
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
	clips := make([]*voice.Clip, len(texts))
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
				if clips[start+i], err = Prepare(f, batch[i], rate); err != nil {
					return nil, err
				}
				os.Remove(f)
			}
			progress(start+len(batch), len(texts))
		}
		return clips, nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type ready struct {
		i    int
		file string
	}
	ch := make(chan ready, len(texts)) // never blocks the engine
	synthErr := make(chan error, 1)
	go func() {
		synthErr <- s.SynthEach(ctx, texts, dir, func(i int, f string) { ch <- ready{i, f} })
		close(ch)
	}()
	done := 0
	for r := range ch {
		c, err := Prepare(r.file, texts[r.i], rate)
		if err != nil {
			cancel()
			for range ch { // let the engine stop
			}
			<-synthErr
			return nil, err
		}
		os.Remove(r.file)
		clips[r.i] = c
		done++
		progress(done, len(texts))
	}
	if err := <-synthErr; err != nil {
		return nil, err
	}
	for i, c := range clips {
		if c == nil {
			return nil, fmt.Errorf("%s said nothing for %q", e.Name(), texts[i])
		}
	}
	return clips, nil
}

// Levels every prompt is brought to.
const (
	TrimDB   = -45.0
	TargetDB = -20.0
)

// Prepare decodes a recorded prompt and converts it for a pack.
func Prepare(file, text string, rate int) (*voice.Clip, error) {
	s, r, _, err := voice.DecodeWAVFile(file)
	if err != nil {
		return nil, err
	}
	return Convert(s, r, text, rate, file)
}

// Convert resamples, trims and normalises decoded samples into a clip.
func Convert(s []float32, from int, text string, rate int, name string) (*voice.Clip, error) {
	s = voice.Resample(s, from, rate)
	s = voice.Trim(s, rate, TrimDB)
	if len(s) == 0 {
		return nil, fmt.Errorf("%s: silent: nothing above %.0f dBFS", name, TrimDB)
	}
	voice.Normalize(s, TargetDB)
	return &voice.Clip{Phrase: coach.Key(text), Text: text, Samples: s}, nil
}

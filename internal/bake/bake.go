// Package bake records spoken prompts with an offline text-to-speech engine
// and turns them into pack clips: synthesised, decoded, resampled to the
// pack's rate, trimmed and loudness-normalised to match the default pack.
package bake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/coach-dev/coach/voice"
)

// Engine synthesises texts into WAV files in dir, one per text, in order.
type Engine interface {
	Name() string
	Synth(ctx context.Context, texts []string, dir string) ([]string, error)
}

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

// Festival runs one festival process for the whole batch: starting it per
// phrase costs ~400 ms each.
type Festival struct{}

func (Festival) Name() string { return "festival cmu_us_slt_arctic_hts" }

func (Festival) Synth(ctx context.Context, texts []string, dir string) ([]string, error) {
	var b strings.Builder
	b.WriteString("(voice_cmu_us_slt_arctic_hts)\n")
	files := make([]string, len(texts))
	for i, t := range texts {
		files[i] = filepath.Join(dir, fmt.Sprintf("p%04d.wav", i))
		fmt.Fprintf(&b, "(utt.save.wave (utt.synth (Utterance Text %s)) %s 'riff)\n", schemeString(t), schemeString(files[i]))
	}
	script := filepath.Join(dir, "batch.scm")
	if err := os.WriteFile(script, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, "festival", "-b", script).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("festival: %v: %s", err, firstLine(string(out)))
	}
	return files, checkFiles(files, "festival", out)
}

func schemeString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// Flite synthesises with the slt voice, one process per phrase (it starts fast).
type Flite struct{}

func (Flite) Name() string { return "flite slt" }

func (Flite) Synth(ctx context.Context, texts []string, dir string) ([]string, error) {
	return perPhrase(ctx, texts, dir, func(t, f string) *exec.Cmd {
		return exec.CommandContext(ctx, "flite", "-voice", "slt", "-t", t, "-o", f)
	})
}

// Espeak synthesises with espeak-ng.
type Espeak struct{}

func (Espeak) Name() string { return "espeak-ng" }

func (Espeak) Synth(ctx context.Context, texts []string, dir string) ([]string, error) {
	return perPhrase(ctx, texts, dir, func(t, f string) *exec.Cmd {
		return exec.CommandContext(ctx, "espeak-ng", "-w", f, "--", t)
	})
}

func perPhrase(ctx context.Context, texts []string, dir string, cmd func(text, file string) *exec.Cmd) ([]string, error) {
	files := make([]string, len(texts))
	for i, t := range texts {
		files[i] = filepath.Join(dir, fmt.Sprintf("p%04d.wav", i))
		if out, err := cmd(t, files[i]).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("synthesise %q: %v: %s", t, err, firstLine(string(out)))
		}
	}
	return files, nil
}

func checkFiles(files []string, engine string, out []byte) error {
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.Size() <= 44 {
			return fmt.Errorf("%s wrote no audio for %s: %s", engine, filepath.Base(f), firstLine(string(out)))
		}
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Progress is told how many of the phrases are done.
type Progress func(done, total int)

// batchSize bounds one engine run, so progress moves and a failure loses little.
const batchSize = 25

// Bake records texts with e and returns clips ready for a pack: mono, at
// rate, trimmed and normalised like the default pack.
func Bake(ctx context.Context, e Engine, texts []string, rate int, progress Progress) ([]*voice.Clip, error) {
	dir, err := os.MkdirTemp("", "coach-bake-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var clips []*voice.Clip
	for start := 0; start < len(texts); start += batchSize {
		batch := texts[start:min(start+batchSize, len(texts))]
		files, err := e.Synth(ctx, batch, dir)
		if err != nil {
			return nil, err
		}
		for i, f := range files {
			c, err := Prepare(f, batch[i], rate)
			if err != nil {
				return nil, err
			}
			clips = append(clips, c)
			os.Remove(f)
		}
		if progress != nil {
			progress(start+len(batch), len(texts))
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
	return &voice.Clip{Phrase: voice.Key(text), Text: text, Samples: s}, nil
}

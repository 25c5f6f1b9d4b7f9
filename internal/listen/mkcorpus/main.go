// Command mkcorpus records the spoken-command corpus the recogniser's tests
// and benchmarks use: every command of the control table, after the wake
// word, in several offline voices at two speeds, as 16 kHz mono WAVs.
//
//	go run ./internal/listen/mkcorpus -out internal/listen/testdata/commands
//
// Needs festival (HTS slt, kal and ked diphone voices), flite, espeak-ng
// and sox.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/voice"
)

// Rate is the recogniser's sample rate.
const Rate = 16000

// Speeds stretch each phrase's duration: brisk and slow.
var Speeds = []float64{0.85, 1.2}

// A synth writes text said at a duration stretch into a WAV file.
type synth func(text string, stretch float64, out string) *exec.Cmd

func festival(voiceFn string) synth {
	return func(text string, stretch float64, out string) *exec.Cmd {
		cmd := exec.Command("text2wave", "-eval", "("+voiceFn+")",
			"-eval", fmt.Sprintf("(Parameter.set 'Duration_Stretch %.2f)", stretch), "-o", out)
		cmd.Stdin = strings.NewReader(text)
		return cmd
	}
}

// festivalHTS changes the speed with sox afterwards: the HTS engine
// ignores festival's duration stretch.
func festivalHTS(voiceFn string) synth {
	return func(text string, stretch float64, out string) *exec.Cmd {
		script := fmt.Sprintf(`echo "$1" | text2wave -eval "(%s)" -o "$2.tmp.wav" && sox "$2.tmp.wav" "$2" tempo -s %.4f && rm "$2.tmp.wav"`, voiceFn, 1/stretch)
		return exec.Command("sh", "-c", script, "sh", text, out)
	}
}

func flite(v string) synth {
	return func(text string, stretch float64, out string) *exec.Cmd {
		return exec.Command("flite", "-voice", v, "--setf", fmt.Sprintf("duration_stretch=%.2f", stretch), "-t", text, "-o", out)
	}
}

func espeak(v string) synth {
	return func(text string, stretch float64, out string) *exec.Cmd {
		return exec.Command("espeak-ng", "-v", v, "-s", strconv.Itoa(int(175/stretch)), "-w", out, text)
	}
}

// Voices are every English voice Debian packages for these engines, male
// and female, HTS, diphone, flite and formant synthesis.
var Voices = []struct {
	Name  string
	Synth synth
}{
	{"festival-slt-hts", festivalHTS("voice_cmu_us_slt_arctic_hts")},
	{"festival-kal", festival("voice_kal_diphone")},
	{"festival-ked", festival("voice_ked_diphone")},
	{"flite-awb", flite("awb")},
	{"flite-rms", flite("rms")},
	{"flite-slt", flite("slt")},
	{"espeak-en-us", espeak("en-us")},
	{"espeak-en-us-f3", espeak("en-us+f3")},
}

// Slug names a phrase in a file name.
func Slug(s string) string { return strings.ReplaceAll(s, " ", "-") }

func main() {
	out := flag.String("out", "internal/listen/testdata/commands", "write the WAVs to `DIR`")
	prose := flag.String("prose", "", "instead: write `FILE.wav`, festival reading the GNU GPL clause by clause (unrelated speech for false alarms)")
	extra := flag.String("phrases", "", "comma-separated `PHRASES` to record instead of the control table's (to try other words)")
	flag.Parse()
	if *prose != "" {
		if err := readProse(*prose); err != nil {
			fmt.Fprintln(os.Stderr, "mkcorpus:", err)
			os.Exit(1)
		}
		return
	}
	var phrases []string
	if *extra != "" {
		phrases = strings.Split(*extra, ",")
	} else {
		for _, c := range coach.Controls {
			if c.Spoken != "" {
				phrases = append(phrases, c.Spoken)
			}
		}
	}
	if err := run(*out, phrases); err != nil {
		fmt.Fprintln(os.Stderr, "mkcorpus:", err)
		os.Exit(1)
	}
}

func run(dir string, phrases []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "mkcorpus-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	n := 0
	for _, phrase := range phrases {
		for _, v := range Voices {
			for _, sp := range Speeds {
				raw := filepath.Join(tmp, "raw.wav")
				cmd := v.Synth("coach "+phrase, sp, raw)
				if b, err := cmd.CombinedOutput(); err != nil {
					return fmt.Errorf("%s: %v: %s", v.Name, err, b)
				}
				s, rate, _, err := voice.DecodeWAVFile(raw)
				if err != nil {
					return err
				}
				// Trimmed relative to the phrase's own level, keeping soft
				// edges (the corpus committed was cut at -45 dBFS with 15/40
				// ms pads, before voice.Trim took a level and pads).
				s = voice.Resample(s, rate, Rate)
				s = voice.Trim(s, Rate, voice.SoundLevel(s, Rate, -45), 15*time.Millisecond, 40*time.Millisecond)
				// 100 ms of silence either side, as a phrase spoken alone.
				pad := make([]float32, Rate/10)
				s = append(append(append([]float32{}, pad...), s...), pad...)
				name := filepath.Join(dir, fmt.Sprintf("%s_%.2f_%s.wav", v.Name, sp, Slug(phrase)))
				f, err := os.Create(name)
				if err != nil {
					return err
				}
				if err := voice.EncodeWAV(f, s, Rate); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
				n++
			}
		}
	}
	fmt.Printf("wrote %d commands to %s\n", n, dir)
	return nil
}

// licence is prose every Debian machine has.
const licence = "/usr/share/common-licenses/GPL-3"

// readProse has festival's HTS voice read the licence one clause at a time,
// joined with 700 ms pauses as a person reading aloud leaves them: about
// 38 minutes of speech cut into 686 short utterances, the hardest case for
// false alarms (a long sentence is never taken for a command).
func readProse(out string) error {
	text, err := os.ReadFile(licence)
	if err != nil {
		return err
	}
	var clauses []string
	for _, c := range regexp.MustCompile(`[.,;:!?()"]`).Split(strings.Join(strings.Fields(string(text)), " "), -1) {
		c = strings.TrimSpace(strings.NewReplacer(`\`, "", `"`, "").Replace(c))
		if regexp.MustCompile(`[a-zA-Z]`).MatchString(c) {
			clauses = append(clauses, c)
		}
	}
	tmp, err := os.MkdirTemp("", "mkcorpus-prose-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var script bytes.Buffer
	script.WriteString("(voice_cmu_us_slt_arctic_hts)\n")
	for i, c := range clauses {
		fmt.Fprintf(&script, "(utt.save.wave (utt.synth (Utterance Text \"%s\")) \"%s\" 'riff)\n", c, filepath.Join(tmp, fmt.Sprintf("%04d.wav", i)))
	}
	scm := filepath.Join(tmp, "read.scm")
	if err := os.WriteFile(scm, script.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "festival is reading %d clauses of %s (several minutes)\n", len(clauses), licence)
	if b, err := exec.Command("festival", "-b", scm).CombinedOutput(); err != nil {
		return fmt.Errorf("festival: %v: %s", err, b)
	}
	pause := make([]float32, Rate*7/10)
	var all []float32
	for i := range clauses {
		s, rate, _, err := voice.DecodeWAVFile(filepath.Join(tmp, fmt.Sprintf("%04d.wav", i)))
		if err != nil {
			return err
		}
		all = append(append(all, voice.Resample(s, rate, Rate)...), pause...)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := voice.EncodeWAV(f, all, Rate); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %.1f minutes\n", out, float64(len(all))/Rate/60)
	return f.Close()
}

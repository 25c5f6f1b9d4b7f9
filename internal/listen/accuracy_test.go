//go:build pocketsphinx

package listen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/scripts"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clip is one recorded command of the corpus.
type clip struct {
	Name  string // festival-slt-hts_1.20_go-on.wav
	Voice string
	Speed string
	Words string
	PCM   []int16
}

// corpus reads every recorded command; names are voice_speed_words.wav.
func corpus(t testing.TB) []clip {
	t.Helper()
	files, err := filepath.Glob("testdata/commands/*.wav")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var out []clip
	for _, f := range files {
		parts := strings.Split(strings.TrimSuffix(filepath.Base(f), ".wav"), "_")
		require.Len(t, parts, 3, f)
		pcm, err := readPCM(f)
		require.NoError(t, err)
		out = append(out, clip{Name: filepath.Base(f), Voice: parts[0], Speed: parts[1], Words: strings.ReplaceAll(parts[2], "-", " "), PCM: pcm})
	}
	return out
}

// pinkNoise is deterministic pink-ish noise (Paul Kellet's filter) at rms.
func pinkNoise(n int, rms float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]float64, n)
	var b0, b1, b2, sum float64
	for i := range out {
		w := r.NormFloat64()
		b0 = 0.99765*b0 + w*0.0990460
		b1 = 0.96300*b1 + w*0.2965164
		b2 = 0.57000*b2 + w*1.0526913
		out[i] = b0 + b1 + b2 + w*0.1848
		sum += out[i] * out[i]
	}
	k := rms / math.Sqrt(sum/float64(max(n, 1)))
	for i := range out {
		out[i] *= k
	}
	return out
}

// speechRMS is the RMS over the 10 ms frames louder than -50 dBFS.
func speechRMS(pcm []int16) float64 {
	var sum float64
	var n int
	for i := 0; i+frameLen <= len(pcm); i += frameLen {
		if level(pcm[i:i+frameLen]) > -50 {
			for _, s := range pcm[i : i+frameLen] {
				sum += float64(s) * float64(s)
			}
			n += frameLen
		}
	}
	return math.Sqrt(sum / float64(max(n, 1)))
}

// inRoom puts a phrase between seconds of room noise: pink noise snrDB
// under the phrase's speech level (a quiet room is -65 dBFS).
func inRoom(pcm []int16, snrDB float64, seed uint64) []int16 {
	pad := make([]int16, Rate)
	x := slices.Concat(pad, pcm, pad, pad)
	rms := speechRMS(pcm) / math.Pow(10, snrDB/20)
	if snrDB <= 0 {
		rms = 32768 * math.Pow(10, -65.0/20)
	}
	noise := pinkNoise(len(x), rms, seed)
	out := make([]int16, len(x))
	for i, s := range x {
		out[i] = int16(max(-32768, min(32767, math.Round(float64(s)+noise[i]))))
	}
	return out
}

// detection is what the recogniser made of the corpus in one condition.
type detection struct {
	Total, Detected, Wrong int
	Missed                 []string
	Decode                 []time.Duration // recognising each phrase (after the VAD's hang-over)
}

func detect(t testing.TB, r *recogniser, cs []clip, snrDB float64) detection {
	var d detection
	for i, c := range cs {
		p := &pipeline{rec: r}
		// Fed 10 ms at a time, as a microphone delivers: the slowest call
		// is the one that ended an utterance and decoded it.
		x := inRoom(c.PCM, snrDB, uint64(i))
		var ds []decision
		var slowest time.Duration
		for off := 0; off < len(x); off += frameLen {
			t0 := time.Now()
			got, err := p.feed(x[off:min(off+frameLen, len(x))])
			require.NoError(t, err)
			if len(got) > 0 {
				slowest = max(slowest, time.Since(t0))
			}
			ds = append(ds, got...)
		}
		if len(ds) > 0 {
			d.Decode = append(d.Decode, slowest)
		}
		dump("cmd", fmt.Sprintf("%s\t%v", c.Name, snrDB), ds)
		d.Total++
		ok := false
		for _, x := range ds {
			switch {
			case !accept(x.result, false):
			case x.Phrase.Words == c.Words:
				ok = true
			default:
				d.Wrong++
			}
		}
		if ok {
			d.Detected++
		} else {
			d.Missed = append(d.Missed, c.Name)
		}
	}
	return d
}

// falseCommands runs a long recording through the pipeline; speaking
// (nil: never) says which stretches the gate closes.
func falseCommands(t testing.TB, r *recogniser, pcm []int16, speaking func(from, to int64) bool) (taken, ungated []string) {
	p := &pipeline{rec: r}
	for off := 0; off < len(pcm); off += 4799 { // odd chunks, as a microphone delivers
		ds, err := p.feed(pcm[off:min(off+4799, len(pcm))])
		require.NoError(t, err)
		dump("neg", fmt.Sprint(len(pcm)), ds)
		for _, d := range ds {
			at := fmt.Sprintf("%s at %s", d.Text, time.Duration(d.Onset)*time.Second/Rate)
			if accept(d.result, false) {
				ungated = append(ungated, at)
			}
			if accept(d.result, speaking != nil && speaking(d.Onset, d.End)) {
				taken = append(taken, at)
			}
		}
	}
	return taken, ungated
}

// dumpTo, when COACH_LISTEN_DUMP names a file, receives every decision's
// scores as TSV: what the thresholds in result.go are fitted to.
var dumpTo = func() *os.File {
	if p := os.Getenv("COACH_LISTEN_DUMP"); p != "" {
		f, err := os.Create(p)
		if err == nil {
			return f
		}
	}
	return nil
}()

func dump(kind, what string, ds []decision) {
	if dumpTo == nil {
		return
	}
	for _, d := range ds {
		fmt.Fprintf(dumpTo, "%s\t%s\t%s\t%.2f\t%.2f\t%.3f\t%d\t%d\t%v\n", kind, what, d.Text, d.Wake, d.Command, d.Phones, d.Speech, d.Onset, d.BeatsDecoy)
	}
}

// session renders the built-in routine as the microphone would hear it
// from the speakers (16 kHz), and the timeline that gates it.
func session(t testing.TB) ([]int16, *coach.Timeline) {
	t.Helper()
	pack, err := voice.Default()
	require.NoError(t, err)
	rs, err := coach.LoadBuiltin(scripts.FS)
	require.NoError(t, err)
	tl, err := coach.Compile(rs[0], pack, coach.Options{CheckIn: true})
	require.NoError(t, err)
	pl, err := voice.Placements(tl, pack)
	require.NoError(t, err)
	m := voice.NewMixer(pl, tl.Length, 1)
	buf := make([]float32, tl.Length)
	m.Stream(buf)
	s := voice.Resample(buf, tl.Rate, Rate)
	out := make([]int16, len(s))
	for i, v := range s {
		out[i] = voice.ToInt16(v)
	}
	return out, tl
}

// gated is the gate of a timeline for sample positions at 16 kHz.
func gated(tl *coach.Timeline) func(from, to int64) bool {
	return func(from, to int64) bool {
		return speaking(tl, from*int64(tl.Rate)/Rate, to*int64(tl.Rate)/Rate)
	}
}

func newTestRecogniser(t testing.TB) *recogniser {
	t.Helper()
	if _, err := os.Stat(DefaultModel); err != nil && os.Getenv("CI") == "" {
		t.Skipf("no speech model (apt-get install pocketsphinx-en-us)")
	}
	r, err := newRecogniser(DefaultModel, Phrases())
	require.NoError(t, err)
	t.Cleanup(r.close)
	return r
}

// The corpus must be the control table's phrases, each in every voice and
// speed: change a Spoken word and the corpus must be recorded again
// (go run ./internal/listen/mkcorpus).
func TestCorpusCoversEveryPhrase(t *testing.T) {
	cs := corpus(t)
	voices, speeds := map[string]bool{}, map[string]bool{}
	have := map[string]bool{}
	for _, c := range cs {
		voices[c.Voice], speeds[c.Speed] = true, true
		have[c.Voice+"_"+c.Speed+"_"+c.Words] = true
	}
	assert.GreaterOrEqual(t, len(voices), 6)
	assert.Len(t, speeds, 2)
	for _, p := range Phrases() {
		for v := range voices {
			for s := range speeds {
				assert.True(t, have[v+"_"+s+"_"+p.Words], "no recording of %q by %s at %s", p.Words, v, s)
			}
		}
	}
	assert.Len(t, cs, len(Phrases())*len(voices)*len(speeds), "recordings of phrases the table no longer has")
}

// The recogniser on the corpus and on the coach's own session: floors
// under the measured figures (BenchmarkAccuracy has them), so a change that
// makes recognition worse fails here.
func TestAccuracy(t *testing.T) {
	r := newTestRecogniser(t)
	cs := corpus(t)
	clean := detect(t, r, cs, 0)
	noisy := detect(t, r, cs, 20)
	t.Logf("clean %d/%d (%d wrong), 20 dB %d/%d (%d wrong)", clean.Detected, clean.Total, clean.Wrong, noisy.Detected, noisy.Total, noisy.Wrong)
	assert.GreaterOrEqual(t, float64(clean.Detected)/float64(clean.Total), minDetectClean, "missed: %v", clean.Missed)
	assert.GreaterOrEqual(t, float64(noisy.Detected)/float64(noisy.Total), minDetectNoisy, "missed: %v", noisy.Missed)
	assert.LessOrEqual(t, clean.Wrong+noisy.Wrong, maxWrong)

	pcm, tl := session(t)
	taken, ungated := falseCommands(t, r, pcm, gated(tl))
	t.Logf("the coach's own session (%s): %d commands taken, %d without the gate %v", tl.Duration(tl.Length).Round(time.Second), len(taken), len(ungated), ungated)
	assert.Empty(t, taken, "the coach's own voice must never command it")
	assert.LessOrEqual(t, len(ungated), 2, "even with the gate off, the coach's voice is hardly ever a command")
}

// Floors for TestAccuracy, a little under what it measures (112/112 clean,
// 107/112 in 20 dB noise, none wrong): the pipeline is deterministic, so
// only a change to it (or to the recogniser's package) moves them.
const (
	minDetectClean = 0.97
	minDetectNoisy = 0.93
	maxWrong       = 1
)

// proseFile is festival reading the GNU GPL clause by clause with pauses
// (every Debian machine has the text): unrelated speech for false alarms.
// It is made once (about 8 minutes of CPU) and kept in the user's cache.
func proseFile(b *testing.B) string {
	b.Helper()
	dir, err := os.UserCacheDir()
	require.NoError(b, err)
	path := filepath.Join(dir, "coach-test", "prose-gpl3-festival.wav")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	require.NoError(b, os.MkdirAll(filepath.Dir(path), 0o755))
	cmd := exec.Command("go", "run", "./mkcorpus", "-prose", path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(b, cmd.Run(), "making the prose recording")
	return path
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAccuracy is the deterministic accuracy benchmark: recorded
// commands (8 voices x 2 speeds, clean and in 20 dB pink noise) and half an
// hour of unrelated speech plus the coach's own session, fed straight to
// the recogniser.
//
//	go test -tags pocketsphinx -run '^$' -bench Accuracy -benchtime 1x ./internal/listen
func BenchmarkAccuracy(b *testing.B) {
	r := newTestRecogniser(b)
	cs := corpus(b)
	prose, err := readPCM(proseFile(b))
	require.NoError(b, err)
	sess, tl := session(b)
	for b.Loop() {
		clean := detect(b, r, cs, 0)
		noisy := detect(b, r, cs, 20)
		c0 := cpuTime()
		t0 := time.Now()
		taken, ungatedProse := falseCommands(b, r, prose, nil)
		cpu := cpuTime() - c0
		wall := time.Since(t0)
		own, ungated := falseCommands(b, r, sess, gated(tl))
		proseMin := float64(len(prose)) / Rate / 60
		dec := append(clean.Decode, noisy.Decode...)
		slices.Sort(dec)
		hang := time.Duration(vadHang) * 10 * time.Millisecond
		b.ReportMetric(100*float64(clean.Detected)/float64(clean.Total), "%detect-clean")
		b.ReportMetric(100*float64(noisy.Detected)/float64(noisy.Total), "%detect-20dB")
		b.ReportMetric(float64(clean.Wrong+noisy.Wrong), "wrong-commands")
		b.ReportMetric(float64(len(taken))*30/proseMin, "false/30min-prose")
		b.ReportMetric(float64(len(own)), "false-own-session")
		b.ReportMetric(float64(len(ungated)), "false-own-ungated")
		b.ReportMetric(float64((hang + dec[len(dec)/2]).Milliseconds()), "ms-latency-p50")
		b.ReportMetric(float64((hang + dec[len(dec)-1]).Milliseconds()), "ms-latency-max")
		b.ReportMetric(100*cpu.Seconds()/(float64(len(prose))/Rate), "%cpu-of-a-core")
		b.Logf("prose %.1f min in %v: %d false commands %v (same: %d ungated)", proseMin, wall.Round(time.Millisecond), len(taken), taken, len(ungatedProse))
		b.Logf("own session: %d gated, %d ungated %v", len(own), len(ungated), ungated)
		b.Logf("missed clean %v", clean.Missed)
		b.Logf("missed 20 dB %v", noisy.Missed)
	}
}

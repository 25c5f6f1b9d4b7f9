package cli

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coach-dev/coach/internal/pulsetest"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// coachBin is the real binary, built once for the end-to-end tests.
var coachBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "coach-e2e-")
	if err != nil {
		panic(err)
	}
	coachBin = filepath.Join(dir, "coach")
	if out, err := exec.Command("go", "build", "-o", coachBin, "github.com/coach-dev/coach/cmd/coach").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic("build coach: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type planCue struct {
	AtFrame int64    `json:"at_frame"`
	AtMS    int64    `json:"at_ms"`
	Text    string   `json:"text"`
	Clips   []string `json:"clips"`
}

func loadPlan(t *testing.T, args ...string) (rate int, cues []planCue) {
	t.Helper()
	r := run(t, nil, append([]string{"plan", "--json"}, args...)...)
	require.Equal(t, 0, r.code, r.err)
	var p struct {
		SampleRate int       `json:"sample_rate"`
		Cues       []planCue `json:"cues"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.out), &p))
	return p.SampleRate, p.Cues
}

// TestRunThroughRealAudioPath plays the first 62 s of the built-in routine
// through `coach run`, oto and ALSA into a real-time PulseAudio null sink,
// and checks every prompt starts where the plan says, to one ALSA period.
func TestRunThroughRealAudioPath(t *testing.T) {
	env := pulsetest.Start(t)
	rate, cues := loadPlan(t, "upper-back")

	cmd := exec.Command(coachBin, "run", "upper-back", "--audio", "required", "--no-checkin")
	cmd.Env = append(env.Environ(), "HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	began := time.Now()
	require.NoError(t, cmd.Start())
	// Play until 61 s are captured: on a loaded machine the device can
	// underrun, and the stream, being the clock, then runs behind the wall.
	captured := filepath.Join(env.Dir, "capture.raw")
	for time.Since(began) < 2*time.Minute {
		if st, err := os.Stat(captured); err == nil && st.Size() >= int64(61*rate*4) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	wall := time.Since(began)
	require.NoError(t, cmd.Wait(), "SIGINT ends the session cleanly: %s", stderr.String())

	capture, err := env.Capture()
	require.NoError(t, err)
	if os.Getenv("COACH_DUMP") != "" {
		b, _ := os.ReadFile(filepath.Join(env.Dir, "capture.raw"))
		os.WriteFile(os.Getenv("COACH_DUMP"), b, 0o644)
	}
	require.Greater(t, len(capture), 60*rate, "at least 60 s were played")
	// The device, not a timer, paced the session: it never ran ahead of the
	// wall clock (ALSA's unclocked null device takes a second of audio in a
	// millisecond), and it kept up, but for underruns under load.
	heard := time.Duration(len(capture)) * time.Second / time.Duration(rate)
	t.Logf("captured %s in %s of wall time", heard, wall)
	assert.Less(t, heard, wall+time.Second, "real-time clocked")
	assert.Greater(t, heard, wall*8/10, "kept up with real time")

	// What the device should have been handed is the rendered session,
	// sample for sample (a render and a live session are the same samples).
	// Each prompt is found in the capture by its first 20 ms of sound,
	// matched exactly, near where the plan puts it relative to a reference.
	wav := filepath.Join(t.TempDir(), "session.wav")
	r := run(t, nil, "render", "upper-back", "-o", wav) // no check-ins, as the run
	require.Equal(t, 0, r.code, r.err)
	rendered, _, _, err := voice.DecodeWAVFile(wav)
	require.NoError(t, err)
	pcm := func(s []float32) []int16 {
		out := make([]int16, len(s))
		for i, v := range s {
			out[i] = voice.ToInt16(v)
		}
		return out
	}
	want16, got16 := pcm(rendered), pcm(capture)
	window := rate * 20 / 1000
	// loud is where a prompt becomes clearly audible in the render.
	loud := func(c planCue) int64 {
		for i := c.AtFrame; i < int64(len(want16)); i++ {
			if want16[i] > 300 || want16[i] < -300 {
				return i
			}
		}
		return -1
	}
	find := func(at int64, from, to int64) int64 {
		w := want16[at : at+int64(window)]
		for q := max(from, 0); q+int64(window) <= min(to, int64(len(got16))); q++ {
			if slices.Equal(got16[q:q+int64(window)], w) {
				return q
			}
		}
		return -1
	}
	period := int64(rate) * 10 / 1000 // deviceBuffer/2
	tolerance := period + int64(rate)/1000
	// The stream's first milliseconds are its start-up (the notes say to
	// compare relative to a cue, not to absolute positions). So the
	// reference is the first cue a second or more into the session, found
	// anywhere in the first seconds of the capture.
	ref := 0
	for cues[ref].AtFrame < int64(rate) {
		ref++
	}
	refAt := loud(cues[ref])
	require.GreaterOrEqual(t, refAt, int64(0))
	anchor := find(refAt, 0, refAt+int64(5*rate))
	require.GreaterOrEqual(t, anchor, int64(0), "the reference prompt %q is in the capture, sample for sample", cues[ref].Text)
	t.Logf("the stream's start-up put the session %.2f ms late", float64(anchor-refAt)*1000/float64(rate))

	var xs, errs []float64
	for _, c := range cues[ref:] {
		at := loud(c)
		if at < 0 || at-refAt+int64(rate) > int64(len(got16))-anchor {
			break
		}
		want := anchor + at - refAt
		got := find(at, want-4*period, want+4*period+int64(window))
		if !assert.GreaterOrEqual(t, got, int64(0), "no match near %d ms for %q", c.AtMS, c.Text) {
			continue
		}
		d := got - want
		assert.LessOrEqual(t, abs64(d), tolerance, "%q at %d ms is %.2f ms off the plan", c.Text, c.AtMS, float64(d)*1000/float64(rate))
		xs = append(xs, float64(at-refAt)/float64(rate))
		errs = append(errs, float64(d)*1000/float64(rate))
	}
	require.Greater(t, len(xs), 19, "enough prompts over a minute to judge")
	slope := fitSlope(xs, errs) // ms of error per second of session
	lo, hi := errs[0], errs[0]
	for _, e := range errs {
		lo, hi = math.Min(lo, e), math.Max(hi, e)
	}
	t.Logf("%d onsets over %.1f s; error mean %.2f ms, max %.2f ms, spread %.2f ms; fitted drift %.4f ms/s", len(xs), xs[len(xs)-1], mean(errs), maxAbs(errs), hi-lo, slope)
	// No drift: over the whole minute every onset stays within one period of
	// every other, so nothing accumulates (a drift of 0.2 ms/s would not).
	// A line fit alone would read one period's jump mid-run as drift.
	assert.LessOrEqual(t, hi-lo, float64(tolerance)*1000/float64(rate), "errors do not accumulate")
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func fitSlope(x, y []float64) float64 {
	mx, my := mean(x), mean(y)
	var num, den float64
	for i := range x {
		num += (x[i] - mx) * (y[i] - my)
		den += (x[i] - mx) * (x[i] - mx)
	}
	return num / den
}

// BenchmarkStartup measures from process start to the first frame handed
// to the device: the first bytes the ALSA file plugin captures (target:
// under 300 ms).
func BenchmarkStartup(b *testing.B) {
	env := pulsetest.Start(b)
	capture := filepath.Join(env.Dir, "capture.raw")
	var total time.Duration
	for b.Loop() {
		os.Remove(capture)
		cmd := exec.Command(coachBin, "run", "upper-back", "--audio", "required")
		cmd.Env = append(env.Environ(), "HOME="+b.TempDir())
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			if st, err := os.Stat(capture); err == nil && st.Size() > 0 {
				break
			}
			if time.Since(start) > 10*time.Second {
				b.Fatal("no audio within 10 s")
			}
			time.Sleep(500 * time.Microsecond)
		}
		total += time.Since(start)
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-first-frame")
}

// TestNoAudioDevice: where no device opens, coach says why in one line and
// carries on silently, or exits 1 with --audio required.
func TestNoAudioDevice(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "asound.conf")
	require.NoError(t, os.WriteFile(conf, []byte(`pcm.!default { type hw card 97 }`+"\n"), 0o644))
	env := append(os.Environ(), "ALSA_CONFIG_PATH="+conf, "HOME="+t.TempDir())

	cmd := exec.Command(coachBin, "run", "upper-back", "--audio", "required", "--companion", "off")
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	assert.Equal(t, 1, strings.Count(errb.String(), "\n"), "one line: %q", errb.String())
	assert.True(t, strings.HasPrefix(errb.String(), `coach: no sound device (ALSA "default": `), errb.String())
	assert.Less(t, len(errb.String()), 100, "one short line a person can act on")

	cmd = exec.Command(coachBin, "run", "upper-back", "--only", "scapular-squeeze", "--companion", "off", "--no-checkin")
	cmd.Env = env
	var out2, errb2 bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out2, &errb2
	require.NoError(t, cmd.Start())
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait())
	assert.Contains(t, errb2.String(), "; the session goes on silently (--no-audio skips the attempt)\n")
	assert.Equal(t, 1, strings.Count(errb2.String(), "\n"), errb2.String())
	assert.Contains(t, out2.String(), "Upper back routine.", "the session went on without sound")
}

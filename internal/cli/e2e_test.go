package cli

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
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
	pack, err := voice.Default()
	require.NoError(t, err)

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

	// A prompt's first non-zero sample, counted from its cue.
	lead := func(c planCue) int64 {
		clip, ok := pack.Clip(c.Clips[0])
		require.True(t, ok)
		for i, v := range clip.Samples {
			if voice.ToInt16(v) != 0 {
				return int64(i)
			}
		}
		return 0
	}
	period := int64(rate) * 10 / 1000 // deviceBuffer/2
	tolerance := period + int64(rate)/1000
	quiet := rate * 50 / 1000
	// The stream's first milliseconds are its start-up (the notes say to
	// compare relative to a cue, not to absolute positions): a prompt at
	// frame 0 has landed 0, 6.67 or 13.33 ms off the rest across runs. So
	// the reference is the first cue a second or more into the session.
	first := int64(pulsetest.Onset(capture, 0, len(capture), quiet))
	require.GreaterOrEqual(t, first, int64(0), "the first prompt is in the capture")
	ref := 0
	for cues[ref].AtFrame < int64(rate) {
		ref++
	}
	refPlanned := cues[ref].AtFrame + lead(cues[ref]) - (cues[0].AtFrame + lead(cues[0]))
	anchor := int64(pulsetest.Onset(capture, int(first+refPlanned-4*period), int(first+refPlanned+4*period), quiet))
	require.GreaterOrEqual(t, anchor, int64(0), "the reference prompt %q is in the capture", cues[ref].Text)
	start := cues[ref].AtFrame + lead(cues[ref])
	t.Logf("the prompt at frame 0 started %.2f ms from where the rest put it", float64(anchor-refPlanned-first)*1000/float64(rate))

	var xs, errs []float64
	for _, c := range cues[ref:] {
		planned := c.AtFrame + lead(c) - start
		if planned+int64(rate) > int64(len(capture))-anchor {
			break
		}
		want := anchor + planned
		got := pulsetest.Onset(capture, int(want-4*period), int(want+4*period), quiet)
		if !assert.GreaterOrEqual(t, got, 0, "no onset near %d ms for %q", c.AtMS, c.Text) {
			continue
		}
		d := int64(got) - want
		assert.LessOrEqual(t, abs64(d), tolerance, "%q at %d ms is %.2f ms off the plan", c.Text, c.AtMS, float64(d)*1000/float64(rate))
		xs = append(xs, float64(planned)/float64(rate))
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

	cmd = exec.Command(coachBin, "run", "upper-back", "--only", "scapular-squeeze", "--companion", "off", "--no-checkin", "--no-media-keys")
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

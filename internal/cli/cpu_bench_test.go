package cli

import (
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/coach-dev/coach/internal/pulsetest"
	"github.com/stretchr/testify/require"
)

// cpuShare runs cmd for d, stops it with SIGINT and returns the CPU it
// used (user + system) as a share of one core over the wall time.
func cpuShare(b *testing.B, cmd *exec.Cmd, d time.Duration) float64 {
	b.Helper()
	cmd.Stdout, cmd.Stderr = nil, nil
	start := time.Now()
	require.NoError(b, cmd.Start())
	time.Sleep(d)
	require.NoError(b, cmd.Process.Signal(syscall.SIGINT))
	cmd.Wait()
	wall := time.Since(start)
	st := cmd.ProcessState
	require.NotNil(b, st)
	return float64(st.UserTime()+st.SystemTime()) / float64(wall)
}

// BenchmarkRunCPU measures what a live session costs, side by side in one
// run on one audio path: coach run through oto → ALSA → a real-time
// PulseAudio null sink, against aplay playing the same rendered session
// with the same 20 ms buffer (target: coach at most 1.5× aplay), against
// oto itself playing silence through coach's device adapter (the floor any
// oto program pays), and coach run --no-audio (target: under 1 % of a core). Startup is included in
// both. Run it alone: go test -run '^$' -bench RunCPU -benchtime 1x ./internal/cli
func BenchmarkRunCPU(b *testing.B) {
	pulsetest.Require(b, "aplay")
	env := pulsetest.Start(b)
	dir := b.TempDir()
	wav := filepath.Join(dir, "session.wav")
	home := b.TempDir()
	render := exec.Command(coachBin, "render", "upper-back", "-o", wav)
	render.Env = append(os.Environ(), "HOME="+home)
	out, err := render.CombinedOutput()
	require.NoError(b, err, string(out))
	const d = 30 * time.Second
	for b.Loop() {
		aplay := exec.Command("aplay", "-q", "--buffer-time=20000", wav)
		aplay.Env = env.Environ()
		ap := cpuShare(b, aplay, d)

		run := exec.Command(coachBin, "run", "upper-back", "--audio", "required", "--companion", "off", "--history", "off", "--no-checkin")
		run.Env = append(env.Environ(), "HOME="+home)
		co := cpuShare(b, run, d)

		bare := exec.Command(os.Args[0], "-test.run=^TestHelperBareOto$")
		bare.Env = append(env.Environ(), "COACH_BARE_OTO=1")
		oto := cpuShare(b, bare, d)

		silent := exec.Command(coachBin, "run", "upper-back", "--no-audio", "--history", "off")
		silent.Env = append(os.Environ(), "HOME="+home)
		na := cpuShare(b, silent, d)

		b.ReportMetric(ap*100, "aplay-%cpu")
		b.ReportMetric(co*100, "coach-%cpu")
		b.ReportMetric(co/ap, "coach/aplay")
		b.ReportMetric(oto*100, "bare-oto-%cpu")
		b.ReportMetric(na*100, "no-audio-%cpu")
	}
}

// silence is the cheapest Streamer: what oto costs with nothing to mix.
type silence struct{}

func (silence) Stream(buf []float32) int { clear(buf); return len(buf) }

// TestHelperBareOto plays silence through the same device adapter as coach
// run until SIGINT: the floor of what oto costs on a path. It runs only as
// BenchmarkRunCPU's child process.
func TestHelperBareOto(t *testing.T) {
	if os.Getenv("COACH_BARE_OTO") != "1" {
		return // not a test of its own
	}
	dev, err := openDevice(24000)
	require.NoError(t, err)
	require.NoError(t, dev.Start(silence{}))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
}

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/pulsetest"
	"github.com/stretchr/testify/require"
)

// BenchmarkPauseHeard measures how soon a pause is heard through the real
// audio path: a page sends pause while a prompt is playing, and the capture
// (what oto writes to ALSA, which a real-time PulseAudio sink drains) shows
// where the prompt is cut to the mixer's exact silence. The delay is that
// distance in the stream plus the 20 ms device buffer still to play
// (target: within 60 ms). go test -run '^$' -bench PauseHeard -benchtime 8x ./internal/cli
func BenchmarkPauseHeard(b *testing.B) {
	env := pulsetest.Start(b)
	home := b.TempDir()
	cmd := exec.Command(coachBin, "run", "upper-back", "--audio", "required", "--no-checkin", "--history", "off", "--companion", "127.0.0.1:0")
	cmd.Env = append(env.Environ(), "HOME="+home)
	stdout, err := cmd.StdoutPipe()
	require.NoError(b, err)
	require.NoError(b, cmd.Start())
	defer func() { cmd.Process.Signal(syscall.SIGINT); cmd.Wait() }()
	c := &liveCoach{cmd: cmd, lines: make(chan string, 4096), exit: make(chan error, 1)}
	go c.read(stdout)
	p := openPage(b, c)
	captured := filepath.Join(env.Dir, "capture.raw")
	const rate = 24000
	var delays []float64
	for b.Loop() {
		// A prompt that has just begun ("Roll back.", half a second or more):
		// it is still being said when the pause comes.
		prev := p.state().Caption
		p.waitState(b, "a prompt beginning", func(st coach.State) bool {
			return len(st.Caption) >= 9 && st.Caption != prev && !st.Paused
		})
		time.Sleep(80 * time.Millisecond)
		st, err := os.Stat(captured)
		require.NoError(b, err)
		written := int(st.Size() / 4) // frames handed to ALSA so far
		p.send(b, coach.CmdPause)
		p.waitState(b, "paused", func(st coach.State) bool { return st.Paused })
		time.Sleep(400 * time.Millisecond)
		capture, err := env.Capture()
		require.NoError(b, err)
		// The cut: the first run of 50 ms of exact zeros after the command.
		cut, zeros := -1, 0
		for i := max(written, 0); i < len(capture); i++ {
			if capture[i] != 0 {
				zeros = 0
				continue
			}
			if zeros++; zeros == rate/20 {
				cut = i - zeros + 1
				break
			}
		}
		require.GreaterOrEqual(b, cut, 0, "the pause silenced the stream")
		delay := float64(cut-written)/rate*1000 + 20 // + the device buffer
		delays = append(delays, delay)
		p.send(b, coach.CmdResume)
		p.waitState(b, "resumed", func(st coach.State) bool { return !st.Paused })
		time.Sleep(700 * time.Millisecond)
	}
	slices.Sort(delays)
	b.ReportMetric(delays[len(delays)/2], "p50-ms")
	b.ReportMetric(delays[len(delays)-1], "max-ms")
}

//go:build pocketsphinx

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/listen/listentest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	listenBinOnce sync.Once
	listenBin     string
	listenBinErr  error
)

// buildListening builds coach with the recogniser, whatever tags the test
// binary was built with.
func buildListening(t *testing.T) string {
	t.Helper()
	listenBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "coach-listen-")
		if err != nil {
			listenBinErr = err
			return
		}
		listenBin = filepath.Join(dir, "coach")
		out, err := exec.Command("go", "build", "-tags", "pocketsphinx", "-o", listenBin, "github.com/coach-dev/coach/cmd/coach").CombinedOutput()
		if err != nil {
			listenBinErr = err
			t.Logf("%s", out)
		}
	})
	require.NoError(t, listenBinErr)
	return listenBin
}

// A real `coach run --listen` plays its session through a private PulseAudio
// daemon while recorded commands are played into that daemon's virtual
// microphone in the gaps: the session pauses, resumes, moves on and stops,
// each within 1.5 s of the end of the phrase, and says what it heard on the
// terminal and the page.
func TestSpokenCommandsDriveARealSession(t *testing.T) {
	mic := listentest.Start(t)
	bin := buildListening(t)
	cmd := exec.Command(bin, "run", "testdata/handsfree/quiet-holds.yaml", "--listen", "--audio", "required",
		"--no-checkin", "--no-media-keys", "--history", "off", "--companion", "127.0.0.1:0")
	cmd.Env = append(mic.Environ(), "HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill() })
	c := &liveCoach{cmd: cmd, lines: make(chan string, 4096), exit: make(chan error, 1)}
	go func() {
		c.read(stdout)
		c.exit <- cmd.Wait()
	}()
	p := openPage(t, c)

	clip := func(words string) string {
		return filepath.Join("..", "listen", "testdata", "commands", "festival-slt-hts_1.20_"+strings.ReplaceAll(words, " ", "-")+".wav")
	}
	// gap waits for a hold with no line being said and time left for a phrase.
	gap := func(what string) coach.State {
		return p.waitState(t, what, func(st coach.State) bool {
			return st.Phase == string(coach.Hold) && st.Caption == "" && !st.Paused && st.PhaseLeftMS > 5000 && st.PhaseMS-st.PhaseLeftMS > 1500
		})
	}
	// say plays a phrase and waits for its effect, timing it from the end
	// of the phrase (the clip ends with 100 ms of silence).
	say := func(words string, done func(coach.State) bool) time.Duration {
		t.Helper()
		mic.Say(t, clip(words))
		end := time.Now().Add(-100 * time.Millisecond)
		for time.Since(end) < 5*time.Second {
			if done(p.state()) {
				return time.Since(end)
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("%q had no effect in 5 s; last state %+v; stderr: %s", words, p.state(), stderr.String())
		return 0
	}

	t.Cleanup(func() {
		if t.Failed() {
			c.mu.Lock()
			t.Logf("stdout:\n%s\nstderr:\n%s", strings.Join(c.out, "\n"), stderr.String())
			c.mu.Unlock()
		}
	})
	first := gap("a quiet hold")
	lat := say("pause", func(st coach.State) bool { return st.Paused })
	assert.Less(t, lat, 1500*time.Millisecond, "pause")
	t.Logf("coach pause: %v", lat)
	lat = say("carry on", func(st coach.State) bool { return !st.Paused })
	assert.Less(t, lat, 1500*time.Millisecond, "carry on")
	t.Logf("coach carry on: %v", lat)

	gap("a quiet hold again")
	lat = say("skip it", func(st coach.State) bool { return st.ExerciseIndex == first.ExerciseIndex+1 })
	assert.Less(t, lat, 1500*time.Millisecond, "skip it")
	t.Logf("coach skip it: %v", lat)

	gap("a hold of the next exercise")
	lat = say("stop", func(st coach.State) bool { return st.Stopped })
	assert.Less(t, lat, 1500*time.Millisecond, "stop")
	t.Logf("coach stop: %v", lat)

	out, err := c.wait(t)
	require.NoError(t, err, "%s\n%s", out, stderr.String())
	for _, h := range []string{"Heard: pause", "Heard: carry on", "Heard: skip it", "Heard: stop"} {
		assert.Contains(t, out, h)
	}
	assert.Contains(t, out, "Session stopped")
	assert.NotContains(t, stderr.String(), "not listening")
}

// Package pulsetest gives tests a real, real-time-clocked audio path with no
// sound card: a private PulseAudio daemon with a null sink (clocked like a
// device) behind the ALSA file plugin, which captures every sample the
// program under test writes. See shared/notes/audio-testing.md.
package pulsetest

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Env is one private audio path. Programs run with Environ() play into it.
type Env struct {
	Dir     string
	capture string
	conf    string
}

// Require fails the test when bin is missing in CI (which installs it) and
// skips only on a developer machine that truly lacks it.
func Require(t testing.TB, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run must install it", bin)
		}
		t.Skipf("%s is not installed (make test installs it)", bin)
	}
}

// Start runs the daemon for the length of the test.
func Start(t testing.TB) *Env {
	t.Helper()
	Require(t, "pulseaudio")
	dir, err := os.MkdirTemp("", "coach-pulse-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	e := &Env{Dir: dir, capture: filepath.Join(dir, "capture.raw"), conf: filepath.Join(dir, "asound.conf")}
	sock := filepath.Join(dir, "native.sock")
	pa := fmt.Sprintf(`load-module module-null-sink sink_name=nullsink rate=44100 channels=1 format=float32le
set-default-sink nullsink
# keep-alive: an always-connected stream stops the idle sink from sleeping,
# which would otherwise stall the first client for 0.1-2 s
load-module module-null-source source_name=keepsrc rate=44100 channels=1 format=float32le
load-module module-loopback source=keepsrc sink=nullsink latency_msec=10
load-module module-native-protocol-unix auth-anonymous=1 socket=%s
`, sock)
	alsa := fmt.Sprintf(`pcm.!default {
    type file
    slave.pcm { type pulse server "unix:%s" }
    file "%s"
    format "raw"
}
`, sock, e.capture)
	must(t, os.WriteFile(e.conf, []byte(alsa), 0o644))
	Daemon(t, dir, pa, sock)
	return e
}

// Daemon runs a private PulseAudio daemon in dir for the length of the
// test, with script as its only configuration (it must load
// module-native-protocol-unix on socket), and returns once the daemon
// serves socket and a keep-alive stream in the script has settled.
func Daemon(t testing.TB, dir, script, socket string) {
	t.Helper()
	Require(t, "pulseaudio")
	file := filepath.Join(dir, "daemon.pa")
	must(t, os.WriteFile(file, []byte(script), 0o644))
	must(t, os.MkdirAll(filepath.Join(dir, "run"), 0o700))
	cmd := exec.Command("pulseaudio", "-n", "-F", file, "--daemonize=no",
		"--exit-idle-time=-1", "--use-pid-file=no", "--log-target=stderr")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_RUNTIME_DIR="+filepath.Join(dir, "run"))
	log, err := os.Create(filepath.Join(dir, "pulseaudio.log"))
	must(t, err)
	cmd.Stdout, cmd.Stderr = log, log
	must(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		log.Close()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(socket); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "pulseaudio.log"))
			t.Fatalf("pulseaudio did not start:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A keep-alive takes effect after the sink's first wake-up.
	time.Sleep(2100 * time.Millisecond)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Environ is the environment that sends a process's ALSA output here.
func (e *Env) Environ() []string {
	return append(os.Environ(), "ALSA_CONFIG_PATH="+e.conf)
}

// Capture reads every sample written so far: float32, the player's rate.
func (e *Env) Capture() ([]float32, error) {
	b, err := os.ReadFile(e.capture)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

// Onset finds the first non-zero sample in s[from:to] that follows at least
// quiet zero samples (or the start of the capture): the start of a prompt
// after the mixer's exact silence.
func Onset(s []float32, from, to, quiet int) int {
	from, to = max(from, 0), min(to, len(s))
	zeros := 0
	if from == 0 {
		zeros = quiet // the capture begins in silence
	} else {
		for j := from - 1; j >= 0 && s[j] == 0 && zeros < quiet; j-- {
			zeros++
		}
	}
	for i := from; i < to; i++ {
		if s[i] == 0 {
			zeros++
			continue
		}
		if zeros >= quiet {
			return i
		}
		zeros = 0
	}
	return -1
}

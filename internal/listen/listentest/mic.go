// Package listentest gives tests a real microphone with no hardware: a
// private PulseAudio daemon whose default source is a virtual microphone
// fed by a null sink, so `paplay` speaks into it in real time while the
// program under test plays into another null sink (the "speaker").
package listentest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Env is one private daemon.
type Env struct {
	Dir    string
	socket string
	conf   string
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
	Require(t, "paplay")
	dir := t.TempDir()
	e := &Env{Dir: dir, socket: filepath.Join(dir, "native.sock"), conf: filepath.Join(dir, "asound.conf")}
	pa := fmt.Sprintf(`load-module module-native-protocol-unix socket=%s auth-anonymous=1
load-module module-null-sink sink_name=speaker rate=48000
load-module module-null-sink sink_name=userfeed rate=16000 channels=1
load-module module-virtual-source source_name=mic master=userfeed.monitor
set-default-sink speaker
set-default-source mic
# keep-alive: an always-connected stream stops the idle speaker from
# sleeping, which would stall the first player for 0.1-2 s
load-module module-null-source source_name=keepsrc rate=48000
load-module module-loopback source=keepsrc sink=speaker latency_msec=10
`, e.socket)
	// Both directions of the ALSA default device go to this daemon.
	alsa := fmt.Sprintf(`pcm.!default { type pulse server "unix:%[1]s" }
ctl.!default { type pulse server "unix:%[1]s" }
`, e.socket)
	must(t, os.WriteFile(filepath.Join(dir, "mic.pa"), []byte(pa), 0o644))
	must(t, os.WriteFile(e.conf, []byte(alsa), 0o644))
	must(t, os.MkdirAll(filepath.Join(dir, "run"), 0o700))
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "pulseaudio", "-n", "-F", filepath.Join(dir, "mic.pa"), "--daemonize=no",
		"--exit-idle-time=-1", "--use-pid-file=no", "--log-target=stderr")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_RUNTIME_DIR="+filepath.Join(dir, "run"))
	log, err := os.Create(filepath.Join(dir, "pulseaudio.log"))
	must(t, err)
	cmd.Stdout, cmd.Stderr = log, log
	must(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		log.Close()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(e.socket); err == nil {
			// The keep-alive takes effect after the sink's first wake-up.
			time.Sleep(2100 * time.Millisecond)
			return e
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "pulseaudio.log"))
			t.Fatalf("pulseaudio did not start:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Environ is the environment of a program that plays to the speaker and
// listens to the microphone of this daemon (through ALSA or PulseAudio).
func (e *Env) Environ() []string {
	return append(os.Environ(), "ALSA_CONFIG_PATH="+e.conf, "PULSE_SERVER=unix:"+e.socket)
}

// Say plays a WAV into the microphone in real time and returns when it
// has been played.
func (e *Env) Say(t testing.TB, wav string) {
	t.Helper()
	cmd := exec.Command("paplay", "--device=userfeed", wav)
	cmd.Env = e.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("paplay %s: %v: %s", wav, err, out)
	}
}

// Package listentest gives tests a real microphone with no hardware: a
// private PulseAudio daemon whose default source is a virtual microphone
// fed by a null sink, so `paplay` speaks into it in real time while the
// program under test plays into another null sink (the "speaker").
package listentest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/coach-dev/coach/internal/pulsetest"
)

// Env is one private daemon.
type Env struct {
	Dir    string
	socket string
	conf   string
}

// Start runs the daemon for the length of the test.
func Start(t testing.TB) *Env {
	t.Helper()
	pulsetest.Require(t, "paplay")
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
	must(t, os.WriteFile(e.conf, []byte(alsa), 0o644))
	pulsetest.Daemon(t, dir, pa, e.socket)
	return e
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

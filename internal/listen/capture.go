//go:build pocketsphinx

package listen

/*
#cgo pkg-config: alsa
#include <alsa/asoundlib.h>

// libasound prints its own diagnostics to stderr; coach says why in one
// line instead.
static void coach_mic_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {}

static int coach_open_capture(snd_pcm_t **h, const char *dev, unsigned rate) {
	snd_lib_error_set_handler(coach_mic_quiet);
	int err = snd_pcm_open(h, dev, SND_PCM_STREAM_CAPTURE, 0);
	if (err < 0) return err;
	// 200 ms of buffer: a busy machine never loses the microphone.
	err = snd_pcm_set_params(*h, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, 1, rate, 1, 200000);
	if (err < 0) { snd_pcm_close(*h); *h = NULL; }
	return err;
}

static long coach_read(snd_pcm_t *h, short *buf, unsigned long frames) {
	snd_pcm_sframes_t n = snd_pcm_readi(h, buf, frames);
	if (n < 0) {
		// An overrun (the reader was late) or a suspend: recover and go on.
		int err = snd_pcm_recover(h, (int)n, 1);
		if (err < 0) return err;
		return 0;
	}
	return (long)n;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// alsaMic is a microphone opened through ALSA, which reaches PulseAudio and
// PipeWire through their ALSA plugins.
type alsaMic struct {
	h *C.snd_pcm_t
}

func openMic(device string) (*alsaMic, error) {
	if device == "" {
		device = "default"
	}
	cd := C.CString(device)
	defer C.free(unsafe.Pointer(cd))
	var h *C.snd_pcm_t
	if err := C.coach_open_capture(&h, cd, C.uint(Rate)); err < 0 {
		return nil, fmt.Errorf("no microphone (%s: %s)", device, C.GoString(C.snd_strerror(err)))
	}
	return &alsaMic{h: h}, nil
}

// Read blocks until len(buf) samples are captured (or fewer after an overrun).
func (m *alsaMic) Read(buf []int16) (int, error) {
	n := C.coach_read(m.h, (*C.short)(unsafe.Pointer(&buf[0])), C.ulong(len(buf)))
	if n < 0 {
		return 0, fmt.Errorf("microphone: %s", C.GoString(C.snd_strerror(C.int(n))))
	}
	return int(n), nil
}

// Close must not run while a Read is blocked; the listener's reader closes
// it itself.
func (m *alsaMic) Close() error {
	C.snd_pcm_close(m.h)
	return nil
}

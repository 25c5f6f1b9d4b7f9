//go:build cgo

package otodev

/*
#cgo pkg-config: alsa
#include <alsa/asoundlib.h>

// libasound prints its own diagnostics to stderr ("cannot find card '0'")
// before oto reports the same failure as an error; coach says it once, in
// one line, so the library's copy is silenced.
static void coach_alsa_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {}
static void coach_alsa_silence(void) { snd_lib_error_set_handler(coach_alsa_quiet); }
*/
import "C"

func silenceALSA() { C.coach_alsa_silence() }

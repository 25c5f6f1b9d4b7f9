//go:build pocketsphinx

package listen

/*
#cgo pkg-config: pocketsphinx
#include <stdlib.h>
#include <pocketsphinx.h>

// cmd_ln_init is variadic and cgo cannot call it; parse an argv instead.
static cmd_ln_t *coach_config(int argc, char **argv) {
	return cmd_ln_parse_r(NULL, ps_args(), argc, argv, 1);
}

// One pass over a whole utterance; returns the frames decoded or < 0.
static int coach_decode(ps_decoder_t *ps, const int16 *data, size_t n) {
	if (ps_start_utt(ps) < 0) return -1;
	if (ps_process_raw(ps, data, n, 0, 1) < 0) { ps_end_utt(ps); return -1; }
	if (ps_end_utt(ps) < 0) return -1;
	return ps_get_n_frames(ps);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// decoder is one pocketsphinx decoder. It is not safe for concurrent use.
type decoder struct {
	ps *C.ps_decoder_t
}

// segment is one word (or phone, in the phone loop) of a hypothesis.
type segment struct {
	Word       string
	Start, End int   // frames (10 ms), inclusive
	Acoustic   int32 // acoustic log score, in the decoder's log base
}

// hypothesis is a decoded utterance.
type hypothesis struct {
	Text     string
	Frames   int
	Segments []segment
}

// acoustic is the summed acoustic score of the hypothesis.
func (h hypothesis) acoustic() int64 {
	var s int64
	for _, g := range h.Segments {
		s += int64(g.Acoustic)
	}
	return s
}

func newDecoder(args ...string) (*decoder, error) {
	argv := make([]*C.char, len(args))
	for i, a := range args {
		argv[i] = C.CString(a)
	}
	defer func() {
		for _, a := range argv {
			C.free(unsafe.Pointer(a))
		}
	}()
	var p **C.char
	if len(argv) > 0 {
		p = &argv[0]
	}
	cfg := C.coach_config(C.int(len(argv)), p)
	if cfg == nil {
		return nil, errors.New("the recogniser refused its settings")
	}
	ps := C.ps_init(cfg)
	C.cmd_ln_free_r(cfg) // ps_init keeps its own reference
	if ps == nil {
		return nil, errors.New("the recogniser did not start (is the model there?)")
	}
	d := &decoder{ps: ps}
	runtime.SetFinalizer(d, (*decoder).close)
	return d, nil
}

func (d *decoder) close() {
	if d.ps != nil {
		C.ps_free(d.ps)
		d.ps = nil
	}
}

// addJSGF adds a grammar search.
func (d *decoder) addJSGF(name, grammar string) error {
	cn, cg := C.CString(name), C.CString(grammar)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cg))
	if C.ps_set_jsgf_string(d.ps, cn, cg) < 0 {
		return fmt.Errorf("the recogniser refused the %s grammar", name)
	}
	return nil
}

// addPhoneLoop adds a phone-loop search with a phone language model.
func (d *decoder) addPhoneLoop(name, lm string) error {
	cn, cl := C.CString(name), C.CString(lm)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cl))
	if C.ps_set_allphone_file(d.ps, cn, cl) < 0 {
		return fmt.Errorf("the recogniser refused the phone model %s", lm)
	}
	return nil
}

// decode runs the named search over a whole utterance.
func (d *decoder) decode(search string, pcm []int16) (hypothesis, error) {
	if len(pcm) == 0 {
		return hypothesis{}, nil
	}
	cs := C.CString(search)
	defer C.free(unsafe.Pointer(cs))
	if C.ps_set_search(d.ps, cs) < 0 {
		return hypothesis{}, fmt.Errorf("no search %q", search)
	}
	// The samples are Go memory passed for the length of the call only.
	n := C.coach_decode(d.ps, (*C.int16)(unsafe.Pointer(&pcm[0])), C.size_t(len(pcm)))
	if n < 0 {
		return hypothesis{}, errors.New("the recogniser failed to decode")
	}
	h := hypothesis{Frames: int(n)}
	var score C.int32
	if t := C.ps_get_hyp(d.ps, &score); t != nil {
		h.Text = C.GoString(t)
	}
	for it := C.ps_seg_iter(d.ps); it != nil; it = C.ps_seg_next(it) {
		var sf, ef C.int
		var ascr, lscr, lback C.int32
		C.ps_seg_frames(it, &sf, &ef)
		C.ps_seg_prob(it, &ascr, &lscr, &lback)
		h.Segments = append(h.Segments, segment{Word: C.GoString(C.ps_seg_word(it)), Start: int(sf), End: int(ef), Acoustic: int32(ascr)})
	}
	return h, nil
}

// logBase is the base of the decoder's log scores.
func (d *decoder) logBase() float64 {
	return float64(C.logmath_get_base(C.ps_get_logmath(d.ps)))
}

// addLM adds an n-gram language model search.
func (d *decoder) addLM(name, path string) error {
	cn, cp := C.CString(name), C.CString(path)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cp))
	if C.ps_set_lm_file(d.ps, cn, cp) < 0 {
		return fmt.Errorf("the recogniser refused the language model %s", path)
	}
	return nil
}

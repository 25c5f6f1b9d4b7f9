package voice

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
	"syscall"

	"github.com/go-audio/wav"
)

// Accepted input: integer PCM of 8, 16 or 24 bits, or 32-bit float, at a
// plausible rate, mono or stereo. Everything else is refused by name.
const (
	minRate    = 8000
	maxRate    = 192000
	maxWAVSize = 64 << 20 // a prompt is seconds long; 64 MiB is a mistake
	fmtPCM     = 1
	fmtFloat   = 3
	fmtExt     = 0xFFFE

	// unpatchedSize and above are the placeholders streaming writers put
	// in the data size (0x7ffff000 and up, or 0xffffffff).
	unpatchedSize = 0x7ffff000
)

// DecodeWAVFile decodes a WAV file; errors name the file.
func DecodeWAVFile(path string) (samples []float32, rate, channels int, err error) {
	// O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		return nil, 0, 0, fmt.Errorf("%s: is a folder, not a wav file", path)
	}
	if err == nil && !st.Mode().IsRegular() {
		return nil, 0, 0, fmt.Errorf("%s: not a regular file (%s), not a wav file", path, FileKind(st.Mode()))
	}
	if err == nil && st.Size() > maxWAVSize {
		return nil, 0, 0, fmt.Errorf("%s: too large (%d MiB) for a prompt", path, st.Size()>>20)
	}
	return DecodeWAV(f, path)
}

// FileKind names what a file that is not a regular file is, for errors
// that refuse it ("a FIFO", "a folder").
func FileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// DecodeWAV reads a WAV into mono float32 samples in [-1, 1], mixing stereo
// down. The chunk layout is walked and checked here first (go-audio/wav
// trusts every size a header claims, and does not tell the extensible
// format's sub-type); go-audio/wav then reads the format chunk, and the
// samples are converted here in bulk, which is what keeps start-up fast.
// It never panics: any input is either decoded or refused with
// "name: reason" on one line.
func DecodeWAV(r io.ReadSeeker, name string) (samples []float32, rate, channels int, err error) {
	defer func() {
		if p := recover(); p != nil {
			samples, rate, channels, err = nil, 0, 0, fmt.Errorf("%s: not a valid wav file (%v)", name, p)
		}
	}()
	fail := func(format string, args ...any) ([]float32, int, int, error) {
		return nil, 0, 0, fmt.Errorf("%s: %s", name, strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " "))
	}
	var head [12]byte
	n, err := io.ReadFull(r, head[:])
	switch {
	case err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
		return fail("%v", unwrapPath(err))
	case n == 0:
		return fail("empty file")
	case n < 12 || string(head[0:4]) != "RIFF" || string(head[8:12]) != "WAVE":
		return fail("not a wav file (no RIFF/WAVE header)")
	}
	total, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return fail("%v", err)
	}
	lay, err := walkChunks(r, total)
	if err != nil {
		return fail("%v", err)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return fail("%v", err)
	}
	d := wav.NewDecoder(r)
	d.ReadInfo()
	if d.NumChans == 0 {
		return fail("truncated or missing format chunk")
	}
	rate, channels = int(d.SampleRate), int(d.NumChans)
	bits := int(d.BitDepth)
	format := int(d.WavAudioFormat)
	if format == fmtExt {
		// WAVE_FORMAT_EXTENSIBLE (sox and others write it above 16 bits):
		// the real format is the sub-type GUID's first two bytes.
		if lay.subFormat == 0 {
			return fail("unsupported format: extensible format chunk without a sub-type")
		}
		format = int(lay.subFormat)
	}
	switch {
	case channels < 1 || channels > 2:
		return fail("unsupported format: %d channels (mono or stereo only)", channels)
	case rate < minRate || rate > maxRate:
		return fail("unsupported sample rate %d Hz (%d to %d)", rate, minRate, maxRate)
	case format == fmtFloat && bits != 32:
		return fail("unsupported format: %d-bit float", bits)
	case format == fmtPCM:
		if bits != 8 && bits != 16 && bits != 24 && bits != 32 {
			return fail("unsupported format: %d-bit", bits)
		}
	case format != fmtFloat:
		return fail("unsupported format: compressed (format tag %d), not PCM", format)
	}
	size, left := lay.dataSize, total-lay.dataOff
	switch {
	case size > left && size >= unpatchedSize:
		// Written to a pipe (espeak-ng --stdout, sox, ffmpeg): the size is
		// a placeholder that was never patched; the data runs to the end.
		size = left
	case size > left:
		// Refuse before allocating: the header claims more than the file holds.
		return fail("truncated data (%d of %d bytes)", max(left, 0), size)
	}
	if _, err := r.Seek(lay.dataOff, io.SeekStart); err != nil {
		return fail("%v", err)
	}
	width := bits / 8
	frame := width * channels
	frames := int(size) / frame
	if frames == 0 {
		return fail("no samples")
	}
	// Convert a block at a time: the bytes are never all in memory at once.
	samples = make([]float32, frames)
	buf := make([]byte, min(frames, 8192)*frame)
	float := format == fmtFloat
	for done := 0; done < frames; {
		n := min(frames-done, len(buf)/frame)
		b := buf[:n*frame]
		if _, err := io.ReadFull(r, b); err != nil {
			return fail("read data: %v", err)
		}
		out := samples[done : done+n]
		if bits == 16 && channels == 1 {
			for i := range out { // the packs' own format: the fast path
				out[i] = float32(int16(binary.LittleEndian.Uint16(b[2*i:]))) / 32768
			}
		} else {
			for i := range out {
				var sum float32
				for c := range channels {
					sum += sampleAt(b[i*frame+c*width:], bits, float)
				}
				out[i] = sum / float32(channels)
			}
		}
		done += n
	}
	return samples, rate, channels, nil
}

// unwrapPath drops the operation and path from an *fs.PathError: the
// caller names the file itself.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func sampleAt(b []byte, bits int, float bool) float32 {
	switch {
	case float:
		v := math.Float32frombits(binary.LittleEndian.Uint32(b))
		if v != v || v > 1 || v < -1 { // NaN or out of range: clamp
			if v != v {
				return 0
			}
			return float32(math.Max(-1, math.Min(1, float64(v))))
		}
		return v
	case bits == 8:
		return (float32(b[0]) - 128) / 128
	case bits == 16:
		return float32(int16(binary.LittleEndian.Uint16(b))) / 32768
	case bits == 24:
		v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
		return float32(v) / 8388608
	default:
		return float32(int32(binary.LittleEndian.Uint32(b))) / 2147483648
	}
}

// ToInt16 converts one sample with clamping and rounding.
func ToInt16(v float32) int16 {
	x := float64(v) * 32767
	if x > 32767 {
		return 32767
	}
	if x < -32768 {
		return -32768
	}
	return int16(math.Round(x))
}

// EncodeWAV writes mono 16-bit PCM.
func EncodeWAV(w io.Writer, samples []float32, rate int) error {
	var b bytes.Buffer
	b.Grow(44 + 2*len(samples))
	writeHeader(&b, rate, len(samples))
	pcm := make([]byte, 2*len(samples))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(ToInt16(s)))
	}
	b.Write(pcm)
	_, err := w.Write(b.Bytes())
	return err
}

func writeHeader(w io.Writer, rate, frames int) {
	data := uint32(2 * frames)
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+data)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], fmtPCM)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], data)
	w.Write(h)
}

// WAVWriter streams mono 16-bit PCM to a file and patches the header's
// sizes on Close, so a long render never sits in memory.
type WAVWriter struct {
	w      io.WriteSeeker
	rate   int
	frames int
	buf    []byte
	err    error
}

// NewWAVWriter writes a provisional header; Close fixes the sizes.
func NewWAVWriter(w io.WriteSeeker, rate int) *WAVWriter {
	ww := &WAVWriter{w: w, rate: rate}
	var h bytes.Buffer
	writeHeader(&h, rate, 0)
	_, ww.err = w.Write(h.Bytes())
	return ww
}

// WriteSamples appends samples.
func (ww *WAVWriter) WriteSamples(s []int16) error {
	if ww.err != nil {
		return ww.err
	}
	if cap(ww.buf) < 2*len(s) {
		ww.buf = make([]byte, 2*len(s))
	}
	b := ww.buf[:2*len(s)]
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	_, ww.err = ww.w.Write(b)
	ww.frames += len(s)
	return ww.err
}

// Close patches the RIFF and data sizes.
func (ww *WAVWriter) Close() error {
	if ww.err != nil {
		return ww.err
	}
	var h bytes.Buffer
	writeHeader(&h, ww.rate, ww.frames)
	if _, err := ww.w.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := ww.w.Write(h.Bytes()); err != nil {
		return err
	}
	_, err := ww.w.Seek(0, io.SeekEnd)
	return err
}

// layout is what walkChunks learns: where the samples are, and the
// extensible format's real sub-type.
type layout struct {
	dataOff, dataSize int64
	subFormat         uint16
}

// walkChunks walks the RIFF chunk headers before go-audio/wav sees the
// file: it allocates whatever size a header claims, so a hostile 3 GB "fmt "
// chunk in a 60-byte file would exhaust memory instead of being refused.
func walkChunks(r io.ReadSeeker, total int64) (layout, error) {
	var lay layout
	if total > maxWAVSize {
		return lay, fmt.Errorf("too large (%d MiB) for a prompt", total>>20)
	}
	pos := int64(12)
	var hdr [8]byte
	sawFmt := false
	for pos+8 <= total {
		if _, err := r.Seek(pos, io.SeekStart); err != nil {
			return lay, err
		}
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return lay, errors.New("truncated chunk header")
		}
		id := string(hdr[:4])
		size := int64(binary.LittleEndian.Uint32(hdr[4:]))
		switch {
		case id == "fmt " && (size < 16 || size > 64):
			return lay, fmt.Errorf("bad format chunk (%d bytes)", size)
		case id == "data":
			if !sawFmt {
				return lay, errors.New("data before the format chunk")
			}
			// The data chunk's own size is checked by the caller: a size
			// that was never patched is legitimate there.
			lay.dataOff, lay.dataSize = pos+8, size
			return lay, nil
		case pos+8+size > total:
			return lay, fmt.Errorf("truncated %q chunk (header says %d bytes)", strings.TrimSpace(id), size)
		case id == "fmt " && !sawFmt:
			var f [40]byte
			if _, err := io.ReadFull(r, f[:min(size, 40)]); err != nil {
				return lay, errors.New("truncated format chunk")
			}
			// WAVE_FORMAT_EXTENSIBLE: cbSize ≥ 22, then valid bits, channel
			// mask and the sub-type GUID, whose first two bytes are the tag.
			if binary.LittleEndian.Uint16(f[0:]) == fmtExt && size >= 40 && binary.LittleEndian.Uint16(f[16:]) >= 22 {
				lay.subFormat = binary.LittleEndian.Uint16(f[24:])
			}
		}
		sawFmt = sawFmt || id == "fmt "
		pos += 8 + size + size%2
	}
	switch {
	case !sawFmt:
		return lay, errors.New("truncated or missing format chunk")
	case pos < total:
		return lay, errors.New("no data chunk (the file ends inside a chunk header)")
	}
	return lay, errors.New("no data chunk")
}

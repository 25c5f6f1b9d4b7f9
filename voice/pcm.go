package voice

import (
	"encoding/binary"
	"io"
)

// pcmReader turns a Streamer into interleaved signed 16-bit little-endian
// bytes, the format oto and WAV files take. It reuses its buffers.
type pcmReader struct {
	s        Streamer
	channels int
	frames   []float32
	pending  []byte // the rest of a frame a short Read could not take
	one      [16]byte
}

// Int16Reader reads s as interleaved 16-bit PCM with the mono signal on
// every channel. Reads of any size work, including less than a frame.
func Int16Reader(s Streamer, channels int) io.Reader {
	return &pcmReader{s: s, channels: max(channels, 1), frames: make([]float32, 4096)}
}

func (r *pcmReader) Read(p []byte) (int, error) {
	n := 0
	if len(r.pending) > 0 {
		c := copy(p, r.pending)
		r.pending = r.pending[c:]
		n += c
		if n == len(p) {
			return n, nil
		}
	}
	size := 2 * r.channels
	frames := (len(p) - n) / size
	if frames == 0 {
		// Less than a frame asked for: render one, hand out what fits.
		r.s.Stream(r.frames[:1])
		r.put(r.one[:size], r.frames[:1])
		c := copy(p[n:], r.one[:size])
		r.pending = r.one[c:size]
		return n + c, nil
	}
	frames = min(frames, len(r.frames))
	r.s.Stream(r.frames[:frames])
	r.put(p[n:n+frames*size], r.frames[:frames])
	return n + frames*size, nil
}

func (r *pcmReader) put(dst []byte, src []float32) {
	i := 0
	for _, v := range src {
		x := uint16(ToInt16(v))
		for range r.channels {
			binary.LittleEndian.PutUint16(dst[i:], x)
			i += 2
		}
	}
}

package voice

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// makeWAV builds a WAV of any format by hand, so every accepted and refused
// input is exercised without fixtures from elsewhere.
func makeWAV(format, channels, rate, bits int, frames []float64) []byte {
	var data bytes.Buffer
	for _, v := range frames {
		for range channels {
			switch {
			case format == fmtFloat:
				binary.Write(&data, binary.LittleEndian, math.Float32bits(float32(v)))
			case bits == 8:
				data.WriteByte(byte(int(math.Round(v*127)) + 128))
			case bits == 16:
				binary.Write(&data, binary.LittleEndian, int16(math.Round(v*32767)))
			case bits == 24:
				x := int32(math.Round(v * 8388607))
				data.Write([]byte{byte(x), byte(x >> 8), byte(x >> 16)})
			case bits == 32:
				binary.Write(&data, binary.LittleEndian, int32(math.Round(v*2147483647)))
			default: // an odd width: just bytes
				data.Write(make([]byte, (bits+7)/8))
			}
		}
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data.Len()))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, uint16(format))
	binary.Write(&b, binary.LittleEndian, uint16(channels))
	binary.Write(&b, binary.LittleEndian, uint32(rate))
	binary.Write(&b, binary.LittleEndian, uint32(rate*channels*bits/8))
	binary.Write(&b, binary.LittleEndian, uint16(channels*bits/8))
	binary.Write(&b, binary.LittleEndian, uint16(bits))
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data.Len()))
	b.Write(data.Bytes())
	return b.Bytes()
}

var ramp = []float64{0, 0.25, 0.5, -0.5, -0.25, 0.75}

// makeExtensible rewrites makeWAV's 16-byte format chunk as
// WAVE_FORMAT_EXTENSIBLE (40 bytes) with sub-type sub, as sox writes above
// 16 bits.
func makeExtensible(sub, channels, rate, bits int, frames []float64) []byte {
	plain := makeWAV(sub, channels, rate, bits, frames)
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(len(plain)-8+24))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(40))
	binary.Write(&b, binary.LittleEndian, uint16(fmtExt))
	b.Write(plain[22:36]) // channels, rate, byte rate, block align, bits
	binary.Write(&b, binary.LittleEndian, uint16(22))
	binary.Write(&b, binary.LittleEndian, uint16(bits)) // valid bits
	binary.Write(&b, binary.LittleEndian, uint32(4))    // channel mask
	binary.Write(&b, binary.LittleEndian, uint16(sub))
	b.Write([]byte{0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71})
	b.Write(plain[36:]) // the data chunk
	return b.Bytes()
}

// withChunk inserts a chunk between the format and data chunks.
func withChunk(wav []byte, id string, body []byte) []byte {
	var b bytes.Buffer
	b.Write(wav[:36])
	b.WriteString(id)
	binary.Write(&b, binary.LittleEndian, uint32(len(body)))
	b.Write(body)
	if len(body)%2 == 1 {
		b.WriteByte(0)
	}
	b.Write(wav[36:])
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

func TestDecodeWAVFormats(t *testing.T) {
	tests := []struct {
		name                 string
		format, ch, rate, bt int
		tol                  float64
	}{
		{"8-bit mono", fmtPCM, 1, 8000, 8, 1.0 / 64},
		{"16-bit mono", fmtPCM, 1, 24000, 16, 1e-4},
		{"16-bit stereo", fmtPCM, 2, 44100, 16, 1e-4},
		{"24-bit mono", fmtPCM, 1, 48000, 24, 1e-6},
		{"32-bit int", fmtPCM, 1, 22050, 32, 1e-6},
		{"32-bit float stereo", fmtFloat, 2, 32000, 32, 1e-7},
		{"8-bit stereo", fmtPCM, 2, 11025, 8, 1.0 / 64},
		{"24-bit stereo", fmtPCM, 2, 96000, 24, 1e-6},
		{"32-bit float mono", fmtFloat, 1, 192000, 32, 1e-7},
		{"extensible 16-bit", fmtExt + fmtPCM, 1, 16000, 16, 1e-4},
		{"extensible 24-bit stereo", fmtExt + fmtPCM, 2, 48000, 24, 1e-6},
		{"extensible 32-bit int", fmtExt + fmtPCM, 1, 44100, 32, 1e-6},
		{"extensible 32-bit float", fmtExt + fmtFloat, 1, 48000, 32, 1e-7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := makeWAV(tt.format, tt.ch, tt.rate, tt.bt, ramp)
			if tt.format > fmtExt {
				b = makeExtensible(tt.format-fmtExt, tt.ch, tt.rate, tt.bt, ramp)
			}
			s, rate, ch, err := DecodeWAV(bytes.NewReader(b), "x.wav")
			require.NoError(t, err)
			assert.Equal(t, tt.rate, rate)
			assert.Equal(t, tt.ch, ch)
			require.Len(t, s, len(ramp))
			for i, v := range ramp {
				assert.InDelta(t, v, s[i], tt.tol, "sample %d", i)
			}
		})
	}
}

func TestDecodeWAVErrors(t *testing.T) {
	good := makeWAV(fmtPCM, 1, 24000, 16, ramp)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "x.wav: empty file"},
		{"garbage", []byte("hello, this is not audio at all"), "x.wav: not a wav file (no RIFF/WAVE header)"},
		{"truncated header", good[:20], `x.wav: truncated "fmt" chunk (header says 16 bytes)`},
		{"truncated data", good[:len(good)-4], "x.wav: truncated data (8 of 12 bytes)"},
		{"adpcm", makeWAV(2, 1, 24000, 16, ramp), "x.wav: unsupported format: compressed (format tag 2), not PCM"},
		{"12-bit", makeWAV(fmtPCM, 1, 24000, 12, ramp), "x.wav: unsupported format: 12-bit"},
		{"odd rate", makeWAV(fmtPCM, 1, 3000, 16, ramp), "x.wav: unsupported sample rate 3000 Hz (8000 to 192000)"},
		{"six channels", makeWAV(fmtPCM, 6, 24000, 16, ramp), "x.wav: unsupported format: 6 channels (mono or stereo only)"},
		{"64-bit float", makeWAV(fmtFloat, 1, 24000, 64, ramp), "x.wav: unsupported format: 64-bit float"},
		{"no samples", makeWAV(fmtPCM, 1, 24000, 16, nil), "x.wav: no samples"},
		{"riff but not wave", append([]byte("RIFF\x04\x00\x00\x00AVI "), good[12:]...), "x.wav: not a wav file (no RIFF/WAVE header)"},
		{"short", []byte("RIF"), "x.wav: not a wav file (no RIFF/WAVE header)"},
		{"header only", good[:12], "x.wav: truncated or missing format chunk"},
		{"no data chunk", good[:36], "x.wav: no data chunk"},
		{"data before format", append(append([]byte(nil), good[:12]...), good[36:]...), "x.wav: data before the format chunk"},
		{"huge format chunk", append(append([]byte(nil), good[:16]...), 0xff, 0xff, 0xff, 0x7f), "x.wav: bad format chunk (2147483647 bytes)"},
		{"cut in a chunk header", withChunk(good, "JUNK", nil)[:42], "x.wav: no data chunk (the file ends inside a chunk header)"},
		{"junk claims too much", func() []byte {
			b := withChunk(good, "JUNK", []byte{1, 2})
			binary.LittleEndian.PutUint32(b[40:], 1<<30)
			return b
		}(), `x.wav: truncated "JUNK" chunk (header says 1073741824 bytes)`},
		{"data claims too much", func() []byte {
			b := append([]byte(nil), good...)
			binary.LittleEndian.PutUint32(b[40:], 1<<20)
			return b
		}(), "x.wav: truncated data (12 of 1048576 bytes)"},
		{"mu-law", makeWAV(7, 1, 8000, 8, ramp), "x.wav: unsupported format: compressed (format tag 7), not PCM"},
		{"extensible adpcm", makeExtensible(2, 1, 24000, 16, ramp), "x.wav: unsupported format: compressed (format tag 2), not PCM"},
		{"extensible 12-bit", makeExtensible(fmtPCM, 1, 24000, 12, ramp), "x.wav: unsupported format: 12-bit"},
		{"rate too high", makeWAV(fmtPCM, 1, 384000, 16, ramp), "x.wav: unsupported sample rate 384000 Hz (8000 to 192000)"},
		{"zero channels", makeWAV(fmtPCM, 0, 24000, 16, ramp), "x.wav: truncated or missing format chunk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := DecodeWAV(bytes.NewReader(tt.data), "x.wav")
			assert.EqualError(t, err, tt.want)
		})
	}
}

// Files another program wrote (sox, committed under testdata/wav): each is
// 10 ms of sox's 1 kHz sine at half scale, 8 kHz, in a different format.
// The 32-bit float one is the reference the others must match.
func TestDecodeWAVFixtures(t *testing.T) {
	ref, rate, _, err := DecodeWAVFile(filepath.Join("testdata", "wav", "f32-stereo.wav"))
	require.NoError(t, err)
	require.Equal(t, 8000, rate)
	require.Len(t, ref, 80)
	for i, v := range sine(1000, 8000, 80, 0.5) {
		require.InDelta(t, v, ref[i], 0.05, "the reference is a sine (sample %d)", i)
	}
	tests := []struct {
		file     string
		channels int
		tol      float64
	}{
		{"s16-mono.wav", 1, 1.0 / 32768},
		{"u8-mono.wav", 1, 1.0 / 128},
		{"s16-stereo.wav", 2, 1.0 / 32768},
		{"s24-mono-ext.wav", 1, 1e-6},
		{"s32-mono-ext.wav", 1, 1e-6},
		{"s32-mono-ext-pipe.wav", 1, 1e-6}, // written to a pipe: sizes never patched
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, rate, ch, err := DecodeWAVFile(filepath.Join("testdata", "wav", tt.file))
			require.NoError(t, err)
			assert.Equal(t, 8000, rate)
			assert.Equal(t, tt.channels, ch)
			require.Len(t, s, len(ref))
			for i := range ref {
				assert.InDelta(t, ref[i], s[i], tt.tol, "sample %d", i)
			}
		})
	}
	for file, reason := range map[string]string{
		"ima-adpcm.wav": "unsupported format: compressed (format tag 17), not PCM",
		"ulaw.wav":      "unsupported format: compressed (format tag 7), not PCM",
	} {
		_, _, _, err := DecodeWAVFile(filepath.Join("testdata", "wav", file))
		assert.EqualError(t, err, filepath.Join("testdata", "wav", file)+": "+reason)
	}
}

// Chunks other than fmt and data are skipped, odd-sized ones with their pad
// byte, and an odd-sized data chunk needs no pad byte at the end.
func TestDecodeWAVChunkLayout(t *testing.T) {
	tests := map[string][]byte{
		"LIST before data": withChunk(makeWAV(fmtPCM, 1, 24000, 16, ramp), "LIST", []byte("INFOISFT\x03\x00\x00\x00sox\x00")),
		"odd chunk":        withChunk(makeWAV(fmtPCM, 1, 24000, 16, ramp), "junk", []byte{1, 2, 3}),
		"fact chunk":       withChunk(makeWAV(fmtFloat, 1, 24000, 32, ramp), "fact", []byte{6, 0, 0, 0}),
		"trailing chunk":   append(makeWAV(fmtPCM, 1, 24000, 16, ramp), []byte("LIST\x04\x00\x00\x00INFO")...),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			s, _, _, err := DecodeWAV(bytes.NewReader(b), "x.wav")
			require.NoError(t, err)
			require.Len(t, s, len(ramp))
			for i, v := range ramp {
				assert.InDelta(t, v, s[i], 1e-4)
			}
		})
	}
	t.Run("odd data without pad", func(t *testing.T) {
		b := makeWAV(fmtPCM, 1, 8000, 8, ramp[:5])
		require.Equal(t, 44+5, len(b))
		s, _, _, err := DecodeWAV(bytes.NewReader(b), "x.wav")
		require.NoError(t, err)
		assert.Len(t, s, 5)
	})
	t.Run("streamed, size never patched", func(t *testing.T) {
		b := makeWAV(fmtPCM, 1, 22050, 16, ramp)
		binary.LittleEndian.PutUint32(b[4:], 0xffffffff)
		binary.LittleEndian.PutUint32(b[40:], 0xffffffff)
		s, _, _, err := DecodeWAV(bytes.NewReader(b), "x.wav")
		require.NoError(t, err)
		assert.Len(t, s, len(ramp))
	})
}

func TestEncodeRoundTrip(t *testing.T) {
	var b bytes.Buffer
	in := []float32{0, 0.5, -0.5, 0.999, -1}
	require.NoError(t, EncodeWAV(&b, in, 24000))
	out, rate, ch, err := DecodeWAV(bytes.NewReader(b.Bytes()), "rt.wav")
	require.NoError(t, err)
	assert.Equal(t, 24000, rate)
	assert.Equal(t, 1, ch)
	require.Len(t, out, len(in))
	for i := range in {
		assert.InDelta(t, in[i], out[i], 1.0/16384)
	}
}

func TestWAVWriterPatchesHeader(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "w.wav"))
	require.NoError(t, err)
	w := NewWAVWriter(f, 24000)
	require.NoError(t, w.WriteSamples([]int16{1, 2, 3}))
	require.NoError(t, w.WriteSamples([]int16{-4}))
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	s, rate, _, err := DecodeWAVFile(f.Name())
	require.NoError(t, err)
	assert.Equal(t, 24000, rate)
	assert.Len(t, s, 4)
	assert.InDelta(t, -4.0/32768, s[3], 1e-9)
}

func TestDecodeWAVFileNamesTheFile(t *testing.T) {
	_, _, _, err := DecodeWAVFile("/nonexistent/hold.wav")
	assert.EqualError(t, err, "/nonexistent/hold.wav: no such file or directory")
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add(makeWAV(fmtPCM, 1, 24000, 16, ramp))
	f.Add(makeWAV(fmtFloat, 2, 44100, 32, ramp))
	f.Add(makeWAV(fmtPCM, 1, 8000, 8, ramp))
	f.Add(makeWAV(fmtPCM, 2, 48000, 24, ramp))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Add(makeExtensible(fmtFloat, 1, 48000, 32, ramp))
	f.Add(withChunk(makeWAV(fmtPCM, 1, 24000, 16, ramp), "LIST", []byte("INFO")))
	files, _ := filepath.Glob(filepath.Join("testdata", "wav", "*.wav"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, rate, ch, err := DecodeWAV(bytes.NewReader(data), "f.wav")
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "f.wav: "), err.Error())
			assert.NotContains(t, err.Error(), "\n")
			return
		}
		assert.NotEmpty(t, s)
		assert.True(t, rate >= minRate && rate <= maxRate)
		assert.True(t, ch == 1 || ch == 2)
		for _, v := range s {
			if v != v || v > 1 || v < -1 {
				t.Fatalf("sample out of range: %v", v)
			}
		}
	})
}

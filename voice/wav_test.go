package voice

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := makeWAV(tt.format, tt.ch, tt.rate, tt.bt, ramp)
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := DecodeWAV(bytes.NewReader(tt.data), "x.wav")
			assert.EqualError(t, err, tt.want)
		})
	}
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
	f.Fuzz(func(t *testing.T, data []byte) {
		s, rate, ch, err := DecodeWAV(bytes.NewReader(data), "f.wav")
		if err != nil {
			assert.Contains(t, err.Error(), "f.wav: ")
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

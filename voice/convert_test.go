package voice

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sine(freq float64, rate, n int, amp float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return s
}

// power of s at freq (Goertzel), normalised to amplitude.
func amplitudeAt(s []float32, freq float64, rate int) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	var s1, s2 float64
	for _, v := range s {
		s0 := float64(v) + 2*math.Cos(w)*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - 2*math.Cos(w)*s1*s2
	return 2 * math.Sqrt(p) / float64(len(s))
}

func TestResample(t *testing.T) {
	tests := []struct{ from, to int }{{32000, 24000}, {44100, 24000}, {16000, 24000}, {22050, 24000}, {48000, 24000}}
	for _, tt := range tests {
		in := sine(1000, tt.from, tt.from, 0.5) // one second of 1 kHz
		out := Resample(in, tt.from, tt.to)
		require.Len(t, out, tt.to, "%d→%d keeps the length in time", tt.from, tt.to)
		mid := out[tt.to/4 : 3*tt.to/4]
		assert.InDelta(t, 0.5, amplitudeAt(mid, 1000, tt.to), 0.01, "%d→%d keeps a 1 kHz tone", tt.from, tt.to)
	}
	// A tone above the new Nyquist is removed, not folded back as an alias.
	in := sine(15000, 48000, 48000, 0.5)
	out := Resample(in, 48000, 24000)
	assert.Less(t, amplitudeAt(out[6000:18000], 9000, 24000), 0.005, "no alias at 9 kHz")
	assert.Equal(t, []float32{1, 2}, Resample([]float32{1, 2}, 24000, 24000))
}

func TestTrim(t *testing.T) {
	rate := 24000
	s := make([]float32, rate) // 1 s: silence, 200 ms of tone, silence
	copy(s[rate/2:], sine(440, rate, rate/5, 0.5))
	out := Trim(s, rate, -45)
	want := rate/5 + rate*15/1000 + rate*40/1000
	assert.InDelta(t, want, len(out), float64(rate/100), "tone plus 15 ms before and 40 ms after")
	assert.Nil(t, Trim(make([]float32, 1000), rate, -45), "all silence trims to nothing")
}

func TestNormalize(t *testing.T) {
	quiet := sine(440, 24000, 24000, 0.01)
	Normalize(quiet, -20)
	var sum float64
	for _, v := range quiet {
		sum += float64(v) * float64(v)
	}
	assert.InDelta(t, -20, 20*math.Log10(math.Sqrt(sum/float64(len(quiet)))), 0.2)

	loud := sine(440, 24000, 24000, 0.1)
	loud[100] = 0.9 // a click: the peak limit wins over the loudness target
	Normalize(loud, -3)
	var peak float64
	for _, v := range loud {
		peak = math.Max(peak, math.Abs(float64(v)))
	}
	assert.LessOrEqual(t, peak, math.Pow(10, -1.0/20)+1e-6)
}

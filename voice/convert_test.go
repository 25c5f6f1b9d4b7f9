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

func TestResampleLengthsAndLevel(t *testing.T) {
	tests := []struct{ n, from, to int }{
		{1, 32000, 24000}, {7, 44100, 24000}, {1001, 22050, 24000},
		{480, 8000, 192000}, {48000, 192000, 8000},
		{5000, 44100, 23993}, // 23993 phases: kernels computed per sample
	}
	for _, tt := range tests {
		in := make([]float32, tt.n)
		for i := range in {
			in[i] = 0.25
		}
		out := Resample(in, tt.from, tt.to)
		want := int(math.Round(float64(tt.n) * float64(tt.to) / float64(tt.from)))
		require.Len(t, out, want, "%d samples %d→%d", tt.n, tt.from, tt.to)
		for i, v := range out {
			require.InDelta(t, 0.25, v, 1e-3, "%d→%d: a constant stays constant, edges too (sample %d)", tt.from, tt.to, i)
		}
	}
	assert.Empty(t, Resample(nil, 16000, 24000))
}

func TestResampleUpKeepsSpectrum(t *testing.T) {
	// 16 kHz → 24 kHz: a 7 kHz tone stays, and nothing appears at its
	// image (16 - 7 = 9 kHz) above the old Nyquist.
	out := Resample(sine(7000, 16000, 16000, 0.5), 16000, 24000)
	mid := out[6000:18000]
	assert.InDelta(t, 0.5, amplitudeAt(mid, 7000, 24000), 0.02)
	assert.Less(t, amplitudeAt(mid, 9000, 24000), 0.005)
}

func TestTrim(t *testing.T) {
	rate := 24000
	tone := sine(440, rate, rate/5, 0.5)
	for _, onset := range []int{rate / 2, rate/2 + 37, 100} {
		s := make([]float32, rate) // silence, 200 ms of tone, silence
		copy(s[onset:], tone)
		out := Trim(s, rate, -45)
		// Find the tone in the output: everything before it is the pad.
		lead := 0
		for lead < len(out) && out[lead] == 0 {
			lead++
		}
		lead-- // sine(0) is 0: the tone starts one sample earlier
		wantLead := min(onset, rate*15/1000)
		assert.GreaterOrEqual(t, lead, wantLead, "onset %d: at least 15 ms kept before the voice", onset)
		assert.LessOrEqual(t, lead, wantLead+rate*5/1000, "onset %d: at most one 5 ms window more", onset)
		tail := len(out) - lead - len(tone)
		assert.GreaterOrEqual(t, tail, rate*40/1000-rate*5/1000, "onset %d: ~40 ms kept after", onset)
		assert.LessOrEqual(t, tail, rate*40/1000+rate*5/1000, "onset %d", onset)
		assert.Equal(t, tone, out[lead:lead+len(tone)], "the voice itself is untouched")
	}
	assert.Nil(t, Trim(make([]float32, 1000), rate, -45), "all silence trims to nothing")
	assert.Nil(t, Trim(nil, rate, -45))
	quiet := sine(440, rate, rate/5, 0.001) // -60 dBFS: below the threshold
	assert.Nil(t, Trim(quiet, rate, -45))
	assert.Len(t, Trim(quiet, rate, -70), len(quiet), "nothing to cut")
}

func TestNormalize(t *testing.T) {
	quiet := sine(440, 24000, 24000, 0.01)
	Normalize(quiet, -20)
	var sum float64
	for _, v := range quiet {
		sum += float64(v) * float64(v)
	}
	assert.InDelta(t, -20, 20*math.Log10(math.Sqrt(sum/float64(len(quiet)))), 0.2)

	// Pauses between words do not count: the voiced part is brought to the
	// target, however much silence surrounds it.
	for _, gap := range []int{0, 24000, 5 * 24000} {
		s := make([]float32, gap+24000+gap)
		copy(s[gap:], sine(440, 24000, 24000, 0.02))
		Normalize(s, -20)
		var e float64
		for _, v := range s[gap : gap+24000] {
			e += float64(v) * float64(v)
		}
		assert.InDelta(t, -20, 20*math.Log10(math.Sqrt(e/24000)), 0.2, "gap %d", gap)
	}
	silent := make([]float32, 100)
	Normalize(silent, -20)
	assert.Equal(t, make([]float32, 100), silent, "silence stays silence")
	Normalize(nil, -20)

	loud := sine(440, 24000, 24000, 0.1)
	loud[100] = 0.9 // a click: the peak limit wins over the loudness target
	Normalize(loud, -3)
	var peak float64
	for _, v := range loud {
		peak = math.Max(peak, math.Abs(float64(v)))
	}
	assert.LessOrEqual(t, peak, math.Pow(10, -1.0/20)+1e-6)
}

package voice

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

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

// word is a synthetic take: lead of silence (a noise floor at -80 dBFS),
// a quiet fricative (-40 dBFS noise: "f"), a loud vowel (200 Hz at 0.5),
// a final burst ("p", -34 dBFS noise), then silence. It returns the take
// and where the fricative starts and the burst ends.
func word(rate, lead, tail int) (s []float32, start, end int) {
	seed := uint32(1)
	noise := func() float64 {
		seed = seed*1664525 + 1013904223
		return float64(int32(seed))/float64(1<<31)*2 - 1 // not quite uniform: fine
	}
	fric, vowel, burst := rate*80/1000, rate*200/1000, rate*40/1000
	n := lead + fric + vowel + burst + tail
	s = make([]float32, n)
	for i := range s {
		s[i] = float32(1e-4 * noise())
	}
	for i := range fric {
		s[lead+i] += float32(0.01 * noise())
	}
	for i := range vowel {
		s[lead+fric+i] += float32(0.5 * math.Sin(2*math.Pi*200*float64(i)/float64(rate)))
	}
	for i := range burst {
		s[lead+fric+vowel+i] += float32(0.02 * noise())
	}
	return s, lead, lead + fric + vowel + burst
}

func TestTrimKeepsSoftEdges(t *testing.T) {
	rate := DefaultRate
	tests := []struct {
		name       string
		lead, tail int
		gain       float32
		wantBefore int // samples kept before the fricative
		wantAfter  int // after the burst
	}{
		{"plenty of silence", rate / 4, rate / 3, 1, rate / 20, rate / 10},
		{"odd lengths", 479, 4793, 1, rate / 20, rate / 10},
		{"a quiet take", rate / 4, rate / 3, 0.05, rate / 20, rate / 10},
		{"short lead and tail", rate / 100, rate / 50, 1, rate / 100, rate / 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, start, end := word(rate, tt.lead, tt.tail)
			for i := range s {
				s[i] *= tt.gain
			}
			out := Trim(s, rate, SoundLevel(s, rate, -55), 50*time.Millisecond, 100*time.Millisecond)
			require.NotEmpty(t, out)
			// Where out sits in s: it is a copy of a slice of it.
			off := -1
			for o := 0; o+len(out) <= len(s); o++ {
				if s[o] == out[0] && slices.Equal(s[o:o+len(out)], out) {
					off = o
					break
				}
			}
			require.GreaterOrEqual(t, off, 0, "a plain cut of the take")
			ms := rate / 1000
			assert.InDelta(t, min(tt.wantBefore, tt.lead), start-off, float64(5*ms), "kept before the first sound")
			assert.InDelta(t, min(tt.wantAfter, tt.tail), off+len(out)-end, float64(5*ms), "kept after the last sound")
		})
	}
	assert.Nil(t, Trim(make([]float32, 1000), rate, 0, 0, 0), "all silence trims to nothing")
	assert.Nil(t, Trim(nil, rate, 0, 0, 0))
	flat := sine(440, rate, 479, 0.3)
	assert.Len(t, Trim(flat, rate, SoundLevel(flat, rate, -55), 0, 0), len(flat), "sound throughout: nothing to cut")
	assert.Nil(t, Trim(flat, rate, 0.3, 0, 0), "nothing over the level")
}

func TestSoundLevelStaysOverTheFloor(t *testing.T) {
	rate := DefaultRate
	s, _, _ := word(rate, rate/4, rate/3)
	peak := Peak(s)
	assert.InDelta(t, peak*math.Pow(10, -55.0/20), SoundLevel(s, rate, -55), 1e-9, "a loud take: relative to its peak")
	for i := range s {
		s[i] *= 0.01 // peak -46 dBFS, floor -120: still relative
	}
	assert.InDelta(t, Peak(s)*math.Pow(10, -55.0/20), SoundLevel(s, rate, -55), 1e-9)
	withFloor := func(amp float64) []float32 {
		out := slices.Clone(s)
		for i := range out {
			out[i] += float32(amp * math.Sin(float64(i))) // a steady floor, RMS amp/√2
		}
		return out
	}
	// Floor RMS 3.5e-6 (-109 dBFS): 12 dB over it is above 55 dB under the
	// peak (0.005), so the floor sets the level.
	assert.InDelta(t, 5e-6/math.Sqrt2*math.Pow(10, 12.0/20), SoundLevel(withFloor(5e-6), rate, -55), 2e-6, "12 dB over the floor")
	// A floor so loud that 12 dB over it would be audible: the level stays
	// 46 dB under the peak, so no audible edge is trimmed.
	loud := withFloor(3e-4)
	assert.InDelta(t, Peak(loud)*math.Pow(10, -46.0/20), SoundLevel(loud, rate, -55), 1e-9)
}

func TestHighPass(t *testing.T) {
	rate := DefaultRate
	mean := func(s []float32) float64 {
		var m float64
		for _, v := range s {
			m += float64(v)
		}
		return m / float64(len(s))
	}
	// Speech on a DC offset of 100 LSB: the offset goes, the voice stays.
	const dc = 100.0 / 32768
	s := sine(200, rate, rate, 0.3)
	for i := range s {
		s[i] += dc
	}
	HighPass(s, rate, 70)
	assert.Less(t, math.Abs(mean(s[rate/10:9*rate/10]))*32768, 1.0, "DC under 1 LSB")
	assert.InDelta(t, 0.3, amplitudeAt(s[rate/4:3*rate/4], 200, rate), 0.3*0.06, "200 Hz kept within 0.5 dB")
	low := sine(20, rate, rate, 0.3)
	HighPass(low, rate, 70)
	assert.Less(t, amplitudeAt(low[rate/4:3*rate/4], 20, rate), 0.3*0.01, "20 Hz rumble down 40 dB")

	// No phase shift: a tone burst's onset stays on its sample.
	burst := make([]float32, rate/2)
	onset := 6007
	copy(burst[onset:], sine(1000, rate, 2400, 0.5))
	HighPass(burst, rate, 70)
	first := slices.IndexFunc(burst, func(v float32) bool { return math.Abs(float64(v)) > 0.05 })
	assert.InDelta(t, onset, first, 3, "the onset does not move")

	// A recording that starts at an offset does not ring at its start.
	offset := make([]float32, 4799)
	for i := range offset {
		offset[i] = 0.01
	}
	HighPass(offset, rate, 70)
	assert.Less(t, Peak(offset[:rate/200]), 0.01*0.05, "settled from the first sample")
	HighPass(nil, rate, 70)
	one := []float32{0.5}
	HighPass(one, rate, 70)
	assert.Equal(t, []float32{0.5}, one, "too short to filter")
}

func TestFade(t *testing.T) {
	rate := DefaultRate
	s := make([]float32, 4793)
	for i := range s {
		s[i] = 0.5
	}
	Fade(s, rate, 10*time.Millisecond, 30*time.Millisecond)
	assert.Zero(t, s[0], "from silence")
	assert.Zero(t, s[len(s)-1], "to silence")
	assert.Less(t, float64(s[rate/1000]), 0.5*0.1, "1 ms in: still quiet")
	assert.Equal(t, float32(0.5), s[rate*10/1000], "untouched after the fade in")
	assert.Equal(t, float32(0.5), s[len(s)-1-rate*30/1000], "untouched before the fade out")
	for i := 1; i < rate*10/1000; i++ {
		require.GreaterOrEqual(t, s[i], s[i-1], "rises smoothly")
	}
	short := []float32{1, 1, 1}
	Fade(short, rate, time.Second, time.Second) // longer than the clip: no panic
	assert.Zero(t, short[0])
	assert.Zero(t, short[2])
}

func TestEnvelopeAndEdges(t *testing.T) {
	rate := DefaultRate
	s := make([]float32, rate/2+479)
	copy(s[rate/10:], sine(300, rate, rate/5, 0.5))
	env := Envelope(s, rate)
	assert.Len(t, env, (len(s)+rate/1000-1)/(rate/1000), "one window a millisecond")
	assert.InDelta(t, 0.5/math.Sqrt2, env[200], 0.01, "RMS of the tone")
	assert.Zero(t, env[20])
	start, end, ok := Edges(s, rate, 0.01)
	require.True(t, ok)
	assert.InDelta(t, rate/10, start, float64(rate/200), "first loud window")
	assert.InDelta(t, rate/10+rate/5, end, float64(rate/200), "just past the last loud window")
	_, _, ok = Edges(s, rate, 1)
	assert.False(t, ok, "nothing that loud")
	assert.Nil(t, Envelope(nil, rate))
	assert.InDelta(t, 100, DC([]float32{100.0 / 32768, 100.0 / 32768}), 1e-9)
	assert.Zero(t, DC(nil))
}

func added(a, b []float32) []float32 {
	for i := range a {
		a[i] += b[i]
	}
	return a
}

func TestEdgeLoss(t *testing.T) {
	rate := DefaultRate
	ms := rate / 1000
	take, start, end := word(rate, rate/4, rate/3)
	cut := func(from, to int, gain float32) []float32 {
		out := slices.Clone(take[from:to])
		for i := range out {
			out[i] *= gain
		}
		Fade(out, rate, 10*time.Millisecond, 30*time.Millisecond)
		return out
	}
	tests := []struct {
		name          string
		prompt        []float32
		from, to      int
		lostStart     time.Duration
		lostEnd       time.Duration
		tolerance     time.Duration
		wantErrPrefix string
	}{
		{"margins keep every edge", cut(start-50*ms, end+100*ms, 3), 0, len(take), 0, 0, 0, ""},
		// 40 ms cut, and the half of the fade that is 6 dB down or more.
		{"the fricative's first 40 ms cut", cut(start+40*ms, end+100*ms, 0.7), 0, len(take), 45 * time.Millisecond, 0, 3 * time.Millisecond, ""},
		{"the final burst cut", cut(start-50*ms, end-40*ms, 1), 0, len(take), 0, 55 * time.Millisecond, 3 * time.Millisecond, ""},
		{"cut at the edges: only the fades lose", cut(start, end, 1), 0, len(take), 5 * time.Millisecond, 15 * time.Millisecond, 6 * time.Millisecond, ""},
		{"outside the region does not count", cut(start+40*ms, end+100*ms, 1), start + 60*ms, len(take), 0, 0, 0, ""},
		{"another sound", sine(440, rate, rate/2, 0.3), 0, len(take), 0, 0, 0, "prompt "},
		{"the sound with another under it", added(cut(start, end, 1), sine(300, rate, end-start, 0.1)), 0, len(take), 0, 0, 0, "prompt does not match"},
		{"too short", make([]float32, 10), 0, len(take), 0, 0, 0, "prompt too short"},
		{"empty region", cut(start, end, 1), 100, 100, 0, 0, 0, "nothing to compare"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls, le, err := EdgeLoss(tt.prompt, take, rate, tt.from, tt.to)
			if tt.wantErrPrefix != "" {
				require.Error(t, err)
				assert.True(t, strings.HasPrefix(err.Error(), tt.wantErrPrefix), err.Error())
				return
			}
			require.NoError(t, err)
			assert.InDelta(t, tt.lostStart, ls, float64(tt.tolerance), "lost at the start: %v", ls)
			assert.InDelta(t, tt.lostEnd, le, float64(tt.tolerance), "lost at the end: %v", le)
		})
	}
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

// EdgeLoss takes any prompt, take and region without panicking, and a
// prompt cut from its own take loses nothing outside the cut.
// A final stop: the vowel, 100 ms of silent closure, a 20 ms burst. A
// prompt that ends with the vowel lost the stop: the whole 120 ms span,
// not only the burst's 20 ms of sound.
func TestEdgeLossCountsTheSpanOfALostStop(t *testing.T) {
	rate := DefaultRate
	ms := rate / 1000
	take := make([]float32, rate)
	for i := range 300 * ms { // a gliding vowel: no two periods alike, so it aligns once
		x := float64(i) / float64(rate)
		take[200*ms+i] = float32(0.5 * math.Sin(2*math.Pi*(180*x+100*x*x)))
	}
	for i := range 20 * ms {
		take[600*ms+i] = float32(0.05 * math.Sin(2*math.Pi*3100*float64(i)/float64(rate)))
	}
	whole := slices.Clone(take[150*ms : 720*ms])
	Fade(whole, rate, 10*time.Millisecond, 30*time.Millisecond)
	ls, le, err := EdgeLoss(whole, take, rate, 0, len(take))
	require.NoError(t, err)
	assert.Zero(t, ls)
	assert.Zero(t, le)
	noStop := slices.Clone(take[150*ms : 540*ms])
	Fade(noStop, rate, 10*time.Millisecond, 30*time.Millisecond)
	ls, le, err = EdgeLoss(noStop, take, rate, 0, len(take))
	require.NoError(t, err)
	assert.Zero(t, ls)
	assert.InDelta(t, 125*time.Millisecond, le, float64(6*time.Millisecond), "from the vowel's kept end to the burst's end: %v", le)
	_, _, err = EdgeLoss(noStop, take, rate, 560*ms, len(take))
	assert.EqualError(t, err, "prompt keeps nothing audible of the engine's output")
}

func FuzzEdgeLoss(f *testing.F) {
	take, start, end := word(2000, 200, 225)
	b := make([]byte, 0, 2*len(take))
	for _, v := range take {
		b = append(b, byte(int16(v*32767)), byte(int16(v*32767)>>8))
	}
	f.Add(b, uint16(start-100), uint16(end+200-start), uint16(0), uint16(len(take)))
	f.Add([]byte{1, 2, 3}, uint16(0), uint16(1), uint16(0), uint16(1))
	f.Fuzz(func(t *testing.T, raw []byte, at, n, from, to uint16) {
		s := make([]float32, min(len(raw)/2, 4000)) // up to 2 s at 2 kHz: small inputs fuzz and minimise fast
		for i := range s {
			s[i] = float32(int16(uint16(raw[2*i])|uint16(raw[2*i+1])<<8)) / 32768
		}
		a := min(int(at), len(s))
		prompt := s[a:min(a+int(n), len(s))]
		ls, le, err := EdgeLoss(prompt, s, 2000, int(from), int(to))
		if err != nil {
			return
		}
		if ls < 0 || le < 0 || ls+le > time.Duration(len(s))*time.Second/2000+5*time.Millisecond {
			t.Fatalf("lost %v and %v of a %d-sample take", ls, le, len(s))
		}
	})
}

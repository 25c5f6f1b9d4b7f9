package voice

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Resample converts samples between rates with a windowed-sinc low-pass
// (Blackman window, 32 zero crossings each side), good enough that a voice
// recorded at 44.1 kHz sounds the same at the pack's 24 kHz. The output has
// round(len*to/from) samples. It runs once per prompt when a pack is made,
// never on the audio path.
func Resample(in []float32, from, to int) []float32 {
	if from == to || len(in) == 0 || from <= 0 || to <= 0 {
		return append([]float32(nil), in...)
	}
	const zeros = 32
	ratio := float64(to) / float64(from)
	cutoff := math.Min(1, ratio) * 0.95 // of the input's Nyquist, leaving a transition band
	n := int(math.Round(float64(len(in)) * ratio))
	out := make([]float32, n)
	half := float64(zeros) / cutoff // filter half-width in input samples
	taps := int(math.Ceil(half))*2 + 2
	// Output i sits at input position i*from/to: its fractional part takes
	// only to/gcd values, so each phase's kernel is computed once
	// (polyphase), not per sample: 3 phases for 32 kHz → 24 kHz. Kernels
	// are scaled to unit sum, so a constant stays constant.
	g := gcd(from, to)
	phases := to / g
	var kernels [][]float64
	if phases <= 4096 {
		kernels = make([][]float64, phases)
	}
	kernel := func(frac float64) []float64 {
		k := make([]float64, taps)
		var sum float64
		for t := range k {
			x := float64(t-taps/2+1) - frac
			k[t] = sinc(cutoff*x) * blackman(x/half)
			sum += k[t]
		}
		for t := range k {
			k[t] /= sum
		}
		return k
	}
	for i := range out {
		num := int64(i) * int64(from)
		whole := int(num / int64(to))
		rem := int(num % int64(to))
		base := whole - taps/2 + 1
		var k []float64
		if kernels != nil {
			ph := rem / g
			if kernels[ph] == nil {
				kernels[ph] = kernel(float64(rem) / float64(to))
			}
			k = kernels[ph]
		} else {
			k = kernel(float64(rem) / float64(to))
		}
		if base >= 0 && base+taps <= len(in) {
			x := in[base : base+taps]
			x = x[:len(k)]
			var s0, s1, s2, s3 float64
			t := 0
			for ; t+4 <= len(k); t += 4 {
				s0 += float64(x[t]) * k[t]
				s1 += float64(x[t+1]) * k[t+1]
				s2 += float64(x[t+2]) * k[t+2]
				s3 += float64(x[t+3]) * k[t+3]
			}
			for ; t < len(k); t++ {
				s0 += float64(x[t]) * k[t]
			}
			out[i] = float32(s0 + s1 + s2 + s3)
			continue
		}
		// At the edges only part of the kernel has input under it:
		// normalising by the taps present keeps the level right.
		var sum, norm float64
		for t, w := range k {
			j := base + t
			if j < 0 || j >= len(in) {
				continue
			}
			sum += float64(in[j]) * w
			norm += w
		}
		if norm != 0 {
			out[i] = float32(sum / norm)
		}
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// blackman is the window over t in [-1, 1].
func blackman(t float64) float64 {
	if t <= -1 || t >= 1 {
		return 0
	}
	a := math.Pi * (t + 1)
	return 0.42 - 0.5*math.Cos(a) + 0.08*math.Cos(2*a)
}

// Envelope is a clip's level over time: the RMS of 5 ms windows every
// millisecond (window k covers samples [k*rate/1000, k*rate/1000+rate/200)).
// Fine steps let edges be placed to the millisecond; 5 ms windows are long
// enough to see a quiet fricative, short enough to see a stop's burst.
func Envelope(s []float32, rate int) []float64 {
	hop := max(rate/1000, 1)
	win := max(rate/200, 1)
	if len(s) == 0 {
		return nil
	}
	n := (len(s) + hop - 1) / hop
	out := make([]float64, n)
	// A running sum of squares: each window costs two steps, not 5 ms.
	cum := make([]float64, len(s)+1)
	for i, v := range s {
		cum[i+1] = cum[i] + float64(v)*float64(v)
	}
	for k := range out {
		a := k * hop
		b := min(a+win, len(s))
		out[k] = math.Sqrt(max(cum[b]-cum[a], 0) / float64(win))
	}
	return out
}

// Peak is the largest absolute sample.
func Peak(s []float32) float64 {
	var p float32
	for _, v := range s {
		p = max(p, v, -v)
	}
	return float64(p)
}

// Edges finds where s is first and last louder than level (linear RMS)
// on its Envelope: start is the first loud window's first sample, end is
// just past the last loud window. ok is false if nothing is that loud.
func Edges(s []float32, rate int, level float64) (start, end int, ok bool) {
	env := Envelope(s, rate)
	hop := max(rate/1000, 1)
	first, last := -1, -1
	for k, e := range env {
		if e > level {
			if first < 0 {
				first = k
			}
			last = k
		}
	}
	if first < 0 {
		return 0, 0, false
	}
	return first * hop, min(last*hop+max(rate/200, 1), len(s)), true
}

// floorAbove is how far over a recording's noise floor sound must be
// before it counts as the start or end of speech: a quiet take (festival's
// "hips" peaks at -21 dBFS) has its floor only ~55 dB under its peak.
const floorAbove = 12.0 // dB

// SoundLevel is the level where speech starts in s: belowPeakDB (negative)
// under its peak sample, but at least floorAbove over its noise floor (the
// 10th percentile of its Envelope: a take is mostly a third silence), and
// never over AudibleDB-6 under the peak, so a take with too little silence
// to show its floor still keeps every audible edge.
func SoundLevel(s []float32, rate int, belowPeakDB float64) float64 {
	peak := Peak(s)
	level := peak * math.Pow(10, belowPeakDB/20)
	env := Envelope(s, rate)
	if len(env) == 0 {
		return level
	}
	sorted := slices.Clone(env)
	slices.Sort(sorted)
	floor := sorted[len(sorted)/10]
	return min(max(level, floor*math.Pow(10, floorAbove/20)), peak*math.Pow(10, (AudibleDB-6)/20))
}

// Trim cuts the silence around a prompt relative to its own level: speech
// runs from where it first rises over level (see SoundLevel) to where it
// last falls under it, and before/after that much more is kept, so the
// soft edges of words (an "f", an "h", a final "p" or "v") are never cut:
// an absolute -45 dBFS threshold with 15/40 ms pads cut them from half the
// first pack. Returns a copy, or nil for silence.
func Trim(s []float32, rate int, level float64, before, after time.Duration) []float32 {
	if Peak(s) == 0 {
		return nil
	}
	start, end, ok := Edges(s, rate, level)
	if !ok {
		return nil
	}
	start = max(0, start-durFrames(before, rate))
	end = min(len(s), end+durFrames(after, rate))
	return append([]float32(nil), s[start:end]...)
}

func durFrames(d time.Duration, rate int) int {
	return int(d * time.Duration(rate) / time.Second)
}

// Fade ramps the first in and the last out of s up from and down to
// silence (raised cosine), so a prompt never starts or stops with a click.
func Fade(s []float32, rate int, in, out time.Duration) {
	ramp := func(n int, at func(i int) int) {
		n = min(n, len(s))
		for i := range n {
			g := 0.5 - 0.5*math.Cos(math.Pi*float64(i)/float64(n))
			s[at(i)] = float32(float64(s[at(i)]) * g)
		}
	}
	ramp(durFrames(in, rate), func(i int) int { return i })
	ramp(durFrames(out, rate), func(i int) int { return len(s) - 1 - i })
}

// HighPass removes DC and rumble below hz in place: festival's output
// carries a DC offset of ~100 LSB, which clicks at every cut and wastes
// headroom. A 2nd-order Butterworth run forwards then backwards (4th order,
// no phase shift, so no onset moves). Each end is extended by its odd
// reflection first, so the filter starts settled: a recording that starts
// at an offset does not ring at its start, where a trim would take the
// ringing for speech.
func HighPass(s []float32, rate int, hz float64) {
	if len(s) < 2 || hz <= 0 || 2*hz >= float64(rate) {
		return
	}
	pad := min(len(s)-1, int(3*float64(rate)/hz))
	x := make([]float64, pad+len(s)+pad)
	for i, v := range s {
		x[pad+i] = float64(v)
	}
	first, last := float64(s[0]), float64(s[len(s)-1])
	for k := 1; k <= pad; k++ {
		x[pad-k] = 2*first - float64(s[k])
		x[pad+len(s)-1+k] = 2*last - float64(s[len(s)-1-k])
	}
	// RBJ cookbook high-pass biquad, Q = 1/sqrt(2).
	w := 2 * math.Pi * hz / float64(rate)
	alpha := math.Sin(w) / math.Sqrt2
	cw := math.Cos(w)
	a0 := 1 + alpha
	b0, b1, b2 := (1+cw)/2/a0, -(1+cw)/a0, (1+cw)/2/a0
	a1, a2 := -2*cw/a0, (1-alpha)/a0
	pass := func(at func(i int) int) {
		var x1, x2, y1, y2 float64
		for i := range x {
			j := at(i)
			y := b0*x[j] + b1*x1 + b2*x2 - a1*y1 - a2*y2
			x2, x1 = x1, x[j]
			y2, y1 = y1, y
			x[j] = y
		}
	}
	pass(func(i int) int { return i })
	pass(func(i int) int { return len(x) - 1 - i })
	for i := range s {
		s[i] = float32(x[pad+i])
	}
}

// DC is the mean of s in 16-bit steps (LSB): what a WAV of it would hold.
func DC(s []float32) float64 {
	if len(s) == 0 {
		return 0
	}
	var sum float64
	for _, v := range s {
		sum += float64(v)
	}
	return sum / float64(len(s)) * 32768
}

// Normalize scales a prompt so its voiced parts sit at targetDBFS RMS, with
// the peak held at or below -1 dBFS, so prompts from different engines and
// people sound equally loud.
func Normalize(s []float32, targetDBFS float64) {
	if len(s) == 0 {
		return
	}
	var peak float64
	for _, v := range s {
		peak = math.Max(peak, math.Abs(float64(v)))
	}
	if peak == 0 {
		return
	}
	// RMS over the 20 ms windows louder than -40 dB below the peak: the voice,
	// not the pauses between words.
	win := 480
	var sum float64
	var count int
	for i := 0; i < len(s); i += win {
		end := min(i+win, len(s))
		var e float64
		for _, v := range s[i:end] {
			e += float64(v) * float64(v)
		}
		rms := math.Sqrt(e / float64(end-i))
		if rms > peak*0.01 {
			sum += e
			count += end - i
		}
	}
	if count == 0 {
		return
	}
	rms := math.Sqrt(sum / float64(count))
	gain := math.Pow(10, targetDBFS/20) / rms
	maxPeak := math.Pow(10, -1.0/20)
	if peak*gain > maxPeak {
		gain = maxPeak / peak
	}
	for i := range s {
		s[i] = float32(float64(s[i]) * gain)
	}
}

// Levels the pack checker holds every prompt to (see EdgeLoss, CheckClip).
const (
	AudibleDB     = -40.0 // sound within 40 dB of a take's peak is part of the word
	MaxEdgeLoss   = 20 * time.Millisecond
	EdgeWindow    = 5 * time.Millisecond // a prompt's first and last 5 ms ...
	EdgeDBFS      = -50.0                // ... stay under this: no click
	MaxDCLSB      = 10.0
	lostFraction  = 0.5  // a window is kept when the prompt has at least half its level (-6 dB)
	matchResidual = 1e-3 // prompt vs take after alignment: residual energy under -30 dB
)

// EdgeLoss measures what a prompt lost of the engine's untrimmed output
// it was cut from (take, at the same rate and high-passed the same way), at
// each end: how long before the first (after the last) audible moment the
// prompt keeps, take is already (still) audible. Audible is within
// AudibleDB of take's peak in [from, to); kept is no more than 6 dB under
// take, with the prompt aligned on take. A final "p" is a burst after a
// silent closure: losing it loses the whole span back to the vowel, not
// just the burst's 20 ms. [from, to) is the part of take the prompt stands
// for: all of it for a phrase said alone, the word and the pauses around it
// for one cut from a carrier sentence. An error means the prompt is not a
// cut of take at all (another text, another engine, another build), or
// keeps nothing audible of it.
func EdgeLoss(prompt, take []float32, rate, from, to int) (start, end time.Duration, err error) {
	from, to = max(from, 0), min(to, len(take))
	if len(prompt) == 0 || from >= to || len(prompt) > len(take) {
		return 0, 0, errors.New("nothing to compare")
	}
	off, gain, err := align(prompt, take, rate)
	if err != nil {
		return 0, 0, err
	}
	placed := make([]float32, len(take))
	for i, v := range prompt {
		if j := off + i; j >= 0 && j < len(placed) {
			placed[j] = float32(float64(v) / gain)
		}
	}
	et, ep := Envelope(take, rate), Envelope(placed, rate)
	thr := Peak(take[from:to]) * math.Pow(10, AudibleDB/20)
	hop := max(rate/1000, 1)
	firstA, lastA, firstK, lastK := -1, -1, -1, -1
	for k := from / hop; k*hop < to && k < len(et); k++ {
		if et[k] <= thr {
			continue
		}
		if firstA < 0 {
			firstA = k
		}
		lastA = k
		if ep[k] >= et[k]*lostFraction {
			if firstK < 0 {
				firstK = k
			}
			lastK = k
		}
	}
	if firstK < 0 {
		return 0, 0, errors.New("prompt keeps nothing audible of the engine's output")
	}
	ms := func(n int) time.Duration {
		return time.Duration(n) * time.Second * time.Duration(hop) / time.Duration(rate)
	}
	return ms(firstK - firstA), ms(lastA - lastK), nil
}

// align finds where prompt sits in take (prompt ≈ gain·take[off:]): its
// loudest 10 ms is searched for in take by normalised correlation, then the
// whole prompt away from its faded ends must match.
func align(prompt, take []float32, rate int) (off int, gain float64, err error) {
	n := max(rate/100, 8)
	if len(prompt) < 3*n {
		return 0, 0, errors.New("prompt too short to compare")
	}
	env := Envelope(prompt, rate)
	hop := max(rate/1000, 1)
	best := 0
	for k, e := range env {
		if k*hop+n <= len(prompt) && e > env[best] {
			best = k
		}
	}
	c := best * hop
	chunk := prompt[c : c+n]
	var cc float64
	for _, v := range chunk {
		cc += float64(v) * float64(v)
	}
	if cc == 0 {
		return 0, 0, errors.New("prompt is silent")
	}
	// Running energy of take's windows, so each position costs one dot product.
	var tt float64
	for _, v := range take[:n] {
		tt += float64(v) * float64(v)
	}
	bestCorr, bestPos := -1.0, -1
	for p := 0; p+n <= len(take); p++ {
		if p > 0 {
			a, b := float64(take[p-1]), float64(take[p+n-1])
			tt += b*b - a*a
		}
		if p-c < 0 || p-c+len(prompt) > len(take) || tt <= 0 {
			continue
		}
		var dot float64
		w := take[p : p+n]
		for i, v := range chunk {
			dot += float64(v) * float64(w[i])
		}
		if corr := dot / math.Sqrt(cc*max(tt, 1e-30)); corr > bestCorr {
			bestCorr, bestPos = corr, p
		}
	}
	if bestPos < 0 {
		return 0, 0, errors.New("prompt not found in the engine's output")
	}
	off = bestPos - c
	// Gain and residual over the middle half of the prompt: its ends are
	// faded, and so may be the ends of what the engine said.
	edge := len(prompt) / 4
	var pt, t2, p2 float64
	for i := edge; i < len(prompt)-edge; i++ {
		p, t := float64(prompt[i]), float64(take[off+i])
		pt += p * t
		t2 += t * t
		p2 += p * p
	}
	if t2 == 0 || pt <= 0 {
		return 0, 0, errors.New("prompt not found in the engine's output")
	}
	gain = pt / t2
	res := p2 - 2*gain*pt + gain*gain*t2
	if res > matchResidual*p2 {
		return 0, 0, fmt.Errorf("prompt does not match the engine's output of its text (residual %.1f dB)", 10*math.Log10(max(res/p2, 1e-30)))
	}
	return off, gain, nil
}

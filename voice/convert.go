package voice

import "math"

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

// Trim cuts leading and trailing silence (below thresholdDB relative to full
// scale, measured over 5 ms windows), keeping a short pad so consonants are
// not clipped: 15 ms before the onset, 40 ms after the end.
func Trim(s []float32, rate int, thresholdDB float64) []float32 {
	win := max(rate/200, 1)
	thr := math.Pow(10, thresholdDB/20)
	loud := func(i int) bool {
		var sum float64
		end := min(i+win, len(s))
		for _, v := range s[i:end] {
			sum += float64(v) * float64(v)
		}
		return math.Sqrt(sum/float64(max(end-i, 1))) > thr
	}
	start, end := -1, -1
	for i := 0; i < len(s); i += win {
		if loud(i) {
			start = i
			break
		}
	}
	if start < 0 {
		return nil
	}
	for i := (len(s) - 1) / win * win; i >= 0; i -= win {
		if loud(i) {
			end = min(i+win, len(s))
			break
		}
	}
	start = max(0, start-rate*15/1000)
	end = min(len(s), end+rate*40/1000)
	return append([]float32(nil), s[start:end]...)
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

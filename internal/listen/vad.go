package listen

import "math"

// Rate is the sample rate the recogniser's model was trained at; the
// microphone is opened at it.
const Rate = 16000

// frameLen is one analysis frame: 10 ms, as the recogniser's own.
const frameLen = Rate / 100

// Voice activity settings, in 10 ms frames and dB.
const (
	vadAbove    = 12.0  // a frame this far over the noise floor is speech
	vadMinLevel = -60.0 // and at least this loud (dBFS): no amplified hiss
	vadFloorMin = -85.0 // the floor of digital silence
	vadStart    = 3     // frames of speech that start an utterance
	vadHang     = 35    // frames of quiet that end one: pauses between words are shorter
	vadPreroll  = 25    // frames kept from before the start: soft onsets
	vadMinLen   = 25    // an utterance shorter than this is a click, not a command
	vadMaxLen   = 400   // one longer than this is talk, not a command
)

// utterance is a stretch of speech, cut from the stream with some quiet on
// either side.
type utterance struct {
	Start   int64   // first sample, counted from the start of the stream (with the pre-roll)
	Onset   int64   // the first speech frame
	PCM     []int16 // nil when TooLong
	End     int64   // sample after the last speech frame (before the trailing quiet)
	TooLong bool    // longer than a command can be: never decoded
}

// vad cuts a sample stream into utterances by energy against a noise floor
// that follows the room: a fan or traffic raises it, and speech must stand
// out from it. It is deterministic: the same samples give the same cuts.
type vad struct {
	floor   float64
	primed  bool
	pos     int64   // samples consumed
	partial []int16 // an incomplete frame
	ring    []int16 // the last vadPreroll frames
	// in an utterance:
	active  bool
	run     int // consecutive speech frames before the start
	quiet   int // consecutive quiet frames in an utterance
	buf     []int16
	start   int64 // with the pre-roll
	onset   int64 // the first speech frame
	lastEnd int64
	frames  int
	tooLong bool
}

// Write feeds samples and returns the utterances they complete.
func (v *vad) Write(pcm []int16) []utterance {
	var out []utterance
	for len(pcm) > 0 {
		need := frameLen - len(v.partial)
		if len(v.partial) == 0 && len(pcm) >= frameLen {
			out = v.frame(pcm[:frameLen], out)
			pcm = pcm[frameLen:]
			continue
		}
		n := min(need, len(pcm))
		v.partial = append(v.partial, pcm[:n]...)
		pcm = pcm[n:]
		if len(v.partial) == frameLen {
			out = v.frame(v.partial, out)
			v.partial = v.partial[:0]
		}
	}
	return out
}

// Flush ends an utterance in progress (the stream ended).
func (v *vad) Flush() []utterance {
	if !v.active {
		return nil
	}
	return v.finish(nil)
}

func level(f []int16) float64 {
	var sum float64
	for _, s := range f {
		x := float64(s) / 32768
		sum += x * x
	}
	return max(10*math.Log10(sum/float64(len(f))+1e-12), vadFloorMin)
}

func (v *vad) frame(f []int16, out []utterance) []utterance {
	e := level(f)
	if !v.primed {
		v.floor, v.primed = e, true
	}
	speech := e > v.floor+vadAbove && e > vadMinLevel
	switch {
	case e < v.floor:
		v.floor = e // quiet wins at once
	case !speech:
		v.floor += 0.05 * (e - v.floor)
	default:
		v.floor += 0.002 * (e - v.floor) // a lasting noise becomes the floor
	}
	at := v.pos
	v.pos += int64(len(f))

	if !v.active {
		if speech {
			v.run++
		} else {
			v.run = 0
		}
		v.ring = append(v.ring, f...)
		if len(v.ring) > vadPreroll*frameLen {
			v.ring = v.ring[len(v.ring)-vadPreroll*frameLen:]
		}
		if v.run >= vadStart {
			v.active, v.quiet, v.tooLong = true, 0, false
			v.start = v.pos - int64(len(v.ring))
			v.onset = v.pos - vadStart*frameLen
			v.buf = append(v.buf[:0], v.ring...)
			v.frames = v.run
			v.lastEnd = v.pos
			v.ring = v.ring[:0]
			v.run = 0
		}
		return out
	}
	v.frames++
	if !v.tooLong {
		v.buf = append(v.buf, f...)
		if v.frames > vadMaxLen {
			v.tooLong, v.buf = true, v.buf[:0]
		}
	}
	if speech {
		v.quiet = 0
		v.lastEnd = at + int64(len(f))
		return out
	}
	v.quiet++
	if v.quiet >= vadHang {
		return v.finish(out)
	}
	return out
}

func (v *vad) finish(out []utterance) []utterance {
	v.active = false
	u := utterance{Start: v.start, Onset: v.onset, End: v.lastEnd, TooLong: v.tooLong}
	speechFrames := int((v.lastEnd - v.onset) / frameLen)
	if !v.tooLong && speechFrames >= vadMinLen {
		u.PCM = append([]int16(nil), v.buf...)
	}
	v.buf = v.buf[:0]
	if u.PCM == nil && !u.TooLong {
		return out // a click
	}
	return append(out, u)
}

package voice

import (
	"sort"
	"sync/atomic"
)

// Streamer produces mono frames, beep-style. Stream always fills buf: after
// the end, with silence, so a device never starves and latency stays constant.
type Streamer interface {
	Stream(buf []float32) int
}

// Placement puts a clip at a frame of the timeline.
type Placement struct {
	At   int64
	Clip *Clip
}

// Mixer renders placements into PCM. Whoever pulls from it sets the pace:
// its position is the session's clock. Control from other goroutines goes
// through atomics and takes effect at the next pull; a pull does no
// allocation, locking or I/O.
type Mixer struct {
	placements []Placement
	longest    int64
	length     int64
	gain       float32

	pos    atomic.Int64 // timeline frames rendered
	pulled atomic.Int64 // frames handed out, silence while paused included
	seekTo atomic.Int64 // pending seek target, -1 if none
	paused atomic.Bool

	floor int64 // owned by the puller: after a seek, clips that began before it stay silent

	pending  atomic.Pointer[interjection]
	inter    *interjection // owned by the puller: a line being said outside the timeline
	interPos int64
}

// interjection is a line said at once, outside the timeline, while the
// timeline waits: "stop this exercise now..." after "this hurts".
type interjection struct {
	placements []Placement
	longest    int64
	length     int64
}

// NewMixer sorts placements by frame; length is the timeline's end. gain
// scales every clip (prompts are normalised to -20 dBFS RMS, so 1 is right).
func NewMixer(placements []Placement, length int64, gain float32) *Mixer {
	ps := append([]Placement(nil), placements...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].At < ps[j].At })
	m := &Mixer{placements: ps, length: length, gain: gain}
	for _, p := range ps {
		m.longest = max(m.longest, int64(p.Clip.Frames()))
	}
	m.seekTo.Store(-1)
	return m
}

// Position is how many frames of the timeline have been rendered.
func (m *Mixer) Position() int64 { return m.pos.Load() }

// Pulled is how many frames have been handed out in all.
func (m *Mixer) Pulled() int64 { return m.pulled.Load() }

// Length is the timeline's end.
func (m *Mixer) Length() int64 { return m.length }

// Done reports whether the end of the timeline has been rendered.
func (m *Mixer) Done() bool { return m.pos.Load() >= m.length }

// SeekFrame moves the position at the next pull. Clips that started before
// the target are not played from the middle: a seek never starts mid-word.
func (m *Mixer) SeekFrame(frame int64) { m.seekTo.Store(max(0, min(frame, m.length))) }

// SetPaused makes the mixer emit silence with its position frozen; resuming
// continues at the very next sample.
func (m *Mixer) SetPaused(p bool) { m.paused.Store(p) }

// Interject says placements (frames counted from 0, length long) at the
// next pull, with the timeline held still until they end: nothing is
// talked over, and nothing of the timeline is missed.
func (m *Mixer) Interject(placements []Placement, length int64) {
	it := &interjection{placements: placements, length: length}
	for _, p := range placements {
		it.longest = max(it.longest, int64(p.Clip.Frames()))
	}
	m.pending.Store(it)
}

// Stream renders the next len(buf) frames.
func (m *Mixer) Stream(buf []float32) int {
	n := len(buf)
	clear(buf)
	m.pulled.Add(int64(n))
	if s := m.seekTo.Swap(-1); s >= 0 {
		m.pos.Store(s)
		m.floor = s
	}
	if it := m.pending.Swap(nil); it != nil {
		m.inter, m.interPos = it, 0
	}
	if m.paused.Load() {
		return n
	}
	if it := m.inter; it != nil {
		mix(buf, it.placements, it.longest, m.interPos, 0, m.gain)
		m.interPos += int64(n)
		if m.interPos >= it.length {
			m.inter = nil
		}
		clamp(buf)
		return n
	}
	pos := m.pos.Load()
	mix(buf, m.placements, m.longest, pos, m.floor, m.gain)
	clamp(buf)
	m.pos.Store(pos + int64(n))
	return n
}

// mix adds the placements sounding in [pos, pos+len(buf)) into buf; those
// starting before floor stay silent.
func mix(buf []float32, ps []Placement, longest, pos, floor int64, gain float32) {
	end := pos + int64(len(buf))
	// The first placement that can still sound at pos.
	lo, hi := 0, len(ps)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ps[mid].At+longest <= pos {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for i := lo; i < len(ps) && ps[i].At < end; i++ {
		p := ps[i]
		if p.At < floor {
			continue
		}
		s := p.Clip.Samples
		from := max(pos, p.At)
		to := min(end, p.At+int64(len(s)))
		if from >= to {
			continue
		}
		src := s[from-p.At : to-p.At]
		dst := buf[from-pos : to-pos]
		for j, v := range src {
			dst[j] += v * gain
		}
	}
}

// clamp keeps every sample in range: oto sums players without clipping.
func clamp(buf []float32) {
	for i, v := range buf {
		if v > 1 {
			buf[i] = 1
		} else if v < -1 {
			buf[i] = -1
		}
	}
}

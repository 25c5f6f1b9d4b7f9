// Package voice holds voice packs (phrase → clip), WAV decoding and format
// conversion, the mixer that renders a timeline into PCM, and the sinks that
// pull from it. Time is counted in frames at the pack's rate everywhere; it is
// converted to durations only at the edges (display, device buffer sizes).
package voice

// Clip is one decoded prompt: mono float32 samples in [-1, 1] at its pack's
// rate. Clips are decoded once and shared read-only by every session.
type Clip struct {
	Phrase  string // the key it is stored under (see Key)
	Text    string // the phrase as written, for captions
	Samples []float32
}

// Frames is the clip's length in frames (mono: one sample per frame).
func (c *Clip) Frames() int { return len(c.Samples) }

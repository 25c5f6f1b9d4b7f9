// Package voice holds voice packs (phrase → clip), WAV decoding and format
// conversion, the mixer that renders a timeline into PCM, and the sinks that
// pull from it. Time is counted in frames at the pack's rate everywhere; it is
// converted to durations only at the edges (display, device buffer sizes).
package voice

import (
	"strings"
	"unicode"
)

// Clip is one decoded prompt: mono float32 samples in [-1, 1] at its pack's
// rate. Clips are decoded once and shared read-only by every session.
type Clip struct {
	Phrase  string // the key it is stored under (see Key)
	Text    string // the phrase as written, for captions
	Samples []float32
}

// Frames is the clip's length in frames (mono: one sample per frame).
func (c *Clip) Frames() int { return len(c.Samples) }

// Key normalises a phrase for lookup: lower case, words separated by one
// space, punctuation other than apostrophes and hyphens inside words dropped.
// "Breathe in," and "breathe  IN" are the same prompt.
func Key(phrase string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(phrase) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case r == '\'' || r == '’' || r == '-':
			// Keep apostrophes and hyphens only inside a word ("child's", "bent-over").
			if b.Len() > 0 && !space {
				if r == '’' {
					r = '\''
				}
				b.WriteRune(r)
			}
		default:
			space = true
		}
	}
	return strings.TrimRight(b.String(), "'-")
}

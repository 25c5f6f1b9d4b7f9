package voice

import (
	"strings"

	"github.com/coach-dev/coach/coach"
)

// speechFloor is how far below a prompt's peak a sample still counts as
// voice for joining words: -30 dB. Joined there, a word's last faint decay
// runs under the next word's onset, as in connected speech; nothing is cut,
// every clip still plays whole.
const speechFloor = 0.0316

// Speech is where the voice in a prompt starts and ends, in frames from the
// clip's start: the first and last sample within 30 dB of its peak. The
// compiler joins composed words there, so the silence a pack keeps around
// each prompt does not become gaps inside a line. Computed once per prompt.
func (p *Pack) Speech(phrase string) (start, end int, ok bool) {
	key := coach.Key(phrase)
	if b, ok := p.speech.Load(key); ok {
		se := b.([2]int)
		return se[0], se[1], true
	}
	c, ok := p.clips[key]
	if !ok {
		return 0, 0, false
	}
	start, end = speechBounds(c.Samples)
	p.speech.Store(key, [2]int{start, end})
	return start, end, true
}

func speechBounds(s []float32) (start, end int) {
	var peak float32
	for _, x := range s {
		peak = max(peak, x, -x)
	}
	if peak == 0 {
		return 0, len(s)
	}
	floor := peak * speechFloor
	start, end = 0, len(s)
	for start < end && s[start] < floor && s[start] > -floor {
		start++
	}
	for end > start && s[end-1] < floor && s[end-1] > -floor {
		end--
	}
	return start, end
}

// LongestPhrase is the number of words in the pack's longest prompt: no
// longer run of words can be one prompt.
func (p *Pack) LongestPhrase() int {
	n := 0
	for k := range p.clips {
		n = max(n, strings.Count(k, " ")+1)
	}
	return n
}

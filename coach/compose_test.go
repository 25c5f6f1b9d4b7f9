package coach_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wordsOnly is the default pack as a new routine sees it: every single
// word, none of the recorded phrases.
type wordsOnly struct{ *voice.Pack }

func (w wordsOnly) Frames(phrase string) (int, bool) {
	if strings.Contains(phrase, " ") {
		return 0, false
	}
	return w.Pack.Frames(phrase)
}

// spoken is how long a line's voice lasts: from the first clip's speech to
// the end of the last speech of any clip.
func spoken(t *testing.T, p *voice.Pack, clips []coach.ClipAt) int64 {
	t.Helper()
	var first, last int64 = -1, 0
	for _, c := range clips {
		s, e := audible(t, p, c.Phrase)
		if first < 0 {
			first = c.At + int64(s)
		}
		last = max(last, c.At+int64(e))
	}
	return last - first
}

// audible is where a prompt's sound lies above -40 dB of its peak.
func audible(t *testing.T, p *voice.Pack, phrase string) (int, int) {
	t.Helper()
	c, ok := p.Clip(phrase)
	require.True(t, ok)
	var peak float32
	for _, x := range c.Samples {
		peak = max(peak, x, -x)
	}
	s, e := 0, len(c.Samples)
	for s < e && max(c.Samples[s], -c.Samples[s]) < peak/100 {
		s++
	}
	for e > s && max(c.Samples[e-1], -c.Samples[e-1]) < peak/100 {
		e--
	}
	return s, e
}

// A line the pack has no prompt for is composed from single words; it must
// stay close to the length of the same line said whole. Lengths are measured
// on the audible sound (-40 dB of each prompt's peak), so a pack's silent
// margins do not count.
func TestComposedLengthAgainstWholeLine(t *testing.T) {
	pack, err := voice.Default()
	require.NoError(t, err)
	var now, before []float64
	for _, phrase := range pack.Phrases() {
		if !strings.Contains(phrase, " ") {
			continue
		}
		clips, _, err := coach.Line(wordsOnly{pack}, phrase)
		if err != nil {
			continue // a word of it is not in the pack on its own
		}
		whole, _, err := coach.Line(pack, phrase)
		require.NoError(t, err)
		require.Len(t, whole, 1)
		w := float64(spoken(t, pack, whole))
		r := float64(spoken(t, pack, clips)) / w
		assert.LessOrEqual(t, r, 1.75, "%q composed from words is %.2f times as long as said whole", phrase, r)
		now = append(now, r)
		// The composer before: clips end to start, 40 ms apart.
		var old int64
		for i, c := range clips {
			s, e := audible(t, pack, c.Phrase)
			switch {
			case i == 0:
				old = int64(c.Frames - s)
			case i == len(clips)-1:
				old += int64(pack.Rate())*40/1000 + int64(e)
			default:
				old += int64(pack.Rate())*40/1000 + int64(c.Frames)
			}
		}
		before = append(before, float64(old)/w)
	}
	require.GreaterOrEqual(t, len(now), 20, "enough of the pack's phrases can be composed from its words")
	sort.Float64s(now)
	sort.Float64s(before)
	med, oldMed := now[len(now)/2], before[len(before)/2]
	t.Logf("%d phrases composed from words: median %.2f, max %.2f times the whole line (joined end to start with 40 ms gaps: median %.2f, max %.2f)",
		len(now), med, now[len(now)-1], oldMed, before[len(before)-1])
	assert.LessOrEqual(t, med, 1.3)
	assert.Less(t, med, oldMed-0.1)
}

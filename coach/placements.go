package coach

import (
	"fmt"

	"github.com/coach-dev/coach/voice"
)

// Placements resolves every clip of the timeline in the pack it was
// compiled against, for the mixer.
func (t *Timeline) Placements(p *voice.Pack) ([]voice.Placement, error) {
	if p.Rate() != t.Rate {
		return nil, fmt.Errorf("voice pack is %d Hz but the timeline was compiled at %d Hz", p.Rate(), t.Rate)
	}
	var out []voice.Placement
	for _, c := range t.Cues {
		for _, cl := range c.Clips {
			clip, ok := p.Clip(cl.Phrase)
			if !ok {
				return nil, fmt.Errorf("voice pack has no prompt for %q", cl.Phrase)
			}
			out = append(out, voice.Placement{At: cl.At, Clip: clip})
		}
	}
	return out, nil
}

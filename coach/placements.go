package coach

import (
	"fmt"
	"time"

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

// PackPlayer is the mixer a session drives, able to say a line at once
// from the pack (the pain line), holding the timeline until it ends.
type PackPlayer struct {
	*voice.Mixer
	Pack *voice.Pack
}

// Say implements Speaker.
func (p PackPlayer) Say(line string) (time.Duration, error) {
	clips, n, err := Line(p.Pack, line)
	if err != nil {
		return 0, err
	}
	ps := make([]voice.Placement, len(clips))
	for i, c := range clips {
		clip, _ := p.Pack.Clip(c.Phrase)
		ps[i] = voice.Placement{At: c.At, Clip: clip}
	}
	p.Interject(ps, n)
	return time.Duration(n) * time.Second / time.Duration(p.Pack.Rate()), nil
}

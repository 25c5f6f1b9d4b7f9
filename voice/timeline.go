package voice

import (
	"fmt"
	"time"

	"github.com/coach-dev/coach/coach"
)

// Placements resolves every clip of tl in the pack it was compiled
// against, for the mixer.
func Placements(tl *coach.Timeline, p *Pack) ([]Placement, error) {
	if p.Rate() != tl.Rate {
		return nil, fmt.Errorf("voice pack is %d Hz but the timeline was compiled at %d Hz", p.Rate(), tl.Rate)
	}
	var out []Placement
	for _, c := range tl.Cues {
		for _, cl := range c.Clips {
			clip, ok := p.Clip(cl.Phrase)
			if !ok {
				return nil, fmt.Errorf("voice pack has no prompt for %q", cl.Phrase)
			}
			out = append(out, Placement{At: cl.At, Clip: clip})
		}
	}
	return out, nil
}

// PackPlayer is the mixer a session drives (a coach.Player), able to say a
// line at once from the pack (the pain line, a coach.Speaker), holding the
// timeline until it ends.
type PackPlayer struct {
	*Mixer
	Pack *Pack
}

// Say implements coach.Speaker.
func (p PackPlayer) Say(line string) (time.Duration, error) {
	clips, n, err := coach.Line(p.Pack, line)
	if err != nil {
		return 0, err
	}
	ps := make([]Placement, len(clips))
	for i, c := range clips {
		clip, _ := p.Pack.Clip(c.Phrase)
		ps[i] = Placement{At: c.At, Clip: clip}
	}
	p.Interject(ps, n)
	return time.Duration(n) * time.Second / time.Duration(p.Pack.Rate()), nil
}

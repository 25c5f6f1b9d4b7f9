package coach

import "strings"

// fakeVoice can say anything: 1,000 frames a second at rate 1,000 and 60 ms
// per character, so lengths in tests are easy to reason about.
type fakeVoice struct{ missing []string }

func (fakeVoice) Rate() int { return 1000 }

func (f fakeVoice) Frames(phrase string) (int, bool) {
	for _, m := range f.missing {
		if m == phrase {
			return 0, false
		}
	}
	return 60 * len(strings.ReplaceAll(phrase, " ", "")), true
}

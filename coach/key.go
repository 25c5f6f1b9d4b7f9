package coach

import (
	"strings"
	"unicode"
)

// Key normalises a phrase for lookup in a pack (a compiler rule, so packs
// and the compiler agree): lower case, words separated by one
// space, punctuation other than apostrophes and hyphens inside words dropped.
// "Breathe in," and "breathe  IN" are the same prompt.
func Key(phrase string) string {
	var b strings.Builder
	space := false
	var joint rune // an apostrophe or hyphen waiting for the rest of its word
	for _, r := range strings.ToLower(phrase) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			if joint != 0 && !space {
				b.WriteRune(joint)
			}
			space, joint = false, 0
			b.WriteRune(r)
		case (r == '\'' || r == '’' || r == '-') && b.Len() > 0 && !space && joint == 0:
			// Kept only inside a word ("child's", "bent-over").
			joint = r
			if r == '’' {
				joint = '\''
			}
		default:
			space, joint = true, 0
		}
	}
	return b.String()
}

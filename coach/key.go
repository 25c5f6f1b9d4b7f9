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

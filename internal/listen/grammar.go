package listen

import (
	"fmt"
	"strings"

	"github.com/coach-dev/coach/coach"
)

// WakeWord starts every spoken command: "coach pause". Nothing the coach
// says to the user starts with it followed by a command (a test checks the
// built-in routines), and a command phrase alone is never taken.
const WakeWord = "coach"

// Phrase is one spoken command: the words after the wake word.
type Phrase struct {
	Words   string // "go on"
	Command coach.Command
	// Interrupts: it may be taken while the coach is speaking, at a
	// stricter threshold. Only stopping and pausing are worth the risk.
	Interrupts bool
}

// Phrases are the spoken commands, read from the control table.
func Phrases() []Phrase {
	var ps []Phrase
	for _, c := range coach.Controls {
		if c.Spoken == "" {
			continue
		}
		ps = append(ps, Phrase{Words: c.Spoken, Command: c.Command,
			Interrupts: c.Command == coach.CmdStop || c.Command == coach.CmdPause})
	}
	return ps
}

// Said is how a person says a phrase, with the wake word.
func (p Phrase) Said() string { return WakeWord + " " + p.Words }

// grammar is the JSGF grammar of the commands: the wake word, then one
// phrase.
func grammar(ps []Phrase) string {
	alts := make([]string, len(ps))
	for i, p := range ps {
		alts[i] = p.Words
	}
	return fmt.Sprintf("#JSGF V1.0;\ngrammar coach;\npublic <command> = %s ( %s );\n", WakeWord, strings.Join(alts, " | "))
}

// words are the distinct words of the grammar.
func words(ps []Phrase) []string {
	seen := map[string]bool{WakeWord: true}
	out := []string{WakeWord}
	for _, p := range ps {
		for _, w := range strings.Fields(p.Words) {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

package listen

// result is what the recogniser made of an utterance.
type result struct {
	Phrase  Phrase
	OK      bool    // the grammar matched a phrase
	Text    string  // the grammar's hypothesis
	Score   float64 // confidence: acoustic score per frame over the phone loop's, in the decoder's log units (higher is surer)
	Wake    float64 // the same, over the wake word's frames alone
	Command float64 // and over the command's words
	Frames  int
}

// threshold is how sure the recogniser must be to act: both the wake word
// and the command must explain their sound nearly as well as free phones.
type threshold struct {
	Wake, Command float64
}

// Thresholds, measured on the command corpus against unrelated speech (see
// the README's hands-free section and BenchmarkAccuracy): normal applies
// in the gaps between the coach's lines; strict while the coach speaks,
// when only stop and pause are taken at all.
var (
	normal = threshold{Wake: -40, Command: -40}
	strict = threshold{Wake: -20, Command: -20}
)

// accept decides whether a recognised utterance is a command.
func accept(r result, speaking bool) bool {
	if !r.OK {
		return false
	}
	th := normal
	if speaking {
		if !r.Phrase.Interrupts {
			return false
		}
		th = strict
	}
	return r.Wake >= th.Wake && r.Command >= th.Command
}

package listen

// result is what the recogniser made of an utterance.
type result struct {
	Phrase  Phrase
	OK      bool    // the grammar matched a phrase
	Text    string  // the grammar's hypothesis
	Score   float64 // confidence: acoustic score per frame over the phone loop's, in the decoder's log units (higher is surer)
	Wake    float64 // the same, over the wake word's frames alone
	Command float64 // and over the command's words
	Phones  float64 // phone edit distance between the phone loop and the words (lower is surer)
	// BeatsDecoy: the phrase also wins against any run of common words.
	BeatsDecoy bool
	Frames     int
	Speech     int64 // samples from the first to the last speech frame
}

// threshold is how sure the recogniser must be to act on a phrase: the
// wake word and the command must each explain their sound nearly as well
// as free phones do, and the phones heard must be near the words' own.
type threshold struct {
	Wake, Command float64 // at least
	Phones        float64 // at most
}

// thresholds per phrase (the words after the wake word), for a phrase that
// did not also win against the decoy (any run of common words), fitted to
// BenchmarkAccuracy's scores (COACH_LISTEN_DUMP): the command corpus (8
// voices x 2 speeds, clean and in 20 dB noise) against festival reading the
// GNU GPL clause by clause. For each phrase, the thresholds that detect the
// most with no false command in the prose nor any other phrase taken for
// it, the highest of equals. Fitted on either half of the prose, they made
// 1 and 0 false commands in the other half (23 min each).
var thresholds = map[string]threshold{
	"pause":    {Wake: -45, Command: -51, Phones: 9},
	"carry on": {Wake: -39, Command: -27, Phones: 1.0},
	"go back":  {Wake: -42, Command: -33, Phones: 0.9},
	"repeat":   {Wake: -48, Command: -27, Phones: 9},
	"skip it":  {Wake: -33, Command: -39, Phones: 9},
	"ouch":     {Wake: -33, Command: -21, Phones: 9},
	"stop":     {Wake: -33, Command: -36, Phones: 9},
}

// beatsDecoy is all a phrase that also won against the decoy needs: no
// utterance of the prose or of the coach's own session did (half the
// commands do).
var beatsDecoy = threshold{Wake: -60, Command: -60, Phones: 9}

// fallback is for a phrase not measured yet (a new Spoken word): the
// strictest of the measured ones.
var fallback = threshold{Wake: -33, Command: -21, Phones: 0.9}

// stricter is added to both scores' thresholds while the coach speaks,
// when only stopping and pausing are taken at all.
const stricter = 12

// A command said alone lasts this long, wake word included: shorter is a
// word or two of something else, longer is talk.
const (
	minSpeech = 380 * Rate / 1000
	maxSpeech = 1680 * Rate / 1000
)

// accept decides whether a recognised utterance is a command.
func accept(r result, speaking bool) bool {
	if !r.OK || r.Speech < minSpeech || r.Speech > maxSpeech {
		return false
	}
	th, ok := thresholds[r.Phrase.Words]
	switch {
	case r.BeatsDecoy:
		th = beatsDecoy
	case !ok:
		th = fallback
	}
	if speaking {
		if !r.Phrase.Interrupts {
			return false
		}
		th.Wake += stricter
		th.Command += stricter
	}
	return r.Wake >= th.Wake && r.Command >= th.Command && r.Phones <= th.Phones
}

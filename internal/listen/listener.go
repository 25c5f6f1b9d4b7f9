package listen

import (
	"time"

	"github.com/coach-dev/coach/coach"
)

// Options tune a listener; the zero value listens on the default
// microphone with Debian's model.
type Options struct {
	Device   string          // ALSA capture device; "" is "default"
	Model    string          // model folder; "" is DefaultModel
	Timeline *coach.Timeline // the session's, to know when the coach speaks
	// Heard is the session's heard frame, readable from any goroutine
	// (coach.Session.Heard); nil follows the states alone.
	Heard func() int64
	// OnHeard is told of every command taken, on the listener's goroutine:
	// it must not block.
	OnHeard func(Heard)
}

// DefaultModel is where Debian's pocketsphinx-en-us puts the US English
// model.
const DefaultModel = "/usr/share/pocketsphinx/model/en-us"

// Heard is a command taken from speech.
type Heard struct {
	Command coach.Command
	Words   string        // the phrase after the wake word: "go on"
	Latency time.Duration // from the end of the phrase to the command
}

// Text is how a heard command is shown: "Heard: go on".
func (h Heard) Text() string { return "Heard: " + h.Words }

// Listener turns spoken commands into session commands.
type Listener struct {
	gate  *gate
	close func() error
}

// State tells the listener what the session is doing, so it knows when the
// coach speaks. It never blocks.
func (l *Listener) State(st coach.State) { l.gate.set(st, time.Now()) }

// Close stops listening and releases the microphone.
func (l *Listener) Close() error { return l.close() }

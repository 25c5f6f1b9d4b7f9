package coach

import (
	"fmt"
	"strings"
)

// Control is one thing a person can ask of a running session, with every
// way of asking it. Controls is the only table of them: the terminal builds
// its key map and help line from it, the companion page receives it in its
// hello message and builds its buttons and keys from it, and headset buttons
// and spoken commands look their commands up in it. A new control is one
// entry here plus its behaviour in the session.
type Control struct {
	Command Command  `json:"command"`
	Keys    []string `json:"keys"`             // keys as typed: one character, "space", "ctrl-c"; letters in either case
	Label   string   `json:"label"`            // a button's text
	Hint    string   `json:"hint"`             // a word or two for a help line
	Help    string   `json:"help"`             // one sentence
	Spoken  string   `json:"spoken,omitempty"` // said after the wake word: "coach pause"
	Media   string   `json:"media,omitempty"`  // the MPRIS player method that sends it
	Button  bool     `json:"button"`           // shown as a button and in help lines
	CheckIn bool     `json:"checkin"`          // only does something while a check-in asks
	Feel    bool     `json:"feel"`             // rates how the exercise just done felt; asked in the rest after it
}

// Key names that are not one printable character.
const (
	KeySpace = "space"
	KeyCtrlC = "ctrl-c"
	KeyCtrlD = "ctrl-d"
)

// Controls lists every control; buttons in the order help lines list them.
var Controls = func() []Control {
	cs := []Control{
		{Command: CmdPause, Label: "Pause", Hint: "pause", Help: "Pause the session; the coach stops mid-word and waits.",
			Spoken: "pause", Media: "Pause"},
		{Command: CmdResume, Label: "Resume", Hint: "resume", Help: "Carry on from where the session was paused.",
			Spoken: "carry on", Media: "Play"},
		{Command: CmdToggle, Keys: []string{KeySpace, "p"}, Label: "Pause", Hint: "pause/resume",
			Help: "Pause, or resume when paused.", Media: "PlayPause", Button: true},
		{Command: CmdBack, Keys: []string{"b"}, Label: "Back", Hint: "back (twice: previous)",
			Help: "Start this exercise again; twice quickly, go to the previous one.", Spoken: "go back", Media: "Previous", Button: true},
		{Command: CmdRepeat, Keys: []string{"r"}, Label: "Repeat", Hint: "repeat rep",
			Help: "Do the current rep again from its start.", Spoken: "repeat", Button: true},
		{Command: CmdNext, Keys: []string{"n"}, Label: "Next", Hint: "next exercise",
			Help: "Skip to the next exercise (recorded as skipped).", Spoken: "skip it", Media: "Next", Button: true},
		{Command: CmdPain, Keys: []string{"h"}, Label: "This hurts", Hint: "this hurts",
			Help: "Stop this exercise at once because it hurts; the coach says what to do and moves on.", Spoken: "ouch", Button: true},
		{Command: CmdStop, Keys: []string{"q", KeyCtrlC, KeyCtrlD}, Label: "Stop", Hint: "quit",
			Help: "End the session now; what was done is recorded.", Spoken: "stop", Media: "Stop", Button: true},
	}
	for _, f := range []struct {
		cmd         Command
		key, label  string
		hint, level string
	}{
		{CmdTooEasy, "e", "Too easy", "easy", "too easy"},
		{CmdAboutRight, "o", "About right", "ok", "about right"},
		{CmdTooHard, "d", "Too hard", "hard", "too hard"},
	} {
		cs = append(cs, Control{Command: f.cmd, Keys: []string{f.key}, Label: f.label, Hint: f.hint,
			Help: "Say the exercise just done was " + f.level + " (kept in the history for you and your physio).", Feel: true})
	}
	for n := 0; n <= 10; n++ {
		key := fmt.Sprint(n)
		if n == 10 {
			key = "t"
		}
		cs = append(cs, Control{Command: Rate(n), Keys: []string{key}, Label: fmt.Sprint(n), Hint: "pain " + fmt.Sprint(n),
			Help: fmt.Sprintf("Answer the check-in: pain %d of 10.", n), CheckIn: true})
	}
	return cs
}()

// ControlFor returns the control of a command.
func ControlFor(c Command) (Control, bool) {
	for _, ctl := range Controls {
		if ctl.Command == c {
			return ctl, true
		}
	}
	return Control{}, false
}

// HelpLines are the key help of a control table for a narrow display,
// longest first: key and hint, key and label, keys alone. Check-in digits
// are left out (a check-in says so itself).
func HelpLines(controls []Control) []string {
	var long, mid, short []string
	for _, c := range controls {
		if !c.Button || len(c.Keys) == 0 {
			continue
		}
		k := c.Keys[0]
		long = append(long, k+" "+c.Hint)
		mid = append(mid, k+" "+strings.ToLower(firstWord(c.Label)))
		short = append(short, k)
	}
	return []string{strings.Join(long, " · "), strings.Join(mid, " · "), strings.Join(short, " ")}
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 && len(s) > 6 {
		return s[i+1:] // "This hurts" → "hurts"
	}
	return s
}

// Phase labels: the one name each phase is shown by, everywhere.
var phaseLabels = map[string]string{
	PhaseIntro:          "Welcome",
	PhaseSetup:          "Get into position",
	PhaseReady:          "Get ready",
	PhaseSetRest:        "Rest",
	PhaseRest:           "Rest",
	PhaseUpNext:         "Up next",
	PhaseSwitch:         "Change sides",
	PhaseFinish:         "Finishing",
	PhaseCheckInBefore:  "Check-in",
	PhaseCheckInAfter:   "Check-in",
	string(Move):        "Move",
	string(Hold):        "Hold",
	string(BreatheIn):   "Breathe in",
	string(BreatheOut):  "Breathe out",
	string(Release):     "Release",
	PhaseFinishedStatus: "Finished",
	PhaseStoppedStatus:  "Stopped",
}

// Labels shown for a session that has ended, in place of its last phase.
const (
	PhaseFinishedStatus = "finished"
	PhaseStoppedStatus  = "stopped"
)

// PhaseLabel is how a phase is named to a person ("" for none).
func PhaseLabel(phase string) string {
	if l, ok := phaseLabels[phase]; ok {
		return l
	}
	if phase == "" {
		return ""
	}
	r := []rune(strings.ReplaceAll(phase, "-", " "))
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}

// PhaseLabels is the whole table, for the page's hello.
func PhaseLabels() map[string]string {
	out := make(map[string]string, len(phaseLabels))
	for k, v := range phaseLabels {
		out[k] = v
	}
	return out
}

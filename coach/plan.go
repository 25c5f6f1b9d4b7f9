package coach

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// PlanJSON is the stable `coach plan --json` contract used by other tools.
type PlanJSON struct {
	Routine    string             `json:"routine"`
	Title      string             `json:"title"`
	SampleRate int                `json:"sample_rate"`
	DurationMS int64              `json:"duration_ms"`
	Exercises  []PlanExerciseJSON `json:"exercises"`
	Cues       []PlanCueJSON      `json:"cues"`
	// Unrecorded lists the clauses no pack can say yet; while it is not
	// empty the lengths are estimates.
	Unrecorded []string `json:"unrecorded,omitempty"`
}

// PlanExerciseJSON is one exercise of PlanJSON.
type PlanExerciseJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	StartMS   int64    `json:"start_ms"`
	EndMS     int64    `json:"end_ms"`
	Sets      int      `json:"sets"`
	Reps      int      `json:"reps"`
	Sides     []Side   `json:"sides"`
	Alternate bool     `json:"alternate,omitempty"`
	HoldMS    int64    `json:"hold_ms"`
	Variant   string   `json:"variant,omitempty"`
	Equipment []string `json:"equipment"`
}

// PlanCueJSON is one spoken line of PlanJSON.
type PlanCueJSON struct {
	AtMS     int64    `json:"at_ms"`
	AtFrame  int64    `json:"at_frame"`
	EndMS    int64    `json:"end_ms"`
	Exercise string   `json:"exercise"`
	Phase    string   `json:"phase"`
	Text     string   `json:"text"`
	Clips    []string `json:"clips"`
	// Unrecorded: a clause of the line is not recorded yet and its length
	// is estimated.
	Unrecorded bool `json:"unrecorded,omitempty"`
}

// MS converts frames to whole milliseconds (rounded down, so a cue's at_ms
// never lies after the sample it names).
func (t *Timeline) MS(frames int64) int64 { return frames * 1000 / int64(t.Rate) }

// JSON builds the plan contract.
func (t *Timeline) JSON() PlanJSON {
	p := PlanJSON{Routine: t.Routine, Title: t.Title, SampleRate: t.Rate, DurationMS: t.MS(t.Length),
		Exercises: []PlanExerciseJSON{}, Cues: []PlanCueJSON{}, Unrecorded: t.Unrecorded}
	for _, e := range t.Exercises {
		sides := e.Sides
		if sides == nil {
			sides = []Side{}
		}
		p.Exercises = append(p.Exercises, PlanExerciseJSON{ID: e.ID, Name: e.Name, StartMS: t.MS(e.Start), EndMS: t.MS(e.End),
			Sets: e.Sets, Reps: e.Reps, Sides: sides, Alternate: e.Alternate, HoldMS: t.MS(e.Hold), Variant: e.Variant, Equipment: e.Equipment})
	}
	for _, c := range t.Cues {
		clips := make([]string, len(c.Clips))
		for i, cl := range c.Clips {
			clips[i] = cl.Phrase
		}
		ex := ""
		if c.Exercise >= 0 && c.Exercise < len(t.Exercises) {
			ex = t.Exercises[c.Exercise].ID
		}
		p.Cues = append(p.Cues, PlanCueJSON{AtMS: t.MS(c.At), AtFrame: c.At, EndMS: t.MS(c.End), Exercise: ex, Phase: c.Phase, Text: c.Text, Clips: clips, Unrecorded: c.Unrecorded})
	}
	return p
}

// WriteJSON writes the plan contract, indented.
func (t *Timeline) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t.JSON())
}

// Clock formats frames as mm:ss.mmm (h:mm:ss.mmm past an hour).
func (t *Timeline) Clock(frames int64) string {
	ms := t.MS(frames)
	h, m, s, r := ms/3600000, ms/60000%60, ms/1000%60, ms%1000
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d.%03d", h, m, s, r)
	}
	return fmt.Sprintf("%02d:%02d.%03d", m, s, r)
}

// Short formats frames as a human length: "2:05" or "45s".
func (t *Timeline) Short(frames int64) string {
	s := (t.MS(frames) + 500) / 1000
	if s < 60 {
		return fmt.Sprintf("%ds", s)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// WriteText prints the readable timetable: a header per exercise, then every
// spoken line at its time.
func (t *Timeline) WriteText(w io.Writer) error {
	var b strings.Builder
	noun := "exercises"
	if len(t.Exercises) == 1 {
		noun = "exercise"
	}
	about := ""
	if len(t.Unrecorded) > 0 {
		about = "about "
	}
	fmt.Fprintf(&b, "%s (%s): %d %s, %s%s in all\n", t.Title, t.Routine, len(t.Exercises), noun, about, t.Short(t.Length))
	ex := -1
	for _, c := range t.Cues {
		if c.Exercise >= 0 && c.Exercise != ex && c.Exercise < len(t.Exercises) {
			ex = c.Exercise
			e := t.Exercises[ex]
			fmt.Fprintf(&b, "\n%d. %s  at %s, %s: %s\n", ex+1, e.Name, t.Clock(e.Start), t.Short(e.End-e.Start), describe(t, e))
		} else if c.Exercise < 0 && ex >= 0 {
			ex = -1
			b.WriteString("\n")
		}
		mark := ""
		if c.Unrecorded {
			mark = "  " + unrecordedMark
		}
		fmt.Fprintf(&b, "%s  %s%s\n", t.Clock(c.At), c.Text, mark)
	}
	fmt.Fprintf(&b, "\nTotal %s%s (%s)\n", about, t.Short(t.Length), t.Clock(t.Length))
	if n := len(t.Unrecorded); n > 0 {
		fmt.Fprintf(&b, "%s %d phrase(s) are not recorded yet, so their lengths are estimated: %s.\n"+
			"coach run and coach render record them before they start.\n", unrecordedMark, n, quoteList(t.Unrecorded))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// unrecordedMark flags a line of the timetable that is not recorded yet.
const unrecordedMark = "[to be recorded]"

func describe(t *Timeline, e ExercisePlan) string {
	var parts []string
	if e.Sets > 1 {
		parts = append(parts, fmt.Sprintf("%d sets of %d reps", e.Sets, e.Reps))
	} else {
		parts = append(parts, fmt.Sprintf("%d reps", e.Reps))
	}
	switch {
	case len(e.Sides) == 1:
		parts[0] += ", " + string(e.Sides[0]) + " side only"
	case e.Alternate:
		parts[0] += " each side, taking turns"
	case len(e.Sides) > 1:
		parts[0] += " each side"
	}
	if e.Hold > 0 {
		parts = append(parts, fmt.Sprintf("hold %s", fmtDur(t.Duration(e.Hold))))
	}
	if e.Variant != "" {
		parts = append(parts, "variant "+e.Variant)
	}
	if len(e.Equipment) > 0 {
		parts = append(parts, "with "+strings.Join(e.Equipment, ", "))
	}
	return strings.Join(parts, ", ")
}

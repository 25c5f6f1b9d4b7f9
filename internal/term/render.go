package term

import (
	"fmt"
	"strings"
	"time"

	"github.com/coach-dev/coach/coach"
)

// The key help line, longest first, from the control table: the view
// shows the longest that fits.
var helps = HelpLines(coach.Controls)

// HelpLines are the help line's fallbacks for a control table.
func HelpLines(controls []coach.Control) []string {
	hs := coach.HelpLines(controls)
	return append(hs, strings.Replace(hs[len(hs)-1], coach.KeySpace, "␣", 1))
}

// Render lays out the live status area for a state: no line is wider than
// width columns. Each line has fallbacks from the most to the least
// detailed; the first that fits is used, and the last is cut with "…".
//
//	Upper back routine  ▕████████░░░░░░░░░░░░░░░░░░░░░░░░░░▏  24%
//	Exercise 2 of 5: Child's pose · rep 2 of 3
//	Hold ▕████████░░░░░░░░░░░░▏ 13s left
//	“Hold, and breathe easily.”
//	02:50 elapsed · 08:54 left · next: Open books
//	space pause/resume · n next · b back (twice: previous) · …
func Render(st coach.State, width int) []string {
	return []string{
		progressLine(st, width),
		exerciseLine(st, width),
		phaseLine(st, width),
		captionLine(st, width),
		timeLine(st, width),
		helpLine(st, width),
	}
}

// feels are the feel controls, for the question a rest asks.
var feels = func() (fs []coach.Control) {
	for _, c := range coach.Controls {
		if c.Feel && len(c.Keys) > 0 {
			fs = append(fs, c)
		}
	}
	return fs
}()

// helpLine is the key help, or in a rest the question how the exercise
// just done felt, with its keys (the keys of the help line still work).
func helpLine(st coach.State, width int) string {
	name := clean(st.FeelFor)
	if name == "" || len(feels) == 0 {
		return fit(width, helps...)
	}
	var long, short, keys []string
	for _, c := range feels {
		long = append(long, c.Keys[0]+" "+strings.ToLower(c.Label))
		short = append(short, c.Keys[0]+" "+c.Hint)
		keys = append(keys, c.Keys[0])
	}
	if st.Feel != "" {
		said := st.Feel
		if c, ok := coach.ControlFor(coach.Command(st.Feel)); ok {
			said = strings.ToLower(c.Label)
		}
		return fit(width,
			fmt.Sprintf("%s felt %s (%s to change)", name, said, strings.Join(keys, "/")),
			fmt.Sprintf("%s: %s (%s)", name, said, strings.Join(keys, "/")),
			said)
	}
	opts := []string{
		fmt.Sprintf("How did %s feel? %s", name, strings.Join(long, " · ")),
		fmt.Sprintf("%s? %s", name, strings.Join(short, " · ")),
		fmt.Sprintf("How was it? %s", strings.Join(short, " · ")),
		strings.Join(short, " · "),
	}
	return fit(width, append(opts, helps...)...)
}

// RenderEnd lays out what stays on the screen when the view closes: the
// progress bar and how the session ended. rec, when known, is the
// session's record (the same the page and the history show); without it
// the state's own clock and place are shown.
//
//	Upper back routine  ▕██████████████████████████████████▏ 100%
//	Session finished — 11:44 spent, 5 of 5 exercises, 53 of 53 reps, pain 4→2
func RenderEnd(st coach.State, rec *coach.Record, width int) []string {
	var how string
	switch {
	case rec != nil && rec.Status == coach.StatusFinished, rec == nil && st.Finished:
		how = "Session finished"
	case rec != nil && rec.Status == coach.StatusStopped, rec == nil && st.Stopped:
		how = "Session stopped"
	default:
		how = "Session ended"
	}
	var details []string
	if rec != nil {
		t := rec.Totals()
		spent := clock(rec.Spent().Round(time.Second).Milliseconds())
		var extra []string
		if t.Skipped > 0 {
			extra = append(extra, fmt.Sprintf("%d skipped", t.Skipped))
		}
		if t.PainStops == 1 {
			extra = append(extra, "1 pain stop")
		} else if t.PainStops > 1 {
			extra = append(extra, fmt.Sprintf("%d pain stops", t.PainStops))
		}
		if rec.PainBefore != nil || rec.PainAfter != nil {
			extra = append(extra, "pain "+painText(rec.PainBefore)+"→"+painText(rec.PainAfter))
		}
		long := fmt.Sprintf("%s — %s spent, %d of %d exercises, %d of %d reps", how, spent, t.Completed, t.Exercises, t.DoneReps, t.PlannedReps)
		mid := fmt.Sprintf("%s — %s, %d/%d exercises, %d/%d reps", how, spent, t.Completed, t.Exercises, t.DoneReps, t.PlannedReps)
		if len(extra) > 0 {
			details = append(details, long+", "+strings.Join(extra, ", "), mid+", "+strings.Join(extra, ", "))
		}
		details = append(details, long, mid, fmt.Sprintf("%s — %s, %d/%d", how, spent, t.Completed, t.Exercises))
	} else if st.Finished {
		details = []string{
			fmt.Sprintf("%s — %s, %d of %d exercises", how, clock(st.ElapsedMS), st.ExerciseCount, st.ExerciseCount),
			fmt.Sprintf("%s — %s", how, clock(st.ElapsedMS)),
		}
	} else {
		at := fmt.Sprintf("%s — %s of %s", how, clock(st.ElapsedMS), clock(st.DurationMS))
		if st.Exercise != nil {
			details = append(details, fmt.Sprintf("%s, during exercise %d of %d: %s", at, st.ExerciseIndex+1, st.ExerciseCount, clean(st.Exercise.Name)),
				fmt.Sprintf("%s, during exercise %d of %d", at, st.ExerciseIndex+1, st.ExerciseCount))
		}
		details = append(details, at, fmt.Sprintf("%s — %s", how, clock(st.ElapsedMS)))
	}
	return []string{progressLine(st, width), fit(width, append(details, how)...)}
}

func painText(p *int) string {
	if p == nil {
		return "?"
	}
	return fmt.Sprint(*p)
}

func progressLine(st coach.State, width int) string {
	title := clean(st.Title)
	if title == "" {
		title = clean(st.Routine)
	}
	pct := fmt.Sprintf(" %3.0f%%", max(0, min(1, st.Progress))*100)
	if st.Finished {
		pct = " 100%"
	}
	// A bar of 10 to 40 cells after the title; a shorter title before a
	// shorter bar; then the bar alone; then the figure alone.
	if n := width - stringWidth(title) - 2 - 2 - stringWidth(pct); n >= 10 {
		return title + "  " + bar(st.Progress, min(n, 40)) + pct
	}
	if n := width - 2 - 12 - stringWidth(pct); n >= 8 && title != "" {
		return truncate(title, n) + "  " + bar(st.Progress, 10) + pct
	}
	if n := width - 2 - stringWidth(pct); n >= 5 {
		return bar(st.Progress, min(n, 40)) + pct
	}
	return truncate(strings.TrimSpace(pct), width)
}

func exerciseLine(st coach.State, width int) string {
	if st.Exercise == nil {
		switch {
		case st.Finished:
			return fit(width, "Session finished. Well done.", "Finished")
		case st.Stopped:
			return fit(width, "Session stopped.", "Stopped")
		case st.Phase == coach.PhaseCheckInBefore || st.Phase == coach.PhaseCheckInAfter:
			return fit(width, "Check-in", "")
		case st.Phase == coach.PhaseFinish:
			return fit(width, "Finishing up", "")
		}
		return fit(width, "Getting started", "")
	}
	name := clean(st.Exercise.Name)
	var long, short []string
	if st.Sets > 1 && st.Set > 0 {
		long = append(long, fmt.Sprintf("set %d of %d", st.Set, st.Sets))
		short = append(short, fmt.Sprintf("set %d/%d", st.Set, st.Sets))
	}
	if side := clean(st.Side); side != "" {
		long = append(long, side+" side")
		short = append(short, side)
	}
	if st.Rep > 0 {
		long = append(long, fmt.Sprintf("rep %d of %d", st.Rep, st.Reps))
		short = append(short, fmt.Sprintf("rep %d/%d", st.Rep, st.Reps))
	}
	join := func(head string, rest []string) string {
		for _, r := range rest {
			head += " · " + r
		}
		return head
	}
	label := fmt.Sprintf("Exercise %d of %d: ", st.ExerciseIndex+1, st.ExerciseCount)
	num := fmt.Sprintf("%d/%d", st.ExerciseIndex+1, st.ExerciseCount)
	opts := []string{join(label+name, long), join(label+name, short), join(num+" "+name, short)}
	// Narrower, the name gives way before the numbers ("rep 3/10" matters
	// most on a glance from the floor), then set and side give way too.
	var rep []string
	if st.Rep > 0 {
		rep = short[len(short)-1:]
	}
	for _, tail := range [][]string{short, rep} {
		t := join("", tail)
		if n := width - stringWidth(num) - 1 - stringWidth(t); n >= 4 {
			opts = append(opts, num+" "+truncate(name, n)+t)
		}
	}
	return fit(width, append(opts, join(num, short), join(num, rep))...)
}

func phaseLine(st coach.State, width int) string {
	var opts []string
	switch {
	case st.Phase == coach.PhaseCheckInBefore || st.Phase == coach.PhaseCheckInAfter:
		left := secs(st.PhaseLeftMS)
		opts = []string{
			fmt.Sprintf("Pain right now? Press 0-9, t for 10 · %ds", left),
			fmt.Sprintf("Pain? 0-9, t=10 · %ds", left),
			"Pain? 0-9, t=10",
		}
	case st.HoldMS > 0:
		left := secs(st.HoldLeftMS)
		done := 1 - float64(st.HoldLeftMS)/float64(st.HoldMS)
		opts = []string{
			fmt.Sprintf("Hold %s %2ds left", bar(done, 20), left),
			fmt.Sprintf("Hold %s %2ds left", bar(done, 10), left),
			fmt.Sprintf("Hold %ds left", left),
			fmt.Sprintf("Hold %ds", left),
		}
	case st.Finished || st.Stopped:
		opts = []string{""}
	default:
		name := coach.PhaseLabel(clean(st.Phase))
		if name != "" && st.PhaseLeftMS > 0 {
			opts = append(opts, fmt.Sprintf("%s · %ds", name, secs(st.PhaseLeftMS)))
		}
		opts = append(opts, name)
	}
	if st.Paused {
		paused := []string{strings.TrimSuffix("PAUSED (space to resume) · "+opts[0], " · ")}
		for _, o := range opts {
			paused = append(paused, strings.TrimSuffix("PAUSED · "+o, " · "))
		}
		opts = append(paused, "PAUSED")
	}
	return fit(width, opts...)
}

func captionLine(st coach.State, width int) string {
	if c := clean(st.Caption); c != "" {
		return fit(width, "“"+c+"”")
	}
	return ""
}

func timeLine(st coach.State, width int) string {
	elapsed, left := clock(st.ElapsedMS), clock(st.RemainingMS)
	var opts []string
	if next := clean(st.Next); next != "" {
		opts = append(opts,
			fmt.Sprintf("%s elapsed · %s left · next: %s", elapsed, left, next),
			fmt.Sprintf("%s · %s left · next: %s", elapsed, left, next))
	}
	return fit(width, append(opts,
		fmt.Sprintf("%s elapsed · %s left", elapsed, left),
		fmt.Sprintf("%s · %s left", elapsed, left),
		fmt.Sprintf("%s left", left))...)
}

// PlainLine is the log line for a state when there is no terminal to
// redraw: the session clock, what is happening, and what is being said.
//
//	00:42.3  open-books  left  rep 3/10  breathe-in  "Breathe in, open the arm."
func PlainLine(st coach.State) string {
	t := fmt.Sprintf("%s.%d", clock(st.ElapsedMS), max(st.ElapsedMS, 0)%1000/100)
	switch {
	case st.Finished:
		return t + "  session finished"
	case st.Stopped:
		return t + "  session stopped"
	}
	var parts []string
	if st.Exercise != nil {
		parts = append(parts, clean(st.Exercise.ID))
	} else {
		parts = append(parts, clean(st.Routine))
	}
	if st.Side != "" {
		parts = append(parts, clean(st.Side))
	}
	if st.Sets > 1 && st.Set > 0 {
		parts = append(parts, fmt.Sprintf("set %d/%d", st.Set, st.Sets))
	}
	if st.Rep > 0 {
		parts = append(parts, fmt.Sprintf("rep %d/%d", st.Rep, st.Reps))
	}
	if st.Phase != "" {
		parts = append(parts, clean(st.Phase))
	}
	if st.Paused {
		parts = append(parts, "paused")
	}
	if c := clean(st.Caption); c != "" {
		parts = append(parts, fmt.Sprintf("%q", c))
	}
	return t + "  " + strings.Join(parts, "  ")
}

// fit returns the first option no wider than width, or the last one cut
// to width.
func fit(width int, opts ...string) string {
	for _, o := range opts {
		if stringWidth(o) <= width {
			return o
		}
	}
	if len(opts) == 0 {
		return ""
	}
	return truncate(opts[len(opts)-1], width)
}

// bar draws frac (0..1) in width cells between two edges.
func bar(frac float64, width int) string {
	if frac != frac { // NaN
		frac = 0
	}
	frac = max(0, min(1, frac))
	full := int(frac*float64(width) + 0.5)
	return "▕" + strings.Repeat("█", full) + strings.Repeat("░", width-full) + "▏"
}

// secs is a countdown's whole seconds, rounded up: "1s" until it is over.
func secs(ms int64) int64 { return (max(ms, 0) + 999) / 1000 }

// clock formats milliseconds as mm:ss, or h:mm:ss from an hour.
func clock(ms int64) string {
	s := max(ms, 0) / 1000
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

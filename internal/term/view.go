// Package term shows a running session in the terminal: one live status
// area redrawn in place, single-key controls, and plain log lines when
// there is no terminal. It always gives the terminal back as it found it.
package term

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coach-dev/coach/coach"
	xterm "golang.org/x/term"
)

// Keys maps a key to a command; the help line lists them.
var Keys = map[byte]coach.Command{
	' ': coach.CmdToggle,
	'p': coach.CmdToggle,
	'n': coach.CmdNext,
	'b': coach.CmdBack,
	'r': coach.CmdRepeat,
	'h': coach.CmdPain,
	'q': coach.CmdStop,
	3:   coach.CmdStop, // Ctrl-C: in raw mode it is a byte, not a signal
	4:   coach.CmdStop, // Ctrl-D
	't': coach.Rate(10),
}

func init() {
	// Digits answer a pain check-in (t is ten).
	for d := byte('0'); d <= '9'; d++ {
		Keys[d] = coach.Rate(int(d - '0'))
	}
}

const help = "space pause · n next · b back (bb: previous) · r repeat · h it hurts · q quit"

// View draws session states. Its methods are safe from any goroutine.
type View struct {
	in    *os.File
	out   io.Writer
	tty   bool
	fd    int
	saved *xterm.State

	states chan coach.State
	logs   chan string // plain mode: every line, in order, never coalesced
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once

	lines int         // owned by the draw goroutine
	last  coach.State // owned by the draw goroutine
	plain string      // owned by the caller of State (the session goroutine)
}

// New makes a view. With a terminal on both in and out it redraws one
// status area and reads keys in raw mode; otherwise it prints a line per
// change and reads no keys.
func New(in *os.File, out io.Writer) *View {
	v := &View{in: in, out: out, states: make(chan coach.State, 1), logs: make(chan string, 1024), done: make(chan struct{})}
	if f, ok := out.(*os.File); ok && in != nil && xterm.IsTerminal(int(in.Fd())) && xterm.IsTerminal(int(f.Fd())) {
		v.tty = true
		v.fd = int(in.Fd())
		if st, err := xterm.MakeRaw(v.fd); err == nil {
			v.saved = st
		}
		fmt.Fprint(v.out, "\x1b[?25l") // hide the cursor while the status area lives
	}
	v.wg.Add(1)
	go v.draw()
	return v
}

// TTY reports whether the view redraws and reads keys.
func (v *View) TTY() bool { return v.tty }

// State hands a state to the view without blocking: on a terminal the
// latest one wins; in plain mode each new line is queued (and dropped only
// if a thousand are waiting on a stuck output).
func (v *View) State(st coach.State) {
	if !v.tty {
		line := PlainLine(st)
		if line == "" {
			return
		}
		// Only what happens is compared, not the clock at the front.
		what := line[strings.IndexByte(line, ' '):]
		if what == v.plain {
			return
		}
		v.plain = what
		select {
		case v.logs <- line:
		default:
		}
		return
	}
	for {
		select {
		case v.states <- st:
			return
		default:
		}
		select {
		case <-v.states:
		default:
		}
	}
}

// Keys reads single keys and sends their commands until the view closes.
// The reader goroutine may outlive Close, blocked in read; it does nothing
// once the view is closed.
func (v *View) Keys(send func(coach.Command) bool) {
	if !v.tty {
		return
	}
	go func() {
		buf := make([]byte, 16)
		for {
			n, err := v.in.Read(buf)
			if err != nil {
				return
			}
			for _, b := range buf[:n] {
				select {
				case <-v.done:
					return
				default:
				}
				if c, ok := Keys[b]; ok {
					send(c)
				}
			}
		}
	}()
}

func (v *View) draw() {
	defer v.wg.Done()
	tick := time.NewTicker(50 * time.Millisecond) // at most 20 redraws a second
	defer tick.Stop()
	var pending *coach.State
	for {
		select {
		case line := <-v.logs:
			fmt.Fprintln(v.out, line)
			continue
		case st := <-v.states:
			pending = &st
			continue
		case <-tick.C:
		case <-v.done:
			for len(v.logs) > 0 {
				fmt.Fprintln(v.out, <-v.logs)
			}
			select {
			case st := <-v.states:
				pending = &st
			default:
			}
			if pending != nil {
				v.show(*pending)
			}
			return
		}
		if pending != nil {
			v.show(*pending)
			pending = nil
		}
	}
}

func (v *View) show(st coach.State) {
	v.last = st
	width := 80
	if w, _, err := xterm.GetSize(v.fd); err == nil && w > 10 {
		width = w
	}
	lines := Render(st, width)
	var b strings.Builder
	if v.lines > 0 {
		fmt.Fprintf(&b, "\r\x1b[%dA", v.lines)
	}
	for _, l := range lines {
		b.WriteString("\r\x1b[2K")
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	b.WriteString("\x1b[J")
	io.WriteString(v.out, b.String())
	v.lines = len(lines)
}

// Close draws the last state and restores the terminal. Safe to call more
// than once and from a deferred call during a panic.
func (v *View) Close() {
	v.once.Do(func() {
		close(v.done)
		v.wg.Wait()
		v.restore()
	})
}

func (v *View) restore() {
	if !v.tty {
		return
	}
	fmt.Fprint(v.out, "\x1b[?25h")
	if v.saved != nil {
		xterm.Restore(v.fd, v.saved)
	}
}

// Render lays a state out in lines no wider than width.
func Render(st coach.State, width int) []string {
	var lines []string
	add := func(s string) { lines = append(lines, truncate(s, width)) }

	clock := fmt.Sprintf("%s / %s", mmss(st.ElapsedMS), mmss(st.DurationMS))
	barW := max(10, min(40, width-utf8.RuneCountInString(st.Title)-len(clock)-14))
	add(fmt.Sprintf("%s  %s %3.0f%%  %s", st.Title, bar(st.Progress, barW), st.Progress*100, clock))

	switch {
	case st.Exercise != nil:
		parts := []string{fmt.Sprintf("Exercise %d of %d: %s", st.ExerciseIndex+1, st.ExerciseCount, st.Exercise.Name)}
		if st.Side != "" {
			parts = append(parts, st.Side+" side")
		}
		if st.Sets > 1 && st.Set > 0 {
			parts = append(parts, fmt.Sprintf("set %d of %d", st.Set, st.Sets))
		}
		if st.Rep > 0 {
			parts = append(parts, fmt.Sprintf("rep %d of %d", st.Rep, st.Reps))
		}
		add(strings.Join(parts, " · "))
	case st.Finished:
		add("Session finished. Well done.")
	case st.Stopped:
		add("Session stopped.")
	default:
		add("Getting started")
	}

	phase := phaseName(st.Phase)
	if st.HoldMS > 0 {
		left := (st.HoldLeftMS + 999) / 1000
		done := 1 - float64(st.HoldLeftMS)/float64(st.HoldMS)
		phase = fmt.Sprintf("Hold %s %2ds left", bar(done, 20), left)
	} else if st.PhaseLeftMS > 0 && phase != "" {
		phase = fmt.Sprintf("%s · %ds", phase, (st.PhaseLeftMS+999)/1000)
	}
	if st.Phase == coach.PhaseCheckInBefore || st.Phase == coach.PhaseCheckInAfter {
		phase = fmt.Sprintf("Pain right now? Press 0-9, t for 10 · %ds", (st.PhaseLeftMS+999)/1000)
	}
	if st.Paused {
		phase = "PAUSED (space to resume) · " + phase
	}
	add(phase)

	if st.Caption != "" {
		add("“" + st.Caption + "”")
	} else {
		add("")
	}
	if st.Next != "" {
		add("Next: " + st.Next + "   " + mmss(st.RemainingMS) + " left")
	} else {
		add(mmss(st.RemainingMS) + " left")
	}
	add(help)
	return lines
}

// PlainLine is the log line for a state when there is no terminal.
func PlainLine(st coach.State) string {
	t := fmt.Sprintf("%s.%d", mmss(st.ElapsedMS), st.ElapsedMS%1000/100)
	var parts []string
	switch {
	case st.Finished:
		return t + "  session finished"
	case st.Stopped:
		return t + "  session stopped"
	case st.Exercise != nil:
		parts = append(parts, st.Exercise.ID)
	default:
		parts = append(parts, st.Routine)
	}
	if st.Side != "" {
		parts = append(parts, st.Side)
	}
	if st.Sets > 1 && st.Set > 0 {
		parts = append(parts, fmt.Sprintf("set %d/%d", st.Set, st.Sets))
	}
	if st.Rep > 0 {
		parts = append(parts, fmt.Sprintf("rep %d/%d", st.Rep, st.Reps))
	}
	parts = append(parts, st.Phase)
	if st.Paused {
		parts = append(parts, "paused")
	}
	if st.Caption == "" {
		return ""
	}
	return t + "  " + strings.Join(parts, "  ") + "  " + fmt.Sprintf("%q", st.Caption)
}

func phaseName(p string) string {
	switch p {
	case "intro":
		return "Welcome"
	case "setup":
		return "Get into position"
	case "ready":
		return "Get ready"
	case "set-rest", "rest":
		return "Rest"
	case "switch":
		return "Change sides"
	case "breathe-in":
		return "Breathe in"
	case "breathe-out":
		return "Breathe out"
	case "finish":
		return "Finished"
	case coach.PhaseCheckInBefore, coach.PhaseCheckInAfter:
		return "Check-in"
	case "":
		return ""
	}
	return strings.ToUpper(p[:1]) + p[1:]
}

func bar(frac float64, width int) string {
	frac = max(0, min(1, frac))
	full := int(frac*float64(width) + 0.5)
	return "▕" + strings.Repeat("█", full) + strings.Repeat("░", width-full) + "▏"
}

func mmss(ms int64) string {
	s := max(ms, 0) / 1000
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

// truncate cuts s to width runes, marking the cut with an ellipsis.
func truncate(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:max(width-1, 0)]) + "…"
}

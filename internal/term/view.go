// Package term shows a running session in the terminal: one live status
// area redrawn in place, single-key controls, and plain log lines when
// there is no terminal. It always gives the terminal back as it found it:
// on Close, on Restore (from NotifyContext's signal handler) and on a
// panic that passes a Guard.
//
// Terminal handling is a few ANSI sequences written by hand: cursor up
// (CSI n A), erase to the end of the line (CSI K) and of the screen (CSI J),
// hide and show the cursor (CSI ?25 l/h), and synchronized output (CSI ?2026
// h/l, ignored by terminals that lack it) so a redraw never flickers.
package term

import (
	"bytes"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coach-dev/coach/coach"
	xterm "golang.org/x/term"
)

// Options tune a view; the zero value is what coach run uses.
type Options struct {
	// Interval is the least time between two redraws of the status area
	// (states arriving faster are coalesced: the latest wins). 0 means
	// 50 ms, at most 20 redraws a second.
	Interval time.Duration
	// Width and Height fix the size of the status area instead of asking
	// the terminal at every redraw (0: ask; 80 columns when it cannot say).
	Width, Height int
	// Plain prints log lines even when out is a terminal. Keys still work
	// when in is a terminal. TERM=dumb implies it.
	Plain bool
	// Broken, if set, is told once when a write to out fails (the reader of
	// a pipe went away: coach run | head), so the session can end; later
	// writes are dropped.
	Broken func(error)
}

const (
	hideCursor = "\x1b[?25l"
	showCursor = "\x1b[?25h"
	syncStart  = "\x1b[?2026h"
	syncEnd    = "\x1b[?2026l"
	maxQueued  = 4096 // plain lines waiting on a stuck output before new ones are dropped
)

// View draws session states. Its methods are safe from any goroutine.
type View struct {
	cfg   Options
	in    *os.File
	out   io.Writer
	outFd int  // the terminal to ask for the size; -1 if none
	live  bool // redraw one status area (else plain lines)
	keys  bool // in is a terminal in raw mode: Keys reads it
	saved *xterm.State
	inFd  int

	mu         sync.Mutex // guards the fields up to closed
	pending    coach.State
	hasPending bool
	queue      []string // plain: log lines in order; live: messages to print above the area
	plain      plainLog
	record     *coach.Record
	closed     bool

	wake  chan struct{} // cap 1: something is waiting in pending or queue
	done  chan struct{} // closed by Close
	winch chan os.Signal
	wg    sync.WaitGroup // the draw goroutine and the key reader

	wmu    sync.Mutex  // one writer to out at a time
	broken atomic.Bool // a write to out failed: stop writing

	// Owned by the draw goroutine.
	last    coach.State
	hasLast bool
	shown   []int // the display widths of the lines now on screen
	onShow  []string
	shownW  int
	draws   atomic.Int64 // redraws written, for tests

	kr          *keyReader
	keysOnce    sync.Once
	closeOnce   sync.Once
	restoreOnce sync.Once
}

// New makes a view of a session on in and out (usually os.Stdin and
// os.Stdout); opts is optional, at most one.
//
// With a terminal on in and on out it takes in to raw mode for single
// keys, hides the cursor and redraws one status area in place. With a
// terminal on in only (output to a file or a pipe) it reads keys and
// prints plain lines. Without a terminal on in it prints plain lines and
// reads no keys; a background job counts as having no terminal. Whatever
// New changed, Close, Restore or a Guard undo.
func New(in *os.File, out io.Writer, opts ...Options) *View {
	var cfg Options
	if len(opts) > 0 {
		cfg = opts[0]
	}
	if os.Getenv("TERM") == "dumb" {
		cfg.Plain = true
	}
	inTTY := in != nil && xterm.IsTerminal(int(in.Fd())) && foreground(int(in.Fd()))
	outFd := -1
	if f, ok := out.(*os.File); ok && f != nil && xterm.IsTerminal(int(f.Fd())) {
		outFd = int(f.Fd())
	}
	v := newView(in, out, cfg, inTTY && outFd >= 0 && !cfg.Plain)
	v.outFd = outFd
	if inTTY {
		v.inFd = int(in.Fd())
		if st, err := enterRaw(v.inFd); err == nil {
			v.saved = st
			if kr, err := newKeyReader(in); err == nil {
				v.kr, v.keys = kr, true
			}
		}
	}
	v.start()
	return v
}

// newView makes a view that has not touched any terminal yet.
func newView(in *os.File, out io.Writer, cfg Options, live bool) *View {
	if cfg.Interval <= 0 {
		cfg.Interval = 50 * time.Millisecond
	}
	return &View{cfg: cfg, in: in, out: out, outFd: -1, inFd: -1, live: live,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (v *View) start() {
	if v.live || v.saved != nil {
		register(v)
	}
	if v.live {
		v.write(hideCursor) // while the status area lives
		if len(resizeSignals) > 0 {
			v.winch = make(chan os.Signal, 1)
			signal.Notify(v.winch, resizeSignals...)
		}
	}
	v.wg.Add(1)
	go v.loop()
}

// TTY reports whether the view redraws a status area in place.
func (v *View) TTY() bool { return v.live }

// ReadsKeys reports whether Keys will read single keys from the terminal.
func (v *View) ReadsKeys() bool { return v.keys }

// State hands a state to the view without blocking; call it from
// Session.OnState. On a terminal the latest state wins and the area is
// redrawn at most every Options.Interval. In plain mode each change of
// exercise, side, set, rep or phase, and each new caption, is one line,
// none coalesced away (a thousand lines waiting on a stuck output are
// the most kept); pause and resume make at most a line a second, and one
// for the state a burst of them leaves.
func (v *View) State(st coach.State) {
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		return
	}
	if v.live {
		v.pending, v.hasPending = st, true
	} else if line, ok := v.plain.next(st, time.Now()); ok {
		v.enqueue(line)
	}
	v.mu.Unlock()
	v.poke()
}

// Log prints a message without disturbing the status area: on a terminal
// it goes above the area, which is redrawn below it; otherwise it is one
// more plain line. Use it (or Writer) for anything printed while the view
// is open: a bare write to the terminal would land inside the area.
func (v *View) Log(msg string) {
	v.mu.Lock()
	if !v.closed {
		for _, l := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
			v.enqueue(clean(l))
		}
	}
	v.mu.Unlock()
	v.poke()
}

// Writer is an io.Writer whose lines go to Log, for loggers and warnings
// (a partial last line waits for its newline, or is dropped at Close).
func (v *View) Writer() io.Writer { return &logWriter{v: v} }

type logWriter struct {
	mu  sync.Mutex
	v   *View
	buf []byte
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.v.Log(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

// enqueue adds a line for the draw goroutine; v.mu is held.
func (v *View) enqueue(line string) {
	if len(v.queue) < maxQueued {
		v.queue = append(v.queue, line)
	}
}

func (v *View) poke() {
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// Keys starts reading single keys, if the view has a terminal, and sends
// their commands (see KeyMap) until the view closes: space pauses and
// resumes, n next, b back, r repeat, h this hurts, q or Ctrl-C stop,
// digits and t answer a check-in. send must not block (Session.Send does
// not). Calling Keys again does nothing.
func (v *View) Keys(send func(coach.Command) bool) {
	if !v.keys {
		return
	}
	v.keysOnce.Do(func() {
		v.mu.Lock()
		defer v.mu.Unlock()
		if v.closed {
			return // the reader's pipe is gone
		}
		if v.kr.waits() {
			v.wg.Add(1)
		}
		go v.readKeys(send)
	})
}

func (v *View) readKeys(send func(coach.Command) bool) {
	if v.kr.waits() {
		defer v.wg.Done()
	}
	defer v.guard()
	buf := make([]byte, 64)
	for {
		n, err := v.kr.read(buf)
		if err != nil {
			return
		}
		for _, c := range DecodeKeys(buf[:n]) {
			select {
			case <-v.done:
				return
			default:
			}
			send(c)
		}
	}
}

// End records how the session ended (the record Session.Run returned)
// for the final redraw, then closes the view.
func (v *View) End(rec coach.Record) {
	v.mu.Lock()
	if !v.closed {
		v.record = &rec
	}
	v.mu.Unlock()
	v.Close()
}

// Close draws the end state ("Session finished — 11:44, 5 of 5
// exercises"), stops reading keys, shows the cursor and restores the
// terminal. It is safe to call more than once and from a deferred call
// during a panic. Do not call it from the send function given to Keys.
func (v *View) Close() {
	v.closeOnce.Do(func() {
		v.mu.Lock()
		v.closed = true
		v.mu.Unlock()
		close(v.done)
		if v.kr != nil {
			v.kr.interrupt()
		}
		v.wg.Wait()
		if v.kr != nil && v.kr.waits() {
			v.kr.close()
		}
		if v.winch != nil {
			signal.Stop(v.winch)
		}
		v.restore()
		unregister(v)
	})
}

// restore gives the terminal back (once): modes first, they matter most.
func (v *View) restore() {
	v.restoreOnce.Do(func() {
		if v.saved != nil {
			xterm.Restore(v.inFd, v.saved)
		}
		if v.live {
			v.write(showCursor)
		}
	})
}

// guard restores the terminal if a goroutine of the view panics.
func (v *View) guard() {
	if r := recover(); r != nil {
		Restore()
		v.restore()
		panic(r)
	}
}

// write writes s to out whole. A writer stuck for a long time (a panic
// inside a write, a terminal that stopped reading) does not keep
// Restore from showing the cursor: after a while it writes anyway.
func (v *View) write(s string) {
	locked := v.wmu.TryLock()
	for i := 0; !locked && i < 100; i++ {
		time.Sleep(2 * time.Millisecond)
		locked = v.wmu.TryLock()
	}
	if locked {
		defer v.wmu.Unlock()
	}
	if v.broken.Load() {
		return
	}
	if _, err := io.WriteString(v.out, s); err != nil && v.broken.CompareAndSwap(false, true) && v.cfg.Broken != nil {
		v.cfg.Broken(err)
	}
}

// loop is the draw goroutine: it writes everything the view prints.
func (v *View) loop() {
	defer v.wg.Done()
	defer v.guard()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var timerC <-chan time.Time
	var lastDraw time.Time
	for {
		force := false
		select {
		case <-v.wake:
		case <-timerC:
			timerC = nil
		case <-v.winch:
			force = true
		case <-v.done:
			v.final()
			return
		}
		v.mu.Lock()
		queue := v.queue
		v.queue = nil
		if !v.live {
			// Coalesced pause/resume toggles: their line when their
			// window ends, and a timer for when it will.
			if line, ok := v.plain.flush(time.Now(), false); ok {
				queue = append(queue, line)
			}
			due, later := v.plain.due()
			v.mu.Unlock()
			v.printLines(queue)
			if later && timerC == nil {
				timer.Reset(time.Until(due))
				timerC = timer.C
			}
			continue
		}
		v.mu.Unlock()
		if len(queue) > 0 {
			v.printAbove(queue)
			force = true
		}
		if wait := v.cfg.Interval - time.Since(lastDraw); wait > 0 && !force {
			if timerC == nil {
				timer.Reset(wait)
				timerC = timer.C
			}
			continue
		}
		if v.takePending() || force {
			if v.hasLast {
				v.paint(Render(v.last, v.width()-1), force)
				lastDraw = time.Now()
			}
		}
	}
}

// takePending moves the latest state handed over into v.last.
func (v *View) takePending() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.hasPending {
		return false
	}
	v.last, v.hasLast, v.hasPending = v.pending, true, false
	return true
}

func (v *View) final() {
	v.mu.Lock()
	queue := v.queue
	v.queue = nil
	sum := v.record
	if !v.live {
		if line, ok := v.plain.flush(time.Now(), true); ok {
			queue = append(queue, line)
		}
	}
	v.mu.Unlock()
	if !v.live {
		if sum != nil {
			queue = append(queue, RenderEnd(v.last, sum, 1<<10)[1])
		}
		v.printLines(queue)
		return
	}
	if len(queue) > 0 {
		v.printAbove(queue)
	}
	v.takePending()
	if v.hasLast || sum != nil {
		v.paint(RenderEnd(v.last, sum, v.width()-1), true)
	}
}

// printLines writes plain lines. In raw mode the terminal still turns
// "\n" into "\r\n" (OPOST stays on), so one form serves every output.
func (v *View) printLines(lines []string) {
	if len(lines) == 0 {
		return
	}
	v.write(strings.Join(lines, "\n") + "\n")
}

// printAbove erases the status area, prints messages where it was and
// leaves the area to be drawn again below them.
func (v *View) printAbove(msgs []string) {
	var b strings.Builder
	b.WriteString(syncStart)
	b.WriteString(v.up(v.width()))
	b.WriteString("\x1b[J")
	for _, m := range msgs {
		b.WriteString(m)
		b.WriteString("\r\n")
	}
	b.WriteString(syncEnd)
	v.write(b.String())
	v.shown, v.onShow = nil, nil
}

// paint draws lines over the status area in place: cursor up to its first
// line, each line written over the old one and erased to its end, then
// whatever is left below erased. Nothing is cleared first, so nothing
// flickers. Unchanged lines at an unchanged width are not redrawn.
func (v *View) paint(lines []string, force bool) {
	w := v.width()
	if h := v.height(); h > 1 && len(lines) > h-1 {
		lines = lines[:h-1] // taller than the screen, moving up would scroll it away
	}
	if !force && w == v.shownW && slices.Equal(lines, v.onShow) {
		return
	}
	var b strings.Builder
	b.WriteString(syncStart)
	b.WriteString(v.up(w))
	widths := make([]int, len(lines))
	for i, l := range lines {
		b.WriteString(l)
		b.WriteString("\x1b[K\r\n")
		widths[i] = stringWidth(l)
	}
	b.WriteString("\x1b[J")
	b.WriteString(syncEnd)
	v.write(b.String())
	v.shown, v.onShow, v.shownW = widths, lines, w
	v.draws.Add(1)
}

// up moves the cursor to the first line of the status area on a screen
// w columns wide. A terminal that got narrower may have rewrapped the
// lines drawn at the old width, each into as many rows as it now needs.
func (v *View) up(w int) string {
	rows := 0
	for _, lw := range v.shown {
		rows += max(1, (lw+w-1)/max(w, 1))
	}
	if rows == 0 {
		return "\r"
	}
	return "\r\x1b[" + strconv.Itoa(rows) + "A"
}

// width is the terminal's width now; the area uses one column less, so a
// full line never makes the terminal wrap.
func (v *View) width() int {
	if v.cfg.Width > 0 {
		return v.cfg.Width
	}
	if v.outFd >= 0 {
		if w, _, err := xterm.GetSize(v.outFd); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

func (v *View) height() int {
	if v.cfg.Height > 0 {
		return v.cfg.Height
	}
	if v.outFd >= 0 {
		if _, h, err := xterm.GetSize(v.outFd); err == nil {
			return h
		}
	}
	return 0
}

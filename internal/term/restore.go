package term

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Every view that changed a terminal (raw mode, hidden cursor) until it
// gives it back, so Restore can reach them from a signal handler or a
// deferred Guard that has no view at hand.
var active = struct {
	sync.Mutex
	views map[*View]struct{}
}{views: map[*View]struct{}{}}

func register(v *View) {
	active.Lock()
	active.views[v] = struct{}{}
	active.Unlock()
}

func unregister(v *View) {
	active.Lock()
	delete(active.views, v)
	active.Unlock()
}

// Restore gives every open view's terminal back as it was: the saved
// terminal modes and a visible cursor. It is safe to call any number of
// times, from any goroutine, before or after Close: each view restores
// once. A view that is restored early still draws (its last redraw and
// Close work as usual); it just no longer holds the terminal in raw mode.
func Restore() {
	active.Lock()
	views := make([]*View, 0, len(active.views))
	for v := range active.views {
		views = append(views, v)
	}
	active.Unlock()
	for _, v := range views {
		v.restore()
	}
}

// Guard restores the terminal if the calling goroutine is panicking, then
// panics again with the same value. Defer it first thing in main and in
// every goroutine that runs while a view is open:
//
//	defer term.Guard()
func Guard() {
	if r := recover(); r != nil {
		Restore()
		panic(r)
	}
}

// Guard is the package Guard, for code that holds a view:
//
//	v := term.New(os.Stdin, os.Stdout)
//	defer v.Close()
//	defer v.Guard()
func (v *View) Guard() {
	if r := recover(); r != nil {
		Restore()
		panic(r)
	}
}

// Signals are the signals NotifyContext turns into a cancelled context.
var Signals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// SignalError is the cause (context.Cause) of a context that NotifyContext
// cancelled because a signal arrived.
type SignalError struct{ Signal os.Signal }

func (e SignalError) Error() string { return fmt.Sprintf("stopped by %v", e.Signal) }

// NotifyContext returns a copy of parent that is cancelled when SIGINT,
// SIGTERM or SIGHUP arrives, after every open view's terminal has been
// restored (so the terminal is sane even if the program then hangs on its
// way out). context.Cause tells which signal it was (a SignalError).
//
// Only the first signal is caught: after it the signals act as they would
// without coach (unless something else still catches them), so a second
// Ctrl-C ends a program that does not stop. stop releases the signals and
// cancels the context; defer it.
func NotifyContext(parent context.Context) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, Signals...)
	go func() {
		select {
		case sig := <-ch:
			Restore()
			signal.Stop(ch)
			cancel(SignalError{Signal: sig})
		case <-ctx.Done():
			signal.Stop(ch)
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(context.Canceled)
	}
}

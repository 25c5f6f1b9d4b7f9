package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/companion"
	"github.com/coach-dev/coach/internal/history"
	"github.com/coach-dev/coach/internal/term"
	"github.com/coach-dev/coach/voice"
	"github.com/coach-dev/coach/voice/otodev"
)

// deviceBuffer sizes the ALSA buffer: pause, skip and back are heard within
// about two of them (measured: onsets land within one 10 ms period).
const deviceBuffer = 20 * time.Millisecond

// stallLimit is how long a sound device may go without pulling before the
// session stops trusting it and carries on on the wall clock; startLimit is
// the same before its first pull.
const (
	stallLimit = time.Second
	startLimit = 3 * time.Second
)

// openDevice opens the sound card; a variable so a test can hand in a
// device that stops pulling.
var openDevice = func(rate int) (voice.Sink, error) { return otodev.Open(rate, deviceBuffer) }

// runner owns everything around one session of `coach run`: the sink (and
// the wall clock that takes over from a failed device), the terminal view,
// the companion server, the history recorder and the signals that end it.
type runner struct {
	a  *app
	p  *prepared
	f  *runFlags
	id string

	sess *coach.Session
	view *term.View
	srv  *companion.Server
	rec  *history.Recorder

	warnMu sync.Mutex
	warnFn func(string) // set once the view is up

	sinkMu sync.Mutex
	sink   voice.Sink
	gate   *voice.Gate
	device bool // the sink is the sound card
	failed error
}

// errDeviceFailed ends a session whose device failed under --audio required.
var errDeviceFailed = errors.New("the sound device failed")

func (a *app) runSession(ctx context.Context, p *prepared, f *runFlags) (err error) {
	r := &runner{a: a, p: p, f: f, id: history.NewID()}
	// A closed stdout (coach run | head) ends the session like q, instead of
	// SIGPIPE killing the process with the session left running.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stopSignals := term.NotifyContext(ctx)
	defer stopSignals()

	if err := r.openSink(); err != nil {
		return err
	}
	r.sess = coach.NewSession(p.tl, voice.PackPlayer{Mixer: p.mixer, Pack: p.pack}, r.buffered,
		coach.Config{ID: r.id, Practice: f.speed != 1, Speed: f.speed})

	if f.companion != "off" {
		if err := r.startCompanion(ctx); err != nil {
			r.closeSink()
			return err
		}
		defer r.srv.Close()
	}
	r.view = term.New(r.inFile(), a.std.Out, term.Options{Broken: func(err error) { cancel(fmt.Errorf("output closed: %w", err)) }})
	defer r.view.Close()
	defer r.view.Guard()
	r.setWarn(func(msg string) {
		if r.view.TTY() {
			r.view.Log("coach: " + msg)
			return
		}
		fmt.Fprintln(a.std.Err, "coach: "+escapeLine(msg))
	})
	r.sess.OnState(r.view.State)
	r.view.Keys(r.sess.Send)
	if f.history != "off" {
		r.rec = history.Begin(a.historyPath(f.history), r.warn)
		r.sess.OnRecord(r.rec.Update)
	}

	defer r.startHandsFree(ctx)()
	if err := r.startSink(); err != nil {
		return err
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); r.watch(watchCtx, cancel) }()
	final := r.sess.Run(ctx)
	stopWatch()
	<-watched
	r.closeSink()
	return r.finish(ctx, final)
}

// finish records the session, shows its end everywhere from the one
// record, and says why it ended if it was not the user's choice.
func (r *runner) finish(ctx context.Context, final coach.Record) error {
	var saveErr error
	var summary any
	if r.rec != nil {
		where, err := r.rec.Close(final)
		saveErr = err
		if err == nil && where == r.a.historyPath(r.f.history) {
			summary = r.historySummary(where)
		}
	}
	if r.srv != nil {
		if err := r.srv.Summary(final, summary); err != nil {
			r.warn(err.Error())
		}
	}
	r.view.End(final)
	if saveErr != nil {
		fmt.Fprintf(r.a.std.Err, "coach: %v\n", saveErr)
	}
	if errors.Is(context.Cause(ctx), errDeviceFailed) {
		return fmt.Errorf("%w: %v", errDeviceFailed, r.failed)
	}
	return nil
}

// historySummary is the history's view of the session just saved: the
// streak and this week against the prescription, for the page's finish
// screen.
func (r *runner) historySummary(path string) any {
	st, err := history.Open(path)
	if err != nil {
		return nil
	}
	defer st.Close()
	rep, err := st.Report(time.Now(), 1)
	if err != nil {
		return nil
	}
	return struct {
		StreakDays int          `json:"streak_days"`
		Week       history.Week `json:"week"`
	}{rep.StreakDays, rep.Week}
}

func (r *runner) inFile() *os.File {
	in, _ := r.a.std.In.(*os.File)
	return in
}

func (r *runner) setWarn(fn func(string)) {
	r.warnMu.Lock()
	r.warnFn = fn
	r.warnMu.Unlock()
}

// warn prints a one-line warning: above the status area on a terminal,
// on stderr otherwise.
func (r *runner) warn(msg string) {
	r.warnMu.Lock()
	fn := r.warnFn
	r.warnMu.Unlock()
	if fn == nil {
		fmt.Fprintln(r.a.std.Err, "coach: "+escapeLine(msg))
		return
	}
	fn(msg)
}

// openSink opens the sound card, or the wall clock with --no-audio or when
// no device opens (unless --audio required).
func (r *runner) openSink() error {
	rate := r.p.tl.Rate
	if r.f.noAudio {
		r.sink = voice.NewClockSink(rate, r.f.speed)
		return nil
	}
	dev, err := openDevice(rate)
	if err != nil {
		if r.f.audio == "required" {
			return err
		}
		r.warn(fmt.Sprintf("%v; the session goes on silently (--no-audio skips the attempt)", err))
		r.sink = voice.NewClockSink(rate, 1)
		return nil
	}
	r.sink, r.device = dev, true
	return nil
}

func (r *runner) startSink() error {
	r.sinkMu.Lock()
	defer r.sinkMu.Unlock()
	r.gate = voice.NewGate(r.p.mixer)
	if err := r.sink.Start(r.gate); err != nil {
		return fmt.Errorf("start playback: %w", err)
	}
	return nil
}

// buffered is what the current sink holds that is not heard yet.
func (r *runner) buffered() int64 {
	r.sinkMu.Lock()
	s := r.sink
	r.sinkMu.Unlock()
	return s.Buffered()
}

func (r *runner) closeSink() {
	r.sinkMu.Lock()
	s := r.sink
	r.sinkMu.Unlock()
	if err := s.Close(); err != nil {
		r.warn(fmt.Sprintf("closing audio: %v", err))
	}
}

// watch notices a sound device that fails or stops pulling for more than
// stallLimit (startLimit before its first pull: a sound server may take a
// moment to take its first client). The session then goes on on the wall
// clock from where it was heard (or, under --audio required, ends with an
// error). It checks twice a second: cheap, and a stall is told within
// stallLimit plus half a second. A check that itself comes late means this
// process was not running (stopped, or starved of CPU), which says nothing
// about the device: that round is not judged.
func (r *runner) watch(ctx context.Context, cancel context.CancelCauseFunc) {
	if !r.device {
		return
	}
	const period = stallLimit / 2
	t := time.NewTicker(period)
	defer t.Stop()
	started := time.Now()
	prev := started
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			late := now.Sub(prev) > period+period/2
			prev = now
			if late {
				continue // judged at the next check, once the device has had its turn
			}
			r.sinkMu.Lock()
			err := r.sink.Err()
			last := r.gate.LastPull()
			r.sinkMu.Unlock()
			limit := stallLimit
			if last.IsZero() {
				last, limit = started, startLimit
			}
			if err == nil && now.Sub(last) > limit {
				err = fmt.Errorf("it has not asked for sound for %s", now.Sub(last).Round(100*time.Millisecond))
			}
			if err == nil {
				continue
			}
			r.failed = err
			if r.f.audio == "required" {
				cancel(errDeviceFailed) // said as the command's error
				return
			}
			r.failover(err)
			return
		}
	}
}

// failover replaces the device with the wall clock: the old device's gate
// is cut so it can never pull again, and the clock pulls the same mixer
// from where it is.
func (r *runner) failover(err error) {
	r.sinkMu.Lock()
	old := r.sink
	r.gate.Cut()
	clock := voice.NewClockSink(r.p.tl.Rate, 1)
	r.gate = voice.NewGate(r.p.mixer)
	clock.Start(r.gate)
	r.sink, r.device = clock, false
	r.sinkMu.Unlock()
	r.warn(fmt.Sprintf("the sound device failed (%v); the session goes on silently", err))
	r.sess.Wake()
	go old.Close() // a stuck device may never return; it must not hold the session
}

func (r *runner) startCompanion(ctx context.Context) error {
	opts := companion.Options{Addr: r.f.companion, Hello: companion.Hello{
		Session: r.id, Version: version(), Routine: r.p.tl.Routine, Title: r.p.tl.Title, Listening: r.f.listen,
	}, Pictures: r.p.tl.Pictures()}
	if r.f.history != "off" {
		path := r.a.historyPath(r.f.history)
		opts.History = func() (any, error) {
			st, err := history.Open(path)
			if err != nil {
				return nil, err
			}
			defer st.Close()
			return st.LastDays(14, time.Now())
		}
	}
	srv, err := companion.New(opts)
	if err != nil {
		return err
	}
	srv.Attach(r.sess)
	// The runner closes the server itself, after the session's record has
	// been sent: a signal that ends the session must not end the server
	// before the pages have their summary.
	if err := srv.Start(context.WithoutCancel(ctx)); err != nil {
		srv.Close()
		return err
	}
	r.srv = srv
	fmt.Fprintf(r.a.std.Out, "Companion page: %s\n", srv.URL())
	if srv.Token() != "" {
		if qr, err := srv.QR(); err == nil {
			fmt.Fprint(r.a.std.Out, qr)
		}
	}
	if r.f.open {
		// Never the token: a command line is public in ps.
		if u, err := srv.OpenURL(); err == nil {
			openBrowser(u)
		}
	}
	return nil
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/companion"
	"github.com/coach-dev/coach/internal/history"
	"github.com/coach-dev/coach/voice"
	"github.com/coach-dev/coach/voice/otodev"
	"github.com/spf13/cobra"
)

func init() {
	extraCommands = append(extraCommands, (*app).runCmd, (*app).renderCmd)
}

// sink is where the mixer's frames go: the sound card or the wall clock.
type sink interface {
	Start(voice.Streamer) error
	Buffered() int64
	Close() error
}

// deviceBuffer sizes the ALSA buffer: pause, skip and back are heard within
// about two of them (measured: onsets land within one 10 ms period).
const deviceBuffer = 20 * time.Millisecond

func openDevice(rate int) (sink, error) { return otodev.Open(rate, deviceBuffer) }

type runFlags struct {
	plan      planFlags
	noAudio   bool
	speed     float64
	audio     string
	companion string
	open      bool
	history   string
	noCheckin bool
}

func (a *app) runCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run ROUTINE|FILE",
		Short: "Coach a session out loud",
		Long: `Coach a session out loud, hands-free. Keys on a terminal: space pause/resume,
n next exercise, b back (twice quickly: the previous one), r repeat the rep,
h this hurts (stop the exercise), q quit.`,
		Example: `  coach run upper-back
  coach run upper-back --only open-books --variant hold
  coach run upper-back --no-audio --speed 20`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, args[0], &f)
		},
	}
	f.plan.add(cmd)
	cmd.Flags().BoolVar(&f.noAudio, "no-audio", false, "follow the session on the wall clock in silence")
	cmd.Flags().Float64Var(&f.speed, "speed", 1, "with --no-audio: run `N` times faster (demos, tests)")
	cmd.Flags().StringVar(&f.audio, "audio", "auto", "auto: continue silently when no device opens; required: fail instead")
	cmd.Flags().StringVar(&f.companion, "companion", companion.DefaultAddr, "serve the companion page on `ADDR` (host:port; 0.0.0.0:8765 for other devices, with a token), or off")
	cmd.Flags().BoolVar(&f.open, "open", false, "open the companion page in the default browser")
	cmd.Flags().BoolVar(&f.noCheckin, "no-checkin", false, "do not ask for a pain rating (0-10) before and after")
	cmd.Flags().StringVar(&f.history, "history", "", "record the session in `FILE` (default $XDG_DATA_HOME/coach/history.db); off to not record")
	return cmd
}

// prepared is a compiled session ready to play.
type prepared struct {
	tl        *coach.Timeline
	mixer     *voice.Mixer
	pack      *voice.Pack
	frequency string
}

func (a *app) prepare(cmd *cobra.Command, arg string, f *planFlags) (*prepared, error) {
	c, err := a.compile(cmd, arg, f)
	if err != nil {
		return nil, err
	}
	pl, err := voice.Placements(c.tl, c.pack)
	if err != nil {
		return nil, err
	}
	return &prepared{tl: c.tl, mixer: voice.NewMixer(pl, c.tl.Length, 1), pack: c.pack, frequency: c.routine.Frequency}, nil
}

func (a *app) run(cmd *cobra.Command, arg string, f *runFlags) (err error) {
	var sum coach.Summary
	if f.audio != "auto" && f.audio != "required" {
		return usageError{fmt.Errorf("--audio must be auto or required, not %q", f.audio)}
	}
	if f.speed <= 0 || f.speed > 1000 {
		return usageError{fmt.Errorf("--speed must be between 0 and 1000")}
	}
	if f.speed != 1 && !f.noAudio {
		return usageError{errors.New("--speed needs --no-audio: the sound card plays in real time")}
	}
	if f.noAudio && f.audio == "required" {
		return usageError{errors.New("--no-audio and --audio required contradict each other")}
	}
	f.plan.checkin = !f.noCheckin
	p, err := a.prepare(cmd, arg, &f.plan)
	if err != nil {
		return err
	}
	var out sink
	if f.noAudio {
		out = voice.NewClockSink(p.tl.Rate, f.speed)
	} else if out, err = openDevice(p.tl.Rate); err != nil {
		if f.audio == "required" {
			return err
		}
		fmt.Fprintf(a.std.Err, "coach: %v; continuing silently\n", err)
		out = voice.NewClockSink(p.tl.Rate, 1)
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := coach.NewSession(p.tl, voice.PackPlayer{Mixer: p.mixer, Pack: p.pack}, out.Buffered)
	if f.companion != "off" {
		opts := companion.Options{Addr: f.companion}
		if f.history != "off" {
			path := a.historyPath(f.history)
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
		srv.Attach(s)
		srv.Start(ctx)
		defer srv.Close()
		fmt.Fprintf(a.std.Out, "Companion page: %s\n", srv.URL())
		if srv.Token() != "" {
			if qr, err := srv.QR(); err == nil {
				fmt.Fprint(a.std.Out, qr)
			}
		}
		if f.open {
			// Never the token: a command line is public in ps.
			if u, err := srv.OpenURL(); err == nil {
				openBrowser(u)
			}
		}
	}
	if f.history != "off" {
		rec := history.Begin(a.historyPath(f.history), a.std.Err, p.tl, p.frequency, time.Now())
		s.OnEvent(rec.Event)
		defer func() { rec.Close(sum) }()
	}
	v := a.newView(p.tl, s)
	defer v.Close()
	if err := out.Start(p.mixer); err != nil {
		return fmt.Errorf("start playback: %w", err)
	}
	sum = s.Run(ctx)
	if err := out.Close(); err != nil {
		fmt.Fprintf(a.std.Err, "coach: closing audio: %v\n", err)
	}
	v.Close()
	a.printSummary(p.tl, sum)
	return nil
}

func (a *app) printSummary(tl *coach.Timeline, sum coach.Summary) {
	done := 0
	for _, e := range sum.Exercises {
		if e.Completed {
			done++
		}
	}
	status := "finished"
	if !sum.Finished {
		status = "stopped"
	}
	fmt.Fprintf(a.std.Out, "Session %s: %d of %d exercises done in %s", status, done, len(sum.Exercises), sum.End.Sub(sum.Start).Round(time.Second))
	if sum.Paused > 0 {
		fmt.Fprintf(a.std.Out, " (paused %s)", sum.Paused.Round(time.Second))
	}
	fmt.Fprintln(a.std.Out)
}

func (a *app) renderCmd() *cobra.Command {
	var f planFlags
	var out string
	cmd := &cobra.Command{
		Use:   "render ROUTINE|FILE -o FILE.wav",
		Short: "Write the whole coached session as a WAV file",
		Long: `Write the whole coached session as a WAV (16-bit PCM at the pack's rate): the
same samples a live session plays, for a phone or a speaker.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errors.New("render needs -o FILE.wav")}
			}
			p, err := a.prepare(cmd, args[0], &f)
			if err != nil {
				return err
			}
			return a.render(cmd.Context(), p, out)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to `FILE`")
	return cmd
}

// render writes through a temporary file renamed into place, so a failed or
// interrupted render never leaves half a WAV under the user's name.
func (a *app) render(ctx context.Context, p *prepared, out string) error {
	// Ctrl-C or SIGTERM would end the process before the deferred Remove:
	// they end the render instead, which removes the temporary file.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	tmp, err := os.CreateTemp(filepath.Dir(out), ".coach-render-*.wav")
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := voice.NewWAVWriter(ctxFile{tmp, ctx}, p.tl.Rate)
	start := time.Now()
	last := start
	progress := func(done, total int64) {
		if now := time.Now(); now.Sub(last) >= 500*time.Millisecond || done == total {
			last = now
			fmt.Fprintf(a.std.Err, "\rrendering %s: %3d%%", quoteName(filepath.Base(out)), done*100/total)
			if done == total {
				fmt.Fprintln(a.std.Err)
			}
		}
	}
	if err := voice.RenderWAV(p.mixer, w, 4096, progress); err != nil {
		tmp.Close()
		if ctx.Err() != nil {
			fmt.Fprintln(a.std.Err)
			return fmt.Errorf("render interrupted; %s was not written", quoteName(out))
		}
		return fmt.Errorf("render %s: %w", quoteName(out), err)
	}
	if err := w.Close(); err != nil {
		tmp.Close()
		return fmt.Errorf("render %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("render %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	fmt.Fprintf(a.std.Out, "wrote %s: %s of audio in %s\n", quoteName(out), p.tl.Short(p.tl.Length), time.Since(start).Round(time.Millisecond))
	return nil
}

// ctxFile is a file whose writes fail once ctx ends, so a render stops at
// its next chunk.
type ctxFile struct {
	*os.File
	ctx context.Context
}

func (f ctxFile) Write(b []byte) (int, error) {
	if err := f.ctx.Err(); err != nil {
		return 0, err
	}
	return f.File.Write(b)
}

// openBrowser starts the desktop's browser without waiting for it.
func openBrowser(url string) {
	cmd := exec.Command("xdg-open", url)
	if cmd.Start() == nil {
		go cmd.Wait()
	}
}

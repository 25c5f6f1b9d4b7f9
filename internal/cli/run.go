package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/companion"
	"github.com/coach-dev/coach/internal/listen"
	"github.com/coach-dev/coach/voice"
	"github.com/spf13/cobra"
)

func init() {
	extraCommands = append(extraCommands, (*app).runCmd, (*app).renderCmd)
}

type runFlags struct {
	plan        planFlags
	noAudio     bool
	speed       float64
	audio       string
	companion   string
	open        bool
	history     string
	noCheckin   bool
	listen      bool
	noMediaKeys bool
}

func (a *app) runCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run ROUTINE|FILE",
		Short: "Coach a session out loud",
		Long:  runHelp(),
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
	cmd.Flags().BoolVar(&f.listen, "listen", false, `take spoken commands from the microphone ("coach pause"; the words are listed above)`)
	cmd.Flags().BoolVar(&f.noMediaKeys, "no-media-keys", false, "do not take headset and keyboard media keys (MPRIS)")
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
	c, err := a.compileToPlay(cmd, arg, f)
	if err != nil {
		return nil, err
	}
	pl, err := voice.Placements(c.tl, c.pack)
	if err != nil {
		return nil, err
	}
	return &prepared{tl: c.tl, mixer: voice.NewMixer(pl, c.tl.Length, 1), pack: c.pack, frequency: c.routine.Frequency}, nil
}

func (a *app) run(cmd *cobra.Command, arg string, f *runFlags) error {
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
	return a.runSession(cmd.Context(), p, f)
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

// runHelp is run's long help, its keys from the control table.
func runHelp() string {
	var b strings.Builder
	b.WriteString("Coach a session out loud, hands-free. Keys on a terminal:\n")
	for _, c := range coach.Controls {
		if len(c.Keys) == 0 || !c.Button {
			continue
		}
		fmt.Fprintf(&b, "  %-8s %s\n", strings.Join(c.Keys, ", "), c.Help)
	}
	b.WriteString("  0-9, t   Answer a pain check-in (t is ten).\n")
	var keys, feel []string
	for _, c := range coach.Controls {
		if c.Feel && len(c.Keys) > 0 {
			keys = append(keys, c.Keys[0])
			feel = append(feel, c.Keys[0]+" "+strings.ToLower(c.Label))
		}
	}
	fmt.Fprintf(&b, "  %-8s In a rest: how did the exercise just done feel? (%s)\n", strings.Join(keys, ", "), strings.Join(feel, ", "))
	b.WriteString("With --listen, say \"coach\" and then (in the gaps between the coach's lines):\n")
	for _, p := range listen.Phrases() {
		if c, ok := coach.ControlFor(p.Command); ok {
			fmt.Fprintf(&b, "  %-9s %s\n", p.Words, c.Help)
		}
	}
	b.WriteString("Headset and media keys (play/pause, next, previous, stop) work unless --no-media-keys.\n")
	b.WriteString("Runs with --speed are practice: recorded as such and never counted in the week or the streak.")
	return b.String()
}

// openBrowser starts the desktop's browser without waiting for it.
func openBrowser(url string) {
	cmd := exec.Command("xdg-open", url)
	if cmd.Start() == nil {
		go cmd.Wait()
	}
}

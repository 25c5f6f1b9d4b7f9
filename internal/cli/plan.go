package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/voice"
	"github.com/spf13/cobra"
)

// planFlags are the options every command that compiles a routine shares.
type planFlags struct {
	only    []string
	reps    int
	hold    string
	variant string
	pace    float64
	checkin bool
	force   bool
}

func (f *planFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&f.only, "only", nil, "keep only these exercise `ID`s (comma-separated)")
	cmd.Flags().IntVar(&f.reps, "reps", 0, "use `N` reps for every exercise")
	cmd.Flags().StringVar(&f.hold, "hold", "", "hold length where the script gives a range: min, max or a `DURATION` such as 20s")
	cmd.Flags().StringVar(&f.variant, "variant", "", "use the variant `NAME` where an exercise has it")
	cmd.Flags().Float64Var(&f.pace, "pace", 0, fmt.Sprintf("stretch movement and breathing by `FACTOR`, %g to %g (1.5 = slower)", coach.MinPace, coach.MaxPace))
	cmd.Flags().BoolVar(&f.force, "force", false, "allow a --hold DURATION outside the hold range the script prescribes")
}

func (f *planFlags) options() (coach.Options, error) {
	hold, err := coach.ParseHold(f.hold)
	if err != nil {
		return coach.Options{}, usageError{err}
	}
	if f.reps < 0 {
		return coach.Options{}, usageError{fmt.Errorf("--reps must be at least 1")}
	}
	if f.pace < 0 {
		return coach.Options{}, usageError{fmt.Errorf("--pace must be positive")}
	}
	return coach.Options{Only: f.only, Reps: f.reps, Hold: hold, Variant: f.variant, Pace: f.pace, CheckIn: f.checkin, ForceHold: f.force}, nil
}

// compiled is a routine compiled with the command's flags, with the pack
// that voices it.
type compiled struct {
	tl      *coach.Timeline
	routine *coach.Routine
	pack    *voice.Pack
}

// compile resolves a routine argument and compiles it with the flags, for
// showing: lines no pack can say yet are placed at an estimated length and
// marked, so a routine is seen before it is recorded.
func (a *app) compile(cmd *cobra.Command, arg string, f *planFlags) (*compiled, error) {
	opt, err := f.options()
	if err != nil {
		return nil, err
	}
	r, err := a.routine(cmd, arg)
	if err != nil {
		return nil, err
	}
	pack, err := a.pack()
	if err != nil {
		return nil, err
	}
	opt.Estimate = true
	tl, err := coach.Compile(r, pack, opt)
	if err != nil {
		return nil, err
	}
	return &compiled{tl: tl, routine: r, pack: pack}, nil
}

// compileToPlay is compile for run and render: it first records what no
// pack can say yet, then compiles again with the real lengths, so the
// timing is checked against what will be heard.
func (a *app) compileToPlay(cmd *cobra.Command, arg string, f *planFlags) (*compiled, error) {
	c, err := a.compile(cmd, arg, f)
	if err != nil {
		return nil, err
	}
	opt, _ := f.options()
	for _, whole := range []bool{false, true} {
		if len(c.tl.Unrecorded) == 0 {
			break
		}
		if err := a.recordMissing(cmd.Context(), arg, c.routine, c.tl.Unrecorded, whole); err != nil {
			return nil, err
		}
		if c.pack, err = a.pack(); err != nil {
			return nil, err
		}
		opt.Estimate = true
		if c.tl, err = coach.Compile(c.routine, c.pack, opt); err != nil {
			return nil, err
		}
	}
	opt.Estimate = false
	if c.tl, err = coach.Compile(c.routine, c.pack, opt); err != nil {
		return nil, err
	}
	return c, nil
}

func (a *app) planCmd() *cobra.Command {
	var f planFlags
	var asJSON, preview bool
	cmd := &cobra.Command{
		Use:   "plan ROUTINE|FILE",
		Short: "Print the whole session as a timetable of spoken lines",
		Example: `  coach plan upper-back
  coach plan upper-back --only open-books --variant hold
  coach plan my-routine.yaml --json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.compile(cmd, args[0], &f)
			if err != nil {
				return err
			}
			tl := c.tl
			if asJSON {
				return tl.WriteJSON(a.std.Out)
			}
			if err := tl.WriteText(newTextWriter(a.std.Out)); err != nil {
				return err
			}
			if preview {
				// Hear it at once: the same session as run, without the page
				// and never recorded (a preview is not a session).
				return a.run(cmd, args[0], &runFlags{plan: f, speed: 1, audio: "auto", companion: "off", history: "off", noCheckin: !f.checkin})
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&f.checkin, "checkin", false, "include the pain check-ins coach run asks by default")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	cmd.Flags().BoolVar(&preview, "preview", false, "then play it (with --only EXERCISE, hear one exercise at once)")
	return cmd
}

// listEntry is one row of `coach list --json`.
type listEntry struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Exercises  int    `json:"exercises"`
	DurationMS int64  `json:"duration_ms"`
	Source     string `json:"source"`
}

func (a *app) listCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [FILE...]",
		Short: "List the routines coach knows (built-in, your folder, and FILEs)",
		RunE: func(cmd *cobra.Command, args []string) error {
			lib, err := a.library(cmd)
			if err != nil {
				return err
			}
			routines := lib.routines
			problems := lib.problems
			for _, f := range args {
				r, err := coach.LoadFile(f)
				if err != nil {
					problems = append(problems, quoteNamesIn(err, f))
					continue
				}
				routines = append(routines, r)
			}
			pack, err := a.pack()
			if err != nil {
				return err
			}
			entries := []listEntry{}
			for _, r := range routines {
				e := listEntry{ID: r.ID, Title: r.Title, Exercises: len(r.Exercises), Source: sourceLabel(r)}
				tl, err := coach.Compile(r, pack, coach.Options{Estimate: true})
				if err != nil {
					problems = append(problems, fmt.Errorf("%s: %s", quoteName(r.File), firstLine(quoteNamesIn(err, r.File))))
					e.DurationMS = -1
				} else {
					e.DurationMS = tl.MS(tl.Length)
				}
				entries = append(entries, e)
			}
			if asJSON {
				enc := json.NewEncoder(a.std.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(entries); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(newTextWriter(a.std.Out), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTITLE\tEXERCISES\tLENGTH\tSOURCE")
				for _, e := range entries {
					length := "?"
					if e.DurationMS >= 0 {
						s := (e.DurationMS + 500) / 1000
						length = fmt.Sprintf("%d:%02d", s/60, s%60)
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", escapeLine(e.ID), escapeLine(e.Title), e.Exercises, length, quoteName(e.Source))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			for _, p := range problems {
				for _, line := range strings.Split(p.Error(), "\n") {
					fmt.Fprintf(a.std.Err, "coach: %s\n", escapeLine(line))
				}
			}
			if len(problems) > 0 {
				return errQuiet
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the list as JSON")
	return cmd
}

func firstLine(err error) string {
	return strings.SplitN(err.Error(), "\n", 2)[0]
}

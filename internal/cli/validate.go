package cli

import (
	"fmt"
	"strings"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/bake"
	"github.com/coach-dev/coach/scripts"
	"github.com/spf13/cobra"
)

func (a *app) validateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check voice scripts in every session they can produce: file:line:col: problem for each, exit 1 if any",
		Long: `Check voice scripts: each variant, the min and max of every hold range, --pace
` + fmt.Sprintf("%g and %g", coach.MinPace, coach.MaxPace) + `, and --reps 1 and 50. Problems are errors (exit 1); lines that are
dropped to fit are warnings; lines no voice pack can say yet are listed with
the words they need (coach run and coach render record them first).`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pack, err := a.pack()
			if err != nil {
				return err
			}
			bad := 0
			for _, arg := range args {
				if !a.validateOne(cmd, arg, pack) {
					bad++
				}
			}
			if bad > 0 {
				return errQuiet
			}
			return nil
		},
	}
}

// validateOne prints what is wrong with arg (a file or a routine id), what
// will be said differently, and what is to be recorded, grouped by the line
// of the script. It reports whether the script can be run.
func (a *app) validateOne(cmd *cobra.Command, arg string, pack coach.Voice) bool {
	out := a.std.Out
	r, err := a.routine(cmd, arg)
	if err != nil {
		for _, l := range lines(err, arg) {
			fmt.Fprintln(out, escapeLine(l))
		}
		return false
	}
	rep := coach.Check(r, pack)
	errs := rep.Errors
	if e := shadowsBuiltin(r); e != nil {
		errs = append(coach.ErrorList{e}, errs...)
	}
	// Each line names a file or quotes the user's words: escaped, so no
	// control character reaches the terminal.
	for _, e := range errs {
		fmt.Fprintln(out, escapeLine(e.Error()))
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(out, escapeLine(w.Error()))
	}
	for _, l := range groupUnrecorded(r.File, rep.Unrecorded) {
		fmt.Fprintln(out, escapeLine(l))
	}
	if len(errs) > 0 {
		return false
	}
	if len(rep.Unrecorded) == 0 {
		fmt.Fprintf(out, "%s: ok\n", quoteName(arg))
		return true
	}
	engine := "coach run and coach render record them before they start"
	if _, err := bake.Detect(""); err != nil {
		engine = "no offline voice is installed to record them: apt-get install festival festvox-us-slt-hts"
	}
	fmt.Fprintf(out, "%s: ok; %d phrase(s) to be recorded (%s), or record them all now with: coach voice bake %s\n",
		quoteName(arg), len(rep.Unrecorded), engine, quoteName(arg))
	return true
}

// shadowsBuiltin refuses a script that takes a built-in routine's id: by id,
// one of the two would silently win.
func shadowsBuiltin(r *coach.Routine) *coach.Error {
	if strings.HasPrefix(r.File, coach.BuiltinPrefix) {
		return nil
	}
	builtin, err := coach.LoadBuiltin(scripts.FS)
	if err != nil {
		return nil
	}
	for _, b := range builtin {
		if b.ID == r.ID {
			line, col := r.Pos("id")
			return &coach.Error{File: r.File, Line: line, Col: col,
				Msg: fmt.Sprintf("id %q is the built-in routine's id (%s); rename this one, e.g. my-%s", r.ID, displaySource(b), r.ID)}
		}
	}
	return nil
}

// groupUnrecorded prints one line per script line that says something no
// pack has: the phrases, the words no prompt has, the close phrases the
// pack does have, and the session that says it when not the default.
func groupUnrecorded(file string, us []coach.Unrecorded) []string {
	type at struct{ line, col int }
	var order []at
	group := map[at][]string{}
	for _, u := range us {
		k := at{u.Line, u.Col}
		if _, ok := group[k]; !ok {
			order = append(order, k)
		}
		s := fmt.Sprintf("%q", u.Clause)
		var notes []string
		if u.Example != "" {
			notes = append(notes, fmt.Sprintf("as in %q", u.Example))
		}
		if len(u.Words) > 0 {
			notes = append(notes, "new words: "+strings.Join(u.Words, ", "))
		}
		if len(u.Close) > 0 {
			q := make([]string, len(u.Close))
			for i, c := range u.Close {
				q[i] = fmt.Sprintf("%q", c)
			}
			notes = append(notes, "the pack has "+strings.Join(q, ", "))
		}
		if u.Flags != "" {
			notes = append(notes, "with "+u.Flags)
		}
		if len(notes) > 0 {
			s += " (" + strings.Join(notes, "; ") + ")"
		}
		group[k] = append(group[k], s)
	}
	out := make([]string, len(order))
	for i, k := range order {
		out[i] = fmt.Sprintf("%s:%d:%d: to be recorded: %s", file, k.line, k.col, strings.Join(group[k], ", "))
	}
	return out
}

// lines splits an error into problem lines, each starting with a file name.
func lines(err error, file string) []string {
	if err == nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(l, file) && !strings.Contains(strings.SplitN(l, " ", 2)[0], ":") {
			l = file + ": " + l
		}
		out = append(out, l)
	}
	return out
}

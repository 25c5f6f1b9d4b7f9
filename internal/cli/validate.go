package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/coach-dev/coach/coach"
	"github.com/spf13/cobra"
)

func (a *app) validateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check voice scripts: prints file:line:col: problem for each, exit 1 if any",
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pack, err := a.pack()
			if err != nil {
				return err
			}
			bad := 0
			for _, arg := range args {
				problems := a.validateOne(cmd, arg, pack)
				if len(problems) == 0 {
					fmt.Fprintf(a.std.Out, "%s: ok\n", quoteName(arg))
					continue
				}
				bad++
				for _, p := range problems {
					fmt.Fprintln(a.std.Out, escapeLine(p))
				}
			}
			if bad > 0 {
				return errQuiet
			}
			return nil
		},
	}
}

// validateOne returns one line per problem in arg (a file or a routine id).
func (a *app) validateOne(cmd *cobra.Command, arg string, pack coach.Voice) []string {
	r, err := a.routine(cmd, arg)
	if err != nil {
		return lines(err, quoteName(arg))
	}
	var out []string
	source, _ := os.ReadFile(r.File)
	file := quoteName(r.File) // as printed
	variants := []string{""}
	for _, e := range r.Exercises {
		for name := range e.Variants {
			if !containsStr(variants, name) {
				variants = append(variants, name)
			}
		}
	}
	seen := map[string]bool{}
	for _, v := range variants {
		tl, err := coach.Compile(r, pack, coach.Options{Variant: v})
		var miss *coach.MissingPhrasesError
		switch {
		case errors.As(err, &miss):
			for _, p := range miss.Phrases {
				line, col := locate(source, p)
				out = appendOnce(out, seen, fmt.Sprintf("%s:%d:%d: the voice pack has no prompt for %q (record it with: coach voice bake %s)", file, line, col, p, file))
			}
		case err != nil:
			for _, l := range lines(quoteNamesIn(err, r.File), file) {
				out = appendOnce(out, seen, l)
			}
		default:
			for _, l := range lines(quoteNamesIn(coach.Lint(r, tl), r.File), file) {
				out = appendOnce(out, seen, l)
			}
		}
	}
	return out
}

func appendOnce(out []string, seen map[string]bool, s string) []string {
	if seen[s] {
		return out
	}
	seen[s] = true
	return append(out, s)
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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

// locate finds the first place a phrase is written in the script, so a
// missing prompt points at the line that needs it.
func locate(source []byte, phrase string) (int, int) {
	text := strings.ToLower(string(source))
	i := strings.Index(text, strings.ToLower(phrase))
	if i < 0 {
		return 1, 1
	}
	line := strings.Count(text[:i], "\n") + 1
	col := i - strings.LastIndex(text[:i], "\n")
	return line, col
}

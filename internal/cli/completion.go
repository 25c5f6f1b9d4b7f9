package cli

import (
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// addCompletion makes the commands that take a routine complete its id
// (built-in and the user's), and --only and --variant complete that
// routine's exercise ids and variant names. `coach completion bash|zsh|fish`
// prints the script (cobra's).
func (a *app) addCompletion(root *cobra.Command) {
	routineArg := func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		lib, err := a.library(cmd)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var ids []string
		for _, r := range lib.routines {
			if strings.HasPrefix(r.ID, prefix) {
				ids = append(ids, r.ID+"\t"+r.Title)
			}
		}
		// A routine can also be a file: let the shell offer paths too.
		return ids, cobra.ShellCompDirectiveDefault
	}
	exercises := func(variants bool) cobra.CompletionFunc {
		return func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			r, err := a.routine(cmd, args[0])
			if err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			seen := map[string]bool{}
			var out []string
			for _, e := range r.Exercises {
				names := []string{e.ID}
				if variants {
					names = names[:0]
					for v := range e.Variants {
						names = append(names, v)
					}
					sort.Strings(names)
				}
				for _, n := range names {
					if !seen[n] && strings.HasPrefix(n, prefix) {
						seen[n] = true
						out = append(out, n)
					}
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		}
	}
	for _, cmd := range root.Commands() {
		switch cmd.Name() {
		case "run", "plan", "render", "validate":
			cmd.ValidArgsFunction = routineArg
		}
		if cmd.Flags().Lookup("only") != nil {
			cmd.RegisterFlagCompletionFunc("only", exercises(false))
		}
		if cmd.Flags().Lookup("variant") != nil {
			cmd.RegisterFlagCompletionFunc("variant", exercises(true))
		}
	}
}

package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/scripts"
	"github.com/coach-dev/coach/voice"
	"github.com/spf13/cobra"
)

// userScriptsDir is where `coach new` writes and every command looks:
// $XDG_CONFIG_HOME/coach/scripts, else ~/.config/coach/scripts.
func (a *app) userScriptsDir() string {
	if x := a.std.getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "coach", "scripts")
	}
	if h := a.std.getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "coach", "scripts")
	}
	return ""
}

// library is every routine coach knows: built-in, the user's folder and any
// --scripts folders. Broken user scripts are kept aside as problems so one
// bad file does not hide the others.
type library struct {
	routines []*coach.Routine
	problems []error
	shadows  map[string]string // id → a user's file that also has it
}

func (a *app) library(cmd *cobra.Command) (*library, error) {
	builtin, err := coach.LoadBuiltin(scripts.FS)
	if err != nil {
		return nil, fmt.Errorf("built-in scripts: %w", err)
	}
	lib := &library{routines: builtin, shadows: map[string]string{}}
	dirs := []string{}
	if d := a.userScriptsDir(); d != "" {
		dirs = append(dirs, d)
	}
	extra, _ := cmd.Flags().GetStringSlice("scripts")
	for _, d := range extra {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("--scripts %s: not a folder", quoteName(d))
		}
	}
	dirs = append(dirs, extra...)
	byID := map[string]*coach.Routine{}
	for _, r := range builtin {
		byID[r.ID] = r
	}
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*.yaml"))
		more, _ := filepath.Glob(filepath.Join(d, "*.yml"))
		files = append(files, more...)
		sort.Strings(files)
		for _, f := range files {
			r, err := coach.LoadFile(f)
			if err != nil {
				lib.problems = append(lib.problems, quoteNamesIn(err, f))
				continue
			}
			if prev, dup := byID[r.ID]; dup {
				lib.shadows[r.ID] = f
				lib.problems = append(lib.problems, fmt.Errorf("%s: routine id %q is already used by %s; rename one of them", quoteName(f), r.ID, displaySource(prev)))
				continue
			}
			byID[r.ID] = r
			lib.routines = append(lib.routines, r)
		}
	}
	return lib, nil
}

func displaySource(r *coach.Routine) string {
	if strings.HasPrefix(r.File, coach.BuiltinPrefix) {
		return "the built-in " + strings.TrimPrefix(r.File, coach.BuiltinPrefix)
	}
	return quoteName(r.File)
}

// sourceLabel is what `coach list` shows in its SOURCE column.
func sourceLabel(r *coach.Routine) string {
	if strings.HasPrefix(r.File, coach.BuiltinPrefix) {
		return "built-in"
	}
	return r.File
}

func isPath(arg string) bool {
	return strings.ContainsRune(arg, os.PathSeparator) || strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml")
}

// routine finds a routine by id, or loads the file the argument names.
func (a *app) routine(cmd *cobra.Command, arg string) (*coach.Routine, error) {
	if isPath(arg) {
		r, err := coach.LoadFile(arg)
		return r, quoteNamesIn(err, arg)
	}
	lib, err := a.library(cmd)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range lib.routines {
		if r.ID == arg {
			if f, ok := lib.shadows[arg]; ok {
				// Never quietly pick one of two routines with one id.
				fmt.Fprintf(a.std.Err, "coach: warning: %s also has the id %q and is ignored; using %s (rename one of them)\n", quoteName(f), arg, displaySource(r))
			}
			return r, nil
		}
		ids = append(ids, r.ID)
	}
	for _, p := range lib.problems {
		fmt.Fprintf(a.std.Err, "coach: warning: %s\n", escapeLine(strings.SplitN(p.Error(), "\n", 2)[0]))
	}
	return nil, fmt.Errorf("no routine %q%s; known: %s (or give a file path)", arg, coach.Suggest(arg, ids), strings.Join(ids, ", "))
}

// pack is the voice every command compiles against: the default pack, with
// the user's own prompts layered over it.
func (a *app) pack() (*voice.Pack, error) {
	p, err := voice.Default()
	if err != nil {
		return nil, fmt.Errorf("default voice pack: %w", err)
	}
	dir := a.userPackDir()
	if dir == "" {
		return p, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	user, err := voice.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("user voice pack: %w", err)
	}
	return user.Over(p), nil
}

// userPackDir is $XDG_DATA_HOME/coach/voice, else ~/.local/share/coach/voice.
func (a *app) userPackDir() string {
	if x := a.std.getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "coach", "voice")
	}
	if h := a.std.getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "coach", "voice")
	}
	return ""
}

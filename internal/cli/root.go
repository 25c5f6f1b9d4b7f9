// Package cli wires coach's packages into the `coach` command. It lives
// apart from cmd/coach so tests can run the whole CLI in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// IO is where a command reads and writes; tests swap in buffers.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// Env looks up environment variables (XDG folders); nil means os.Getenv.
	Env func(string) string
}

// Std is the process's own standard streams.
func Std() IO { return IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Env: os.Getenv} }

func (s IO) getenv(k string) string {
	if s.Env == nil {
		return os.Getenv(k)
	}
	return s.Env(k)
}

// usageError marks a mistake in how the command was called: exit code 2.
type usageError struct{ error }

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Main runs the CLI and returns the exit code. Errors are printed as one
// line each, "coach: ...", never a stack trace.
func Main(args []string, std IO) int {
	return MainContext(context.Background(), args, std)
}

// MainContext is Main with a context that cancels a running session.
func MainContext(ctx context.Context, args []string, std IO) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(std.Err, "coach: internal error: %v (please report it)\n", p)
			code = ExitFailure
		}
	}()
	root := newRoot(std)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintf(std.Err, "coach: %v\nRun 'coach --help' for usage.\n", err)
		return ExitUsage
	}
	if errors.Is(err, errQuiet) {
		return ExitFailure
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(std.Err, "coach: %s\n", escapeLine(line))
	}
	return ExitFailure
}

// errQuiet is a failure whose details were already printed.
var errQuiet = errors.New("failed")

func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires exactly"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

func newRoot(std IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "coach",
		Short: "A hands-free exercise coach that speaks your physiotherapy routine",
		Long: `coach reads a routine written as a voice script, turns every exercise into a
timed spoken script, and plays it through the speakers, sample-accurately.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(std.In)
	root.SetOut(std.Out)
	root.SetErr(std.Err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.Version = version()
	root.SetVersionTemplate("{{.Version}}\n")
	// `coach completion bash|zsh|fish`; routine and exercise ids complete
	// too (see completeRoutines).
	root.CompletionOptions.HiddenDefaultCmd = false
	root.PersistentFlags().StringSlice("scripts", nil, "extra `DIR` of voice scripts (repeatable)")
	a := &app{std: std}
	root.AddCommand(a.listCmd(), a.planCmd(), a.validateCmd())
	for _, extra := range extraCommands {
		root.AddCommand(extra(a))
	}
	a.addCompletion(root)
	return root
}

// extraCommands lets other files of this package register subcommands.
var extraCommands []func(*app) *cobra.Command

// app carries what every subcommand shares.
type app struct {
	std IO
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %d argument(s), got %d", cmd.CommandPath(), n, len(args))}
		}
		return nil
	}
}

func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageError{fmt.Errorf("%s needs at least %d argument(s)", cmd.CommandPath(), n)}
		}
		return nil
	}
}

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/coach-dev/coach/coach"
	"github.com/spf13/cobra"
)

func init() {
	extraCommands = append(extraCommands, (*app).newCmd, (*app).schemaCmd)
}

const schemaFile = "voice-script.schema.json"

var newTemplate = template.Must(template.New("new").Parse(`# yaml-language-server: $schema={{.Schema}}
# A coach voice script. Every field is explained in coach's README under
# "The voice script format". Check it with:   coach validate {{.File}}
# Print its timetable with:                   coach plan {{.ID}}
# Hear it:                                    coach run {{.ID}}
version: 1
id: {{.ID}}
title: {{.Title}}
description: What this routine is for, in a sentence or two.
source: Who gave you this programme, and when.
safety: Move slowly. Stop if it hurts.
frequency: once a day

# Optional; these are the defaults.
defaults:
  rest_between_exercises: 20s
  rest_between_sets: 30s
  side_switch_rest: 10s
  get_ready: 5s
  countdown: 3        # "three, two, one" before each side and at the end of holds
  pace: 1.0           # 1.5 makes movement and breathing half as slow again
  count_reps: true
  halfway: true
  announce_next: true

exercises:
  - id: chin-tuck
    name: Chin tuck
    setup:                      # shown, and spoken before the first rep
      - Sit tall in a chair.
    tips:                       # shown on the companion page
      - Keep your eyes level.
    sets: 2                     # a rest of rest_between_sets between sets
    reps: 5                     # per set (and per side, with sides)
    rep:                        # the timed phases of one rep
      - phase: move             # move, hold, breathe-in, breathe-out, release, rest
        duration: 4s
        say: Tuck your chin.
      - phase: hold
        duration: 5s to 10s     # a range; --hold min|max|7s picks another length in it
        default: 5s
        say: Hold.
      - phase: release
        duration: 3s
        say: Relax.
    variants:                   # other ways to do it: coach run {{.ID}} --variant long-hold
      long-hold:
        name: Long hold
        reps: 3                 # a variant may change sets, reps, rep, sides, setup, switch, tips
        rep:
          - phase: move
            duration: 4s
            say: Tuck your chin.
          - phase: hold
            duration: 20s
            say: Hold.
          - phase: release
            duration: 3s
            say: Relax.

  - id: side-tilt
    name: Side tilt
    setup:
      - Sit tall, with your shoulders down.
    reps: 3
    sides: both                 # left then right; or [right], [left], alternate (taking turns), none
    switch: Change sides.
    rep:
      - phase: breathe-out
        duration: 5s
        say: Breathe out, and tilt your head.
      - phase: hold
        duration: 10s
        say: Hold.
      - phase: breathe-in
        duration: 5s
        say: Breathe in, and come back up.
`))

var wordSep = regexp.MustCompile(`[-_]+`)

func (a *app) newCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "new ID",
		Short: "Write a commented voice script template into your scripts folder",
		Long: `Write ID.yaml, a commented template that validates as it is (for any id), into your
scripts folder ($XDG_CONFIG_HOME/coach/scripts, else ~/.config/coach/scripts)
or --dir. An existing file is never overwritten.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if !regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`).MatchString(id) {
				return usageError{fmt.Errorf("routine id %q must be lower-case letters, digits and hyphens, e.g. neck-stretches", id)}
			}
			if dir == "" {
				dir = a.userScriptsDir()
			}
			if dir == "" {
				return errors.New("no scripts folder: set HOME or XDG_CONFIG_HOME, or pass --dir")
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("create scripts folder: %w", err)
			}
			if err := writeSchema(dir); err != nil {
				return err
			}
			file := filepath.Join(dir, id+".yaml")
			title := strings.TrimSpace(wordSep.ReplaceAllString(id, " "))
			title = strings.ToUpper(title[:1]) + title[1:]
			var b bytes.Buffer
			if err := newTemplate.Execute(&b, map[string]string{"ID": id, "Title": title, "File": file, "Schema": schemaFile}); err != nil {
				return err
			}
			// O_EXCL: never replace what the user wrote, even in a race.
			f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s already exists; coach never overwrites your scripts (pick another id or remove it)", file)
			}
			if err != nil {
				return fmt.Errorf("write template: %w", err)
			}
			if _, err := f.Write(b.Bytes()); err != nil {
				f.Close()
				return fmt.Errorf("write template: %w", err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("write template: %w", err)
			}
			fmt.Fprintf(a.std.Out, "wrote %s\nedit it, then: coach validate %s && coach plan %s\n", file, file, id)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "write into `DIR` instead of your scripts folder")
	return cmd
}

// writeSchema keeps the schema the template points at beside the scripts.
// It is coach's file, not the user's, so it is refreshed when it differs.
func writeSchema(dir string) error {
	path := filepath.Join(dir, schemaFile)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, coach.Schema) {
		return nil
	}
	if err := os.WriteFile(path, coach.Schema, 0o644); err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	return nil
}

func (a *app) schemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the voice script format",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := a.std.Out.Write(coach.Schema)
			return err
		},
	}
}

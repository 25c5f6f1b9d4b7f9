package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/voice"
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
			note, err := writeSchema(dir)
			if err != nil {
				return err
			}
			if note != "" {
				fmt.Fprintf(a.std.Err, "coach: %s\n", note)
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
				return fmt.Errorf("%s already exists; coach never overwrites your scripts (pick another id or remove it)", quoteName(file))
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
			fmt.Fprintf(a.std.Out, "wrote %s\nedit it, then: coach validate %s && coach plan %s\n", quoteName(file), quoteName(file), id)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "write into `DIR` instead of your scripts folder")
	return cmd
}

// shippedSchemas are the SHA-256 sums of every voice-script.schema.json
// coach has written before this one. A copy that matches one is coach's own,
// untouched, and is brought up to date; any other content is the user's
// (an edit, or a file of theirs by that name) and is kept. When the schema
// changes, add the sum of the one it replaces here.
var shippedSchemas = map[string]bool{
	"a21a348284111ebe3fb39784561bf43786f705a10866dd976f4829f57fed22f9": true,
	"b31c7c4b29bce47ebe8ca17c01cd835b352a3e2310013af090ed1e07688fd1bc": true,
	"24798c0b3ab3d51425c00a119b189847bf2b5f7666367417620707ff9cc5be8a": true, // with the image field
	"21cfbff235ac68556bf0f8b0955e98e164dc1fc2f48f2c58d1cc6631bd0ad0aa": true, // with time_left
	"4c828d47f0cb41b83311ed7de577020e88c619f92b0f87930636aeedec21d3df": true, // with image and time_left
}

// writeSchema keeps the schema the template points at beside the scripts.
// It is written whole or not at all (a temporary file renamed into place),
// never through a symbolic link, and never over a copy the user edited;
// what it did not write it says in note ("" when all is well).
func writeSchema(dir string) (note string, err error) {
	path := filepath.Join(dir, schemaFile)
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", writeNew(dir, path, coach.Schema)
	case err != nil:
		return "", fmt.Errorf("write schema: %w", err)
	case st.Mode()&os.ModeSymlink != 0:
		return fmt.Sprintf("kept %s: it is a link, and coach does not write through links (coach schema prints the schema)", quoteName(path)), nil
	case !st.Mode().IsRegular():
		return fmt.Sprintf("kept %s: it is %s, not a file (coach schema prints the schema)", quoteName(path), voice.FileKind(st.Mode())), nil
	}
	old, err := readRegular(path, 4<<20)
	if err != nil {
		return "", fmt.Errorf("write schema: %w", err)
	}
	if bytes.Equal(old, coach.Schema) {
		return "", nil
	}
	if sum := sha256.Sum256(old); !shippedSchemas[hex.EncodeToString(sum[:])] {
		return fmt.Sprintf("kept your edited %s (coach schema prints this version's)", quoteName(path)), nil
	}
	return "", replaceFile(dir, path, coach.Schema)
}

// tempIn writes b to a new temporary file in dir (created with O_EXCL, so
// never through a link planted at its name) and returns its name.
func tempIn(dir string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, "."+schemaFile+".*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// writeNew puts b at path, which did not exist: linked into place, so a
// file that appeared there meanwhile is kept (rename where the file system
// has no hard links).
func writeNew(dir, path string, b []byte) error {
	tmp, err := tempIn(dir, b)
	if err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	defer os.Remove(tmp)
	err = os.Link(tmp, path)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	return nil
}

// replaceFile puts b at path in one step: a reader sees the old file or
// the new one, never half of one, and a link at path is replaced, not
// followed.
func replaceFile(dir, path string, b []byte) error {
	tmp, err := tempIn(dir, b)
	if err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
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

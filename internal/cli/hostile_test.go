package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binResult is what a run of the real binary printed and how it ended.
type binResult struct {
	code     int
	out, err string
}

// runBin runs the real coach binary with HOME in a fresh folder (plus env)
// and fails the test if it does not end within 30 s.
func runBin(t *testing.T, env []string, args ...string) binResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, coachBin, args...)
	cmd.Env = append(append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME=", "XDG_DATA_HOME="), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "coach %s did not end: %s", strings.Join(args, " "), errb.String())
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return binResult{code, out.String(), errb.String()}
}

// noTerminalControl fails if s holds anything a terminal would act on.
func noTerminalControl(t *testing.T, what, s string) {
	t.Helper()
	for _, b := range []byte(s) {
		if b < 0x20 && b != '\n' && b != '\t' || b == 0x7f {
			t.Errorf("%s: control byte %#x reaches the terminal: %q", what, b, s)
			return
		}
	}
	assert.NotContains(t, s, "\u009b", "%s: C1 CSI", what)
	assert.NotContains(t, s, "\u202e", "%s: right-to-left override", what)
}

const hostileScript = `version: 1
id: %s
title: "Hold\e=\a\u202e."
description: "Escapes \e]0;owned\a in a listing"
exercises:
  - id: chin-tuck
    name: "Hold\u009b\e=."
    reps: 1
    rep:
      - phase: hold
        duration: 5s
        say: Hold.
`

// TestHostileNamesAreQuoted: file names and titles with escape sequences,
// newlines and bidi controls are printed escaped by list, validate, plan,
// render and in errors, never raw (a name like this once set the terminal's
// title). The script's own text is made of what the pack can say once the
// controls are dropped, so it compiles.
func TestHostileNamesAreQuoted(t *testing.T) {
	home := t.TempDir()
	scripts := filepath.Join(home, ".config", "coach", "scripts")
	evil := "evil\x1b]0;pwned\a.yaml"
	good := writeScript(t, scripts, evil, strings.Replace(hostileScript, "%s", "evil", 1))
	writeScript(t, scripts, "two\nlines\r\x1b[2J.yaml", "version: 1\nid: broken\n")
	writeScript(t, scripts, "back\u202eward.yaml", "not: [a script\n")
	env := []string{"HOME=" + home}

	r := runBin(t, env, "list")
	assert.Equal(t, 1, r.code, "the broken scripts are reported")
	noTerminalControl(t, "list stdout", r.out)
	noTerminalControl(t, "list stderr", r.err)
	assert.Contains(t, r.out, `evil\x1b]0;pwned\a.yaml"`, "the file name, quoted")
	assert.Contains(t, r.out, `Hold\x1b=\a\u202e.`, "the title, escaped")
	assert.Contains(t, r.err, `two\nlines\r\x1b[2J.yaml":1:1: `)
	assert.Contains(t, r.err, `back\u202eward.yaml":1:1: `)
	for _, l := range strings.Split(strings.TrimSuffix(r.err, "\n"), "\n") {
		assert.True(t, strings.HasPrefix(l, "coach: "), "every line of an error is coach's, none forged by a name: %q", l)
	}

	r = runBin(t, env, "validate", good, filepath.Join(scripts, "two\nlines\r\x1b[2J.yaml"))
	assert.Equal(t, 1, r.code)
	noTerminalControl(t, "validate stdout", r.out)
	noTerminalControl(t, "validate stderr", r.err)
	assert.Contains(t, r.out, `"`+filepath.Join(scripts, `evil\x1b]0;pwned\a.yaml`)+`": ok`)

	r = runBin(t, env, "plan", good)
	assert.Equal(t, 0, r.code, r.err)
	noTerminalControl(t, "plan stdout", r.out)
	assert.Contains(t, r.out, `Hold\u009b\x1b=.`)

	r = runBin(t, env, "plan", filepath.Join(t.TempDir(), "no\x1b[2Jsuch.yaml"))
	assert.Equal(t, 1, r.code)
	noTerminalControl(t, "plan error", r.err)
	assert.Equal(t, 1, strings.Count(r.err, "\n"), r.err)

	out := filepath.Join(t.TempDir(), "out\x1b]0;x\a.wav")
	r = runBin(t, env, "render", "evil", "-o", out)
	assert.Equal(t, 0, r.code, r.err)
	noTerminalControl(t, "render stdout", r.out)
	assert.NotContains(t, r.err, "\x1b", "render progress")
	assert.Contains(t, r.out, `out\x1b]0;x\a.wav"`)
}

// TestNewWritesTheSchemaSafely: the schema beside the scripts is written
// through a temporary file and a rename, never through a link, and never
// over a copy the user edited.
func TestNewWritesTheSchemaSafely(t *testing.T) {
	t.Run("fresh", func(t *testing.T) {
		dir := t.TempDir()
		r := runBin(t, nil, "new", "neck", "--dir", dir)
		require.Equal(t, 0, r.code, r.err)
		assert.Empty(t, r.err)
		b, err := os.ReadFile(filepath.Join(dir, schemaFile))
		require.NoError(t, err)
		assert.Equal(t, coach.Schema, b)
		st, err := os.Stat(filepath.Join(dir, schemaFile))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
		assert.ElementsMatch(t, []string{"neck.yaml", schemaFile}, names(t, dir), "no temporary file is left")
	})
	t.Run("a link is not followed", func(t *testing.T) {
		dir, elsewhere := t.TempDir(), t.TempDir()
		victim := filepath.Join(elsewhere, "notes.txt")
		require.NoError(t, os.WriteFile(victim, []byte("my notes\n"), 0o644))
		require.NoError(t, os.Symlink(victim, filepath.Join(dir, schemaFile)))
		r := runBin(t, nil, "new", "neck", "--dir", dir)
		require.Equal(t, 0, r.code, r.err)
		b, err := os.ReadFile(victim)
		require.NoError(t, err)
		assert.Equal(t, "my notes\n", string(b), "the link's target is untouched")
		target, err := os.Readlink(filepath.Join(dir, schemaFile))
		require.NoError(t, err, "the link is still a link")
		assert.Equal(t, victim, target)
		assert.Contains(t, r.err, "is a link")
		assert.Equal(t, 1, strings.Count(r.err, "\n"), r.err)
	})
	t.Run("a dangling link is not followed", func(t *testing.T) {
		dir, elsewhere := t.TempDir(), t.TempDir()
		victim := filepath.Join(elsewhere, "created-through-the-link")
		require.NoError(t, os.Symlink(victim, filepath.Join(dir, schemaFile)))
		r := runBin(t, nil, "new", "neck", "--dir", dir)
		require.Equal(t, 0, r.code, r.err)
		assert.NoFileExists(t, victim)
	})
	t.Run("an edited copy is kept", func(t *testing.T) {
		dir := t.TempDir()
		mine := []byte(`{"$comment": "my own additions"}` + "\n")
		require.NoError(t, os.WriteFile(filepath.Join(dir, schemaFile), mine, 0o600))
		r := runBin(t, nil, "new", "neck", "--dir", dir)
		require.Equal(t, 0, r.code, r.err)
		b, err := os.ReadFile(filepath.Join(dir, schemaFile))
		require.NoError(t, err)
		assert.Equal(t, mine, b)
		assert.Contains(t, r.err, "kept your edited")
	})
	t.Run("a FIFO is not opened", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, syscall.Mkfifo(filepath.Join(dir, schemaFile), 0o644))
		r := runBin(t, nil, "new", "neck", "--dir", dir)
		require.Equal(t, 0, r.code, r.err)
		assert.Contains(t, r.err, "a FIFO")
	})
}

// TestOldSchemaIsRefreshed: a copy coach wrote before, untouched, is
// replaced by this version's (in place, in one rename).
func TestOldSchemaIsRefreshed(t *testing.T) {
	old := []byte(`{"title": "an older coach's schema"}`)
	sum := sha256.Sum256(old)
	shippedSchemas[hex.EncodeToString(sum[:])] = true
	t.Cleanup(func() { delete(shippedSchemas, hex.EncodeToString(sum[:])) })
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, schemaFile), old, 0o644))
	note, err := writeSchema(dir)
	require.NoError(t, err)
	assert.Empty(t, note)
	b, err := os.ReadFile(filepath.Join(dir, schemaFile))
	require.NoError(t, err)
	assert.Equal(t, coach.Schema, b)
	assert.Equal(t, []string{schemaFile}, names(t, dir))

	// The shipped list holds this version too, as a later coach will see it.
	cur := sha256.Sum256(coach.Schema)
	assert.True(t, shippedSchemas[hex.EncodeToString(cur[:])],
		"the schema changed: add the new sum (%x) to shippedSchemas so a later coach refreshes copies of it", cur)
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestVoiceImportRefusesWhatIsNotAFile: a FIFO where a recording or the
// manifest should be is refused at once (opening it waited for a writer
// forever).
func TestVoiceImportRefusesWhatIsNotAFile(t *testing.T) {
	t.Run("a recording", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "breathe-in.wav"), 0o644))
		r := runBin(t, nil, "voice", "import", dir)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.err, "breathe-in.wav: not a regular file (a FIFO)")
		assert.Equal(t, 1, strings.Count(r.err, "\n"), r.err)
	})
	t.Run("the manifest", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "manifest.json"), 0o644))
		r := runBin(t, nil, "voice", "import", dir)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.err, "manifest.json is a FIFO, not a regular file")
		assert.Equal(t, 1, strings.Count(r.err, "\n"), r.err)
	})
}

// longScript renders to half an hour of audio: long enough to interrupt.
const longScript = `version: 1
id: long-holds
title: Hold.
exercises:
  - id: one
    name: Hold.
    reps: 3
    rep:
      - phase: hold
        duration: 10m
        say: Hold.
`

// TestRenderInterruptedLeavesNothing: SIGINT or SIGTERM during a render
// ends it with exit 1 and no file: neither the output nor the hidden
// temporary one (which used to stay, the size of the session).
func TestRenderInterruptedLeavesNothing(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			script := writeScript(t, t.TempDir(), "long.yaml", longScript)
			cmd := exec.Command(coachBin, "render", script, "-o", filepath.Join(dir, "session.wav"))
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
			var errb bytes.Buffer
			cmd.Stderr = &errb
			require.NoError(t, cmd.Start())
			// Interrupt once the temporary file is there and growing.
			deadline := time.Now().Add(20 * time.Second)
			for {
				if m, _ := filepath.Glob(filepath.Join(dir, ".coach-render-*")); len(m) > 0 {
					if st, err := os.Stat(m[0]); err == nil && st.Size() > 1<<20 {
						break
					}
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("no temporary file appeared: %s", errb.String())
				}
				time.Sleep(time.Millisecond)
			}
			require.NoError(t, cmd.Process.Signal(sig))
			err := cmd.Wait()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the render was interrupted, not finished: %s", errb.String())
			assert.Equal(t, 1, exit.ExitCode(), errb.String())
			assert.Contains(t, errb.String(), "coach: render interrupted; ")
			assert.Empty(t, names(t, dir), "nothing is left behind")
		})
	}
}

// TestUserPackFIFO: a FIFO in the user's pack, as its manifest or as a
// prompt it lists, is refused at once by every command that loads the pack
// (each waited for a writer forever).
func TestUserPackFIFO(t *testing.T) {
	t.Run("the manifest", func(t *testing.T) {
		data := t.TempDir()
		pack := filepath.Join(data, "coach", "voice")
		require.NoError(t, os.MkdirAll(pack, 0o755))
		require.NoError(t, syscall.Mkfifo(filepath.Join(pack, "manifest.json"), 0o644))
		r := runBin(t, []string{"XDG_DATA_HOME=" + data}, "plan", "upper-back")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.err, "manifest.json: a FIFO, not a regular file")
		assert.Equal(t, 1, strings.Count(r.err, "\n"), r.err)
	})
	t.Run("a prompt", func(t *testing.T) {
		data := t.TempDir()
		pack := filepath.Join(data, "coach", "voice")
		require.NoError(t, os.MkdirAll(pack, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(pack, "manifest.json"),
			[]byte(`{"version":1,"rate":24000,"clips":[{"phrase":"hold","text":"Hold.","file":"hold.wav","frames":100}]}`), 0o644))
		require.NoError(t, syscall.Mkfifo(filepath.Join(pack, "hold.wav"), 0o644))
		r := runBin(t, []string{"XDG_DATA_HOME=" + data}, "plan", "upper-back")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.err, "hold.wav: listed in the manifest but cannot be read: a FIFO, not a regular file")
	})
}

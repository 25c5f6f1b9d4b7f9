package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/history"
	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestRunNoAudioCompletes runs the whole built-in routine at 50x on the wall
// clock, as CI and demos do.
func TestRunNoAudioCompletes(t *testing.T) {
	cmd := exec.Command(coachBin, "run", "upper-back", "--no-audio", "--speed", "50", "--no-media-keys")
	cmd.Env = append(cmd.Environ(), "HOME="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	require.NoError(t, cmd.Run(), errb.String())
	t.Logf("11:44 of routine in %s", time.Since(start).Round(time.Millisecond))
	assert.Contains(t, out.String(), "session finished")
	assert.Contains(t, out.String(), "Session finished — ")
	assert.Contains(t, out.String(), "5 of 5 exercises, 53 of 53 reps")
	assert.Contains(t, out.String(), `bent-over-row  rep 10/10`, "plain lines are never coalesced away")
	assert.Empty(t, errb.String())
}

// lockedBuffer collects a pty's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func waitFor(t *testing.T, out *lockedBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the terminal:\n%s", text, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRunUnderTerminal runs coach on a pseudo-terminal: the status area
// draws, keys work, and SIGINT or q ends the session with the terminal
// exactly as it was.
func TestRunUnderTerminal(t *testing.T) {
	tests := []struct {
		name string
		stop func(cmd *exec.Cmd, tty io.Writer) error
	}{
		{"SIGINT", func(cmd *exec.Cmd, _ io.Writer) error { return cmd.Process.Signal(syscall.SIGINT) }},
		{"SIGTERM", func(cmd *exec.Cmd, _ io.Writer) error { return cmd.Process.Signal(syscall.SIGTERM) }},
		{"SIGHUP", func(cmd *exec.Cmd, _ io.Writer) error { return cmd.Process.Signal(syscall.SIGHUP) }},
		{"q key", func(_ *exec.Cmd, tty io.Writer) error { _, err := tty.Write([]byte("q")); return err }},
		{"Ctrl-C key", func(_ *exec.Cmd, tty io.Writer) error { _, err := tty.Write([]byte{3}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ptmx, tty, err := pty.Open()
			require.NoError(t, err)
			defer ptmx.Close()
			defer tty.Close()
			require.NoError(t, pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 100}))
			before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
			require.NoError(t, err)

			db := filepath.Join(t.TempDir(), "h.db")
			cmd := exec.Command(coachBin, "run", "upper-back", "--no-audio", "--speed", "20", "--history", db)
			cmd.Env = append(cmd.Environ(), "HOME="+t.TempDir(), "TERM=xterm")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
			require.NoError(t, cmd.Start())
			var out lockedBuffer
			go io.Copy(&out, ptmx)

			waitFor(t, &out, "Pain right now? Press 0-9")
			_, err = ptmx.Write([]byte("3")) // the check-in: pain 3 of 10
			require.NoError(t, err)
			waitFor(t, &out, "Exercise 1 of 5: Shoulder rolls")
			during, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
			require.NoError(t, err)
			assert.Zero(t, during.Lflag&unix.ICANON, "raw mode while the session runs")

			_, err = ptmx.Write([]byte(" ")) // pause
			require.NoError(t, err)
			waitFor(t, &out, "PAUSED")
			_, err = ptmx.Write([]byte(" ")) // resume
			require.NoError(t, err)
			_, err = ptmx.Write([]byte("h")) // this hurts
			require.NoError(t, err)
			waitFor(t, &out, "Stop this exercise now.")
			waitFor(t, &out, "Exercise 2 of 5: Child's pose")
			_, err = ptmx.Write([]byte("n")) // next exercise
			require.NoError(t, err)
			waitFor(t, &out, "Exercise 3 of 5: Open books")

			require.NoError(t, tt.stop(cmd, ptmx))
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				assert.NoError(t, err, "a clean exit")
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatal("coach did not stop")
			}
			waitFor(t, &out, "Session stopped")
			after, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
			require.NoError(t, err)
			assert.Equal(t, *before, *after, "the terminal is restored")
			assert.Contains(t, out.String(), "\x1b[?25h", "the cursor is shown again")

			r := run(t, nil, "history", "--history", db, "--json")
			require.Equal(t, 0, r.code, r.err)
			var rep history.Report
			require.NoError(t, json.Unmarshal([]byte(r.out), &rep))
			require.Len(t, rep.Sessions, 1)
			ex := rep.Sessions[0].Exercises
			assert.True(t, ex[0].PainStop, "the pain stop is recorded")
			assert.True(t, ex[1].Skipped, "so is the skip")
			assert.Equal(t, coach.StatusStopped, rep.Sessions[0].Status)
			if assert.NotNil(t, rep.Sessions[0].PainBefore) {
				assert.Equal(t, 3, *rep.Sessions[0].PainBefore, "the check-in answer is recorded")
			}
			assert.Nil(t, rep.Sessions[0].PainAfter, "never asked: stopped first")
		})
	}
}

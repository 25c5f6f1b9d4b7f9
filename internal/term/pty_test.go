//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package term

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

const helperEnv = "COACH_TERM_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		helper(mode)
		os.Exit(3) // helpers end by a signal's path or a panic, never here
	}
	os.Exit(m.Run())
}

// helper is a child process with the pty on stdin, stdout and stderr, the
// way coach run uses a view.
func helper(mode string) {
	v := New(os.Stdin, os.Stdout)
	boom := make(chan struct{})
	v.Keys(func(c coach.Command) bool {
		if c == coach.CmdPain {
			close(boom)
		}
		return true
	})
	switch mode {
	case "background-leader":
		// The terminal's session leader starts a view in a background job.
		v.Close()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=background")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Run(); err != nil {
			fmt.Println("background job:", err)
		}
		os.Exit(0)
	case "background":
		fmt.Printf("background: tty=%v keys=%v\n", v.TTY(), v.ReadsKeys())
		v.State(holdState)
		v.Close()
		os.Exit(0)
	case "signal":
		ctx, stop := NotifyContext(context.Background())
		defer stop()
		v.State(holdState)
		v.Log("ready")
		<-ctx.Done()
		// No Close: the signal's path alone must have restored the terminal.
		fmt.Fprintf(os.Stdout, "cause: %v\n", context.Cause(ctx))
		os.Exit(0)
	case "panic":
		defer v.Guard()
		v.State(holdState)
		v.Log("ready")
		<-boom
		panic("boom")
	case "goroutine-panic":
		v.State(holdState)
		v.Log("ready")
		go func() {
			defer Guard()
			<-boom
			panic("boom in a goroutine")
		}()
		select {}
	}
}

func getTermios(t *testing.T, f *os.File) unix.Termios {
	t.Helper()
	st, err := unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
	require.NoError(t, err)
	return *st
}

func assertRaw(t *testing.T, tty *os.File) {
	t.Helper()
	st := getTermios(t, tty)
	assert.Zero(t, st.Lflag&unix.ICANON, "keys one by one")
	assert.Zero(t, st.Lflag&unix.ECHO, "keys not echoed")
	assert.Zero(t, st.Lflag&unix.ISIG, "Ctrl-C is a key")
	assert.NotZero(t, st.Oflag&unix.OPOST, "a stray \\n still returns to column 0")
}

// openPty opens a pseudo-terminal 100×24 whose output the test collects.
func openPty(t *testing.T) (ptmx, tty *os.File, out *lockedBuffer) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	require.NoError(t, err)
	require.NoError(t, pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 100}))
	out = &lockedBuffer{}
	copied := make(chan struct{})
	go func() {
		io.Copy(out, ptmx)
		close(copied)
	}()
	t.Cleanup(func() {
		tty.Close()
		ptmx.Close()
		<-copied
	})
	return ptmx, tty, out
}

type recorder struct {
	mu   sync.Mutex
	cmds []coach.Command
}

func (r *recorder) send(c coach.Command) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cmds = append(r.cmds, c)
	return true
}

func (r *recorder) got() []coach.Command {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]coach.Command(nil), r.cmds...)
}

// readLine reads what the terminal holds for a reader of the tty side.
func readTTY(t *testing.T, tty *os.File) string {
	t.Helper()
	fds := []unix.PollFd{{Fd: int32(tty.Fd()), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 5000)
	require.NoError(t, err)
	require.Equal(t, 1, n, "something to read")
	buf := make([]byte, 64)
	n, err = unix.Read(int(tty.Fd()), buf)
	require.NoError(t, err)
	return string(buf[:n])
}

func TestPtyKeysRawModeAndRestore(t *testing.T) {
	ptmx, tty, out := openPty(t)
	before := getTermios(t, tty)

	v := New(tty, tty)
	require.True(t, v.TTY(), "a terminal on both sides redraws")
	require.True(t, v.ReadsKeys())
	assertRaw(t, tty)
	var rec recorder
	v.Keys(rec.send)
	v.Keys(rec.send) // a second reader is not started

	v.State(holdState)
	waitFor(t, "the status area", func() bool { return strings.Contains(out.String(), "Exercise 2 of 5: Child's pose") })
	assert.Contains(t, out.String(), hideCursor)
	fs := frames(out.String())
	assert.Equal(t, Render(holdState, 99), fs[0], "drawn one column narrower than the terminal")

	keys := " nbbrh\x1b[A3tNq\x03"
	_, err := ptmx.Write([]byte(keys))
	require.NoError(t, err)
	want := []coach.Command{coach.CmdToggle, coach.CmdNext, coach.CmdBack, coach.CmdBack, coach.CmdRepeat, coach.CmdPain,
		coach.Rate(3), coach.Rate(10), coach.CmdNext, coach.CmdStop, coach.CmdStop}
	waitFor(t, "every command", func() bool { return len(rec.got()) >= len(want) })
	assert.Equal(t, want, rec.got())

	st := holdState
	st.Stopped = true
	v.State(st)
	v.Close()
	assert.Equal(t, before, getTermios(t, tty), "the terminal is as it was")
	waitFor(t, "the cursor shown last", func() bool { return strings.HasSuffix(out.String(), showCursor) })
	assert.Contains(t, out.String(), "Session stopped — 02:50 of 11:44")

	// The key reader is gone: what is typed now is the next program's.
	_, err = ptmx.Write([]byte("q\n"))
	require.NoError(t, err)
	assert.Equal(t, "q\n", readTTY(t, tty), "no key swallowed after Close")
	assert.Len(t, rec.got(), len(want))
	v.Close()
	Restore()
	assert.Equal(t, before, getTermios(t, tty))
}

// TestPtyKeysWithPlainOutput: keys from a terminal, output to a file.
func TestPtyKeysWithPlainOutput(t *testing.T) {
	ptmx, tty, _ := openPty(t)
	before := getTermios(t, tty)
	var out lockedBuffer
	v := New(tty, &out)
	assert.False(t, v.TTY())
	assert.True(t, v.ReadsKeys())
	assertRaw(t, tty)
	var rec recorder
	v.Keys(rec.send)
	v.State(holdState)
	_, err := ptmx.Write([]byte("n"))
	require.NoError(t, err)
	waitFor(t, "the key", func() bool { return len(rec.got()) == 1 })
	v.Close()
	assert.Equal(t, before, getTermios(t, tty))
	assert.Equal(t, PlainLine(holdState)+"\n", out.String())
}

// TestPtyResize makes the terminal narrower: the next redraw fits it.
func TestPtyResize(t *testing.T) {
	ptmx, tty, out := openPty(t)
	v := New(tty, tty)
	defer v.Close()
	v.State(holdState)
	waitFor(t, "a draw", func() bool { return v.draws.Load() == 1 })
	require.NoError(t, pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 40}))
	// The test process does not own the terminal, so the kernel tells
	// its foreground group, not us: say it ourselves.
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGWINCH))
	waitFor(t, "a redraw", func() bool { return v.draws.Load() == 2 })
	waitFor(t, "its output", func() bool { return len(frames(out.String())) == 2 })
	fs := frames(out.String())
	assert.Equal(t, Render(holdState, 39), fs[1])
	for _, l := range fs[1] {
		assert.LessOrEqual(t, stringWidth(l), 39)
	}
	// Lines of up to 99 columns drawn before, rewrapped at 40: up more than 6.
	last := out.String()[strings.LastIndex(out.String(), syncStart):]
	assert.Regexp(t, `^`+regexpQuote(syncStart)+`\r\x1b\[(9|1[0-2])A`, last)
}

func regexpQuote(s string) string { return strings.NewReplacer("[", `\[`, "?", `\?`).Replace(s) }

func TestPtyRestoreAndGuard(t *testing.T) {
	_, tty, out := openPty(t)
	before := getTermios(t, tty)
	v := New(tty, tty)
	assertRaw(t, tty)

	var r any
	func() {
		defer func() { r = recover() }()
		defer v.Guard()
		panic("boom")
	}()
	assert.Equal(t, "boom", r, "Guard panics again with the same value")
	assert.Equal(t, before, getTermios(t, tty), "after a panic the terminal is restored")
	waitFor(t, "the cursor", func() bool { return strings.Contains(out.String(), showCursor) })

	Restore()
	Restore() // as often as anyone likes
	v.State(holdState)
	waitFor(t, "a draw after restoring", func() bool { return v.draws.Load() == 1 })
	v.Close()
	assert.Equal(t, before, getTermios(t, tty))
	assert.Equal(t, 1, strings.Count(out.String(), showCursor), "restored once")

	func() {
		defer func() { r = recover() }()
		defer Guard() // the package's Guard, with no view at hand
		panic(errors.New("boom again"))
	}()
	assert.EqualError(t, r.(error), "boom again")
}

// TestPtyNotifyContext sends this process SIGINT while a view holds the
// terminal: the terminal is restored before the context is cancelled.
func TestPtyNotifyContext(t *testing.T) {
	_, tty, _ := openPty(t)
	before := getTermios(t, tty)
	v := New(tty, tty)
	defer v.Close()
	ctx, stop := NotifyContext(context.Background())
	defer stop()
	assertRaw(t, tty)
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("no cancel on SIGINT")
	}
	assert.Equal(t, before, getTermios(t, tty), "restored by the time ctx is done")
	assert.Equal(t, SignalError{Signal: os.Interrupt}, context.Cause(ctx))

	// stop alone cancels too, and releases the signals.
	ctx, stop = NotifyContext(context.Background())
	stop()
	<-ctx.Done()
	assert.ErrorIs(t, context.Cause(ctx), context.Canceled)
}

// runHelper starts this test binary as a helper on a fresh pty, the pty
// its controlling terminal, and waits until the helper's view is up.
func runHelper(t *testing.T, mode string) (cmd *exec.Cmd, ptmx, tty *os.File, out *lockedBuffer, before unix.Termios) {
	t.Helper()
	ptmx, tty, out = openPty(t)
	before = getTermios(t, tty)
	cmd = exec.Command(os.Args[0], "-test.run=^$")
	// Under -race a process that exits sleeps a second first; not here.
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "TERM=xterm", "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill() })
	waitFor(t, "the helper's view", func() bool {
		return strings.Contains(out.String(), "ready") && strings.Contains(out.String(), "Exercise 2 of 5")
	})
	assertRaw(t, tty)
	return cmd, ptmx, tty, out, before
}

func wait(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the helper did not end")
		return nil
	}
}

// TestPtySignalRestores: SIGINT or SIGTERM to a process whose view holds
// the terminal; it exits without closing the view, and the terminal is
// as it was all the same.
func TestPtySignalRestores(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, _, tty, out, before := runHelper(t, "signal")
			require.NoError(t, cmd.Process.Signal(sig))
			require.NoError(t, wait(t, cmd), "a clean exit")
			assert.Equal(t, before, getTermios(t, tty), "the terminal is restored")
			waitFor(t, "the cause", func() bool { return strings.Contains(out.String(), "cause: stopped by "+sig.String()) })
			assert.Contains(t, out.String(), showCursor)
		})
	}
}

// TestPtyBackgroundJob: a view in a background job of the terminal (coach
// run &) prints plain lines and leaves the terminal alone; touching its
// modes would have stopped the job.
func TestPtyBackgroundJob(t *testing.T) {
	_, tty, out := openPty(t)
	before := getTermios(t, tty)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=background-leader", "TERM=xterm", "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	require.NoError(t, cmd.Start())
	require.NoError(t, wait(t, cmd))
	waitFor(t, "the job's report", func() bool { return strings.Contains(out.String(), PlainLine(holdState)) })
	assert.Contains(t, out.String(), "background: tty=false keys=false")
	assert.NotContains(t, out.String(), "background job:")
	assert.Equal(t, before, getTermios(t, tty))
}

// TestPtyPanicRestores: a panic through a Guard, in main or in another
// goroutine, kills the process as a panic does, with the terminal restored
// and the trace readable.
func TestPtyPanicRestores(t *testing.T) {
	for mode, msg := range map[string]string{"panic": "panic: boom", "goroutine-panic": "panic: boom in a goroutine"} {
		t.Run(mode, func(t *testing.T) {
			cmd, ptmx, tty, out, before := runHelper(t, mode)
			_, err := ptmx.Write([]byte("h"))
			require.NoError(t, err)
			err = wait(t, cmd)
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			assert.Equal(t, 2, exit.ExitCode(), "a panic's exit")
			assert.Equal(t, before, getTermios(t, tty), "the terminal is restored")
			waitFor(t, "the trace", func() bool { return strings.Contains(out.String(), msg) })
			assert.Contains(t, out.String(), showCursor)
			// The trace follows the message; the pty is read concurrently.
			trace := regexp.MustCompile(`\n\s*goroutine \d+ \[running\]:\r?\n`)
			waitFor(t, "the goroutine trace", func() bool { return trace.MatchString(out.String()) })
		})
	}
}

package cli

import (
	"bufio"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// session is a `coach run` of the real binary whose output is read line by
// line as it comes.
type session struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func startSession(t *testing.T, env []string, args ...string) *session {
	t.Helper()
	cmd := exec.Command(coachBin, append([]string{"run"}, args...)...)
	cmd.Env = append(append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME=", "XDG_DATA_HOME="), env...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	s := &session{cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.mu.Lock()
			s.lines = append(s.lines, sc.Text())
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-s.done
		}
		cmd.Wait()
	})
	return s
}

// output is every line printed so far.
func (s *session) output() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

// waitLine waits for a line matching re and returns its submatches.
func (s *session) waitLine(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range s.output() {
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no line matching %s in:\n%s", re, strings.Join(s.output(), "\n"))
	return nil
}

var pageLine = regexp.MustCompile(`^Companion page: (http://\S+)$`)

// TestPausefloodKeepsThePlainLogShort: a page that sends pause/resume as
// fast as it can for a second (it made 10,000 log lines a second) adds a
// few lines to the plain log, and the log ends telling the state the flood
// left the session in.
func TestPauseFloodKeepsThePlainLogShort(t *testing.T) {
	s := startSession(t, nil, "upper-back", "--no-audio", "--no-checkin", "--history", "off", "--companion", "127.0.0.1:0")
	page, err := url.Parse(s.waitLine(t, pageLine)[1])
	require.NoError(t, err)
	c, _, err := websocket.DefaultDialer.Dial("ws://"+page.Host+"/ws", nil)
	require.NoError(t, err)
	defer c.Close()
	// The page's replies (states, cues, "not taking commands") are read;
	// paused is the session's state as the page last heard it.
	var paused atomic.Bool
	go func() {
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			var m struct {
				Type   string `json:"type"`
				Paused bool   `json:"paused"`
			}
			if json.Unmarshal(b, &m) == nil && m.Type == "state" {
				paused.Store(m.Paused)
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)
	before := len(s.output())
	sent := 0
	for start := time.Now(); time.Since(start) < time.Second; sent++ {
		cmd := `{"type":"command","command":"pause"}`
		if sent%2 == 1 {
			cmd = `{"type":"command","command":"resume"}`
		}
		require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(cmd)))
	}
	// The flood filled the session's queue (the rest was refused): once it
	// has drained, a last pause is taken, and the log says so as its last
	// word when the window is over.
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","command":"pause"}`)))
	require.Eventually(t, paused.Load, 5*time.Second, 10*time.Millisecond, "the session paused")
	// The window's line comes when it is over (a second); allow a loaded
	// machine its lateness.
	require.Eventually(t, func() bool {
		l := s.output()[before:]
		return len(l) > 0 && strings.Contains(l[len(l)-1], "paused")
	}, 10*time.Second, 20*time.Millisecond, "the log ends as the session is: paused")
	lines := s.output()[before:]
	t.Logf("%d commands sent in a second; %d log lines", sent+1, len(lines))
	require.Greater(t, sent, 1000, "a flood")
	assert.Less(t, len(lines), 12, strings.Join(lines, "\n"))
	require.NotEmpty(t, lines)
	assert.Contains(t, lines[len(lines)-1], "paused", "the log ends as the session is: paused")
}

// TestOpenNeverPutsTheTokenOnACommandLine: with a LAN address, --open
// hands the browser (here headless Chromium behind an xdg-open that notes
// its arguments) a one-time link: no token on any command line, yet the
// browser gets the page.
func TestOpenNeverPutsTheTokenOnACommandLine(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; .ci/run must install it")
		}
		t.Skip("chromium is not installed (make test installs it)")
	}
	bin := t.TempDir()
	args, dom := filepath.Join(bin, "args"), filepath.Join(bin, "dom")
	// Chromium's helpers may write to the profile for a moment after it
	// quits: removed best-effort, not with t.TempDir.
	profile, err := os.MkdirTemp("", "coach-chromium-")
	require.NoError(t, err)
	t.Cleanup(func() {
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	shim := `#!/bin/sh
printf '%s\n' "$@" > ` + args + `
exec ` + chromium + ` --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir=` + profile + ` --dump-dom "$1" > ` + dom + ` 2>/dev/null
`
	require.NoError(t, os.WriteFile(filepath.Join(bin, "xdg-open"), []byte(shim), 0o755))
	s := startSession(t, []string{"PATH=" + bin + ":" + os.Getenv("PATH")},
		"upper-back", "--no-audio", "--no-checkin", "--history", "off", "--companion", "0.0.0.0:0", "--open")
	printed := s.waitLine(t, pageLine)[1]
	u, err := url.Parse(printed)
	require.NoError(t, err)
	token := u.Query().Get("token")
	require.Len(t, token, 32, "the printed address carries the token, for a phone")

	var got []byte
	require.Eventually(t, func() bool {
		got, _ = os.ReadFile(dom)
		return strings.Contains(string(got), "</html>")
	}, 30*time.Second, 50*time.Millisecond, "the browser got a page")
	opened, err := os.ReadFile(args)
	require.NoError(t, err)
	assert.NotContains(t, string(opened), token, "xdg-open's command line")
	assert.Contains(t, string(opened), "/open/")
	assert.NotContains(t, string(got), "access token", "the page, not the refusal")
}

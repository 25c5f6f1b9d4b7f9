package cli

import (
	"bufio"
	"encoding/json"
	"io"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/history"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveCoach is the real binary running a session, with its stdout read
// line by line and, once it prints the page's address, a websocket client
// of the companion server.
type liveCoach struct {
	cmd   *exec.Cmd
	db    string
	lines chan string
	mu    sync.Mutex
	out   []string
	exit  chan error
}

func startCoach(t *testing.T, args ...string) *liveCoach {
	t.Helper()
	db := filepath.Join(t.TempDir(), "history.db")
	cmd := exec.Command(coachBin, append([]string{"run", "upper-back", "--no-audio", "--history", db}, args...)...)
	cmd.Env = append(cmd.Environ(), "HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	c := &liveCoach{cmd: cmd, db: db, lines: make(chan string, 4096), exit: make(chan error, 1)}
	go func() {
		c.read(stdout)
		c.exit <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return c
}

// read collects coach's output lines until it closes.
func (c *liveCoach) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		c.mu.Lock()
		c.out = append(c.out, sc.Text())
		c.mu.Unlock()
		select {
		case c.lines <- sc.Text():
		default:
		}
	}
	close(c.lines)
}

// waitLine reads lines until one contains text.
func (c *liveCoach) waitLine(t testing.TB, text string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("coach ended before %q", text)
			}
			if strings.Contains(l, text) {
				return l
			}
		case <-timeout:
			t.Fatalf("no %q from coach", text)
		}
	}
}

func (c *liveCoach) wait(t *testing.T) (string, error) {
	t.Helper()
	select {
	case err := <-c.exit:
		c.mu.Lock()
		defer c.mu.Unlock()
		return strings.Join(c.out, "\n"), err
	case <-time.After(30 * time.Second):
		t.Fatal("coach did not end")
		return "", nil
	}
}

// page is a websocket client of the companion server, as the page is.
type page struct {
	conn    *websocket.Conn
	mu      sync.Mutex
	last    coach.State
	hello   map[string]any
	summary chan summaryMsg
}

type summaryMsg struct {
	Record  coach.Record `json:"record"`
	History struct {
		StreakDays int          `json:"streak_days"`
		Week       history.Week `json:"week"`
	} `json:"history"`
}

func openPage(t testing.TB, c *liveCoach) *page {
	t.Helper()
	line := c.waitLine(t, "Companion page: ")
	u, err := url.Parse(strings.TrimSpace(strings.TrimPrefix(line, "Companion page: ")))
	require.NoError(t, err)
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+u.Host+"/ws", nil)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	p := &page{conn: conn, summary: make(chan summaryMsg, 1)}
	ready := make(chan struct{})
	go func() {
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var m struct {
				Type string `json:"type"`
			}
			json.Unmarshal(b, &m)
			switch m.Type {
			case "hello":
				p.mu.Lock()
				json.Unmarshal(b, &p.hello)
				p.mu.Unlock()
				close(ready)
			case "state":
				var st coach.State
				json.Unmarshal(b, &st)
				p.mu.Lock()
				p.last = st
				p.mu.Unlock()
			case "summary":
				var s summaryMsg
				json.Unmarshal(b, &s)
				p.summary <- s
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("no hello from the companion server")
	}
	return p
}

func (p *page) state() coach.State {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

func (p *page) send(t testing.TB, cmd coach.Command) {
	t.Helper()
	require.NoError(t, p.conn.WriteJSON(map[string]string{"type": "command", "command": string(cmd)}))
}

func (p *page) waitState(t testing.TB, what string, ok func(coach.State) bool) coach.State {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if st := p.state(); ok(st) {
			return st
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("waiting for %s; last state: %+v", what, p.state())
	return coach.State{}
}

func historyJSON(t *testing.T, db string) history.Report {
	t.Helper()
	r := run(t, nil, "history", "--history", db, "--json")
	require.Equal(t, 0, r.code, r.err)
	var rep history.Report
	require.NoError(t, json.Unmarshal([]byte(r.out), &rep))
	return rep
}

var endLine = regexp.MustCompile(`Session (\w+) — (\d+):(\d+) spent, (\d+) of (\d+) exercises, (\d+) of (\d+) reps(?:, (\d+) skipped)?(?:, (\d+) pain stops?)?`)

// The page's finish screen, the terminal's end line and `coach history
// --json` read one record: after skips, a pain stop, a back and a quit they
// agree number for number (the real binary, SQLite file and websocket).
func TestOneRecordEverywhere(t *testing.T) {
	c := startCoach(t, "--speed", "20", "--companion", "127.0.0.1:0", "--no-checkin")
	p := openPage(t, c)
	assert.NotEmpty(t, p.hello["controls"], "the page is sent the control table")

	p.waitState(t, "rep 3 of shoulder rolls", func(st coach.State) bool { return st.ExerciseIndex == 0 && st.Rep >= 3 })
	p.send(t, coach.CmdNext)
	p.waitState(t, "child's pose", func(st coach.State) bool { return st.ExerciseIndex == 1 && st.Rep >= 1 })
	p.send(t, coach.CmdPain)
	p.waitState(t, "rep 2 of open books", func(st coach.State) bool { return st.ExerciseIndex == 2 && st.Rep >= 2 })
	p.send(t, coach.CmdBack)
	p.waitState(t, "open books again", func(st coach.State) bool { return st.ExerciseIndex == 2 && st.Rep == 1 })
	p.waitState(t, "rep 2 of open books again", func(st coach.State) bool { return st.ExerciseIndex == 2 && st.Rep >= 2 })
	p.send(t, coach.CmdStop)

	var sum summaryMsg
	select {
	case sum = <-p.summary:
	case <-time.After(20 * time.Second):
		t.Fatal("no summary on the page")
	}
	out, err := c.wait(t)
	require.NoError(t, err, out)
	rec := sum.Record
	tot := rec.Totals()
	assert.Equal(t, coach.StatusStopped, rec.Status)
	assert.True(t, rec.Practice, "--speed is practice")
	assert.True(t, rec.Exercises[0].Skipped)
	assert.True(t, rec.Exercises[1].PainStop)
	assert.False(t, rec.Exercises[1].Skipped)
	assert.Positive(t, rec.Exercises[0].DoneReps)
	assert.Positive(t, rec.Exercises[2].DoneReps)
	assert.Equal(t, 1, tot.Skipped)
	assert.Equal(t, 1, tot.PainStops)

	m := endLine.FindStringSubmatch(out)
	require.NotNil(t, m, "the terminal's end line:\n%s", out)
	num := func(i int) int { n, _ := strconv.Atoi(m[i]); return n }
	assert.Equal(t, "stopped", m[1])
	assert.Equal(t, int(rec.Spent().Round(time.Second).Seconds()), num(2)*60+num(3), "time spent")
	assert.Equal(t, []int{tot.Completed, tot.Exercises, tot.DoneReps, tot.PlannedReps, tot.Skipped, tot.PainStops},
		[]int{num(4), num(5), num(6), num(7), num(8), num(9)}, "the terminal says what the page says")

	rep := historyJSON(t, c.db)
	require.Len(t, rep.Sessions, 1)
	stored := rep.Sessions[0]
	assert.Equal(t, rec.StartedAt.UnixMicro(), stored.StartedAt.UnixMicro())
	assert.Equal(t, rec.EndedAt.UnixMicro(), stored.EndedAt.UnixMicro())
	stored.StartedAt, stored.EndedAt = rec.StartedAt, rec.EndedAt
	assert.Equal(t, rec, stored, "the history stores the page's record, field for field")
	assert.Equal(t, 0, rep.Week.Done, "practice never counts")
}

// SIGHUP (the terminal closed) and a closed stdout (coach run | head) end
// the session as stopped and record it, instead of killing the process
// with the session left running.
func TestHangupAndClosedOutputRecordStopped(t *testing.T) {
	t.Run("SIGHUP", func(t *testing.T) {
		c := startCoach(t, "--speed", "10", "--companion", "127.0.0.1:0", "--no-checkin")
		p := openPage(t, c)
		c.waitLine(t, "shoulder-rolls  rep 2")
		require.NoError(t, c.cmd.Process.Signal(syscall.SIGHUP))
		out, err := c.wait(t)
		require.NoError(t, err, out)
		assert.Contains(t, out, "Session stopped — ")
		select {
		case sum := <-p.summary:
			assert.Equal(t, coach.StatusStopped, sum.Record.Status, "the page gets the record of a session a signal ended")
		case <-time.After(5 * time.Second):
			t.Error("no summary on the page after SIGHUP")
		}
		rep := historyJSON(t, c.db)
		require.Len(t, rep.Sessions, 1)
		assert.Equal(t, coach.StatusStopped, rep.Sessions[0].Status)
		assert.Positive(t, rep.Sessions[0].Totals().DoneReps)
	})
	t.Run("closed stdout", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "history.db")
		cmd := exec.Command(coachBin, "run", "upper-back", "--no-audio", "--speed", "10", "--companion", "off", "--no-checkin", "--history", db)
		cmd.Env = append(cmd.Environ(), "HOME="+t.TempDir())
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		defer cmd.Process.Kill()
		r := bufio.NewReader(stdout)
		for range 3 { // head -3
			_, err := r.ReadString('\n')
			require.NoError(t, err)
		}
		stdout.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			assert.NoError(t, err, "not killed by SIGPIPE (exit 141)")
		case <-time.After(20 * time.Second):
			t.Fatal("coach did not notice its output was closed")
		}
		rep := historyJSON(t, db)
		require.Len(t, rep.Sessions, 1)
		assert.Equal(t, coach.StatusStopped, rep.Sessions[0].Status)
	})
}

// A process stopped for 10 s (kill -STOP, Ctrl-Z, a closed laptop) resumes
// where it was: the wall clock does not catch up, nothing is counted as
// heard that was not, and the gap is recorded as paused.
func TestStoppedProcessDoesNotAdvance(t *testing.T) {
	c := startCoach(t, "--speed", "10", "--companion", "127.0.0.1:0", "--no-checkin")
	p := openPage(t, c)
	before := p.waitState(t, "the first exercise", func(st coach.State) bool { return st.ExerciseIndex == 0 && st.Rep >= 2 })
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGSTOP))
	time.Sleep(10 * time.Second)
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGCONT))
	time.Sleep(500 * time.Millisecond)
	after := p.waitState(t, "a state after the stop", func(st coach.State) bool { return st.Seq > before.Seq+1 })
	advanced := time.Duration(after.ElapsedMS-before.ElapsedMS) * time.Millisecond
	t.Logf("stopped 10 s at 10x: the session advanced %s of timeline", advanced)
	assert.Less(t, advanced, 30*time.Second, "10 s frozen at 10x would have jumped 100 s")
	p.send(t, coach.CmdStop)
	out, err := c.wait(t)
	require.NoError(t, err, out)
	rep := historyJSON(t, c.db)
	require.Len(t, rep.Sessions, 1)
	rec := rep.Sessions[0]
	assert.GreaterOrEqual(t, rec.PausedMS, int64(9000), "the freeze is recorded as paused")
	assert.Less(t, rec.SpentMS, int64(9000), "and not as time spent")
	for _, e := range rec.Exercises[1:] {
		assert.Zero(t, e.DoneReps, "%s was never played", e.ID)
	}
}

package companion

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coach-dev/coach/internal/history"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// coachBinary builds the real coach once for the tests that run it.
var coachBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "coach-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "coach")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/coach-dev/coach/cmd/coach").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// The finish screen shows the session's record: after a check-in answered
// with a key, a skip, a pain stop (held on the page), a back and a stop
// from the page, its numbers are those `coach history --json` stores for
// the same session (the real binary, its SQLite file, headless Chromium).
func TestFinishScreenEqualsHistory(t *testing.T) {
	tab := newBrowser(t)
	bin, err := coachBinary()
	require.NoError(t, err)
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	cmd := exec.Command(bin, "run", "upper-back", "--no-audio", "--speed", "4", "--companion", "127.0.0.1:0", "--history", db)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Companion page: "); ok {
				addr <- strings.TrimSpace(u)
			}
		}
	}()
	var url string
	select {
	case url = <-addr:
	case <-time.After(30 * time.Second):
		t.Fatal("coach printed no companion address")
	}
	is := func(js string) chromedp.Action { return waitJS(js) }
	text := func(id, want string) chromedp.Action {
		return is(`document.getElementById(` + jsString(id) + `).textContent === ` + jsString(want))
	}
	require.NoError(t, within(tab, 60*time.Second,
		chromedp.Navigate(url), viewports[0].apply(),
		is(`document.getElementById("app").dataset.view === "checkin"`), key("3"),
		text("exercise", "Shoulder rolls"), text("rep", "Rep 2 of 10"),
		chromedp.Click(`#transport [data-command="next"]`, chromedp.ByQuery),
		text("exercise", "Child's pose"), text("rep", "Rep 1 of 3"),
		holdAt(".pain", 900*time.Millisecond),
		is(`document.getElementById("app").dataset.view === "ack"`),
		text("exercise", "Open books"), text("rep", "Rep 2 of 10"),
		key("b"), text("rep", "Rep 1 of 10"), text("rep", "Rep 2 of 10"),
		chromedp.Click(`#quit [data-command="stop"]`, chromedp.ByQuery),
		is(`document.getElementById("f-exercises").textContent.includes(" of ")`),
	), "the page drives the session to its end")
	fig := finishFigures(t, tab)
	screenshot(t, tab, "finish-after-quit-phone-portrait")
	assert.Empty(t, axeViolations(t, tab), "the finish screen: axe-core")

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("coach did not end")
	}
	out, err := exec.Command(bin, "history", "--history", db, "--json").Output()
	require.NoError(t, err)
	var rep history.Report
	require.NoError(t, json.Unmarshal(out, &rep))
	require.Len(t, rep.Sessions, 1)
	rec := rep.Sessions[0]
	tot := rec.Totals()
	require.Equal(t, 1, tot.Skipped, "the skip is recorded")
	require.Equal(t, 1, tot.PainStops, "the pain stop is recorded")
	painAfter := "–"
	if rec.PainAfter != nil {
		painAfter = fmt.Sprint(*rec.PainAfter)
	}
	require.NotNil(t, rec.PainBefore)
	week := fmt.Sprintf("%d of %d", rep.Week.Done, rep.Week.Target)
	assert.Equal(t, map[string]string{
		"title":     "Session stopped",
		"spent":     mmss(rec.SpentMS),
		"exercises": fmt.Sprintf("%d of %d", tot.Completed, tot.Exercises),
		"reps":      fmt.Sprintf("%d of %d", tot.DoneReps, tot.PlannedReps),
		"skipped":   fmt.Sprint(tot.Skipped),
		"pain":      fmt.Sprint(tot.PainStops),
		"painba":    fmt.Sprintf("%d → %s", *rec.PainBefore, painAfter),
		"streak":    fmt.Sprintf("%d days", rep.StreakDays),
		"week":      week,
	}, fig, "the finish screen says what the history stores")
	assert.Equal(t, 3, *rec.PainBefore, "the digit key's answer")
}

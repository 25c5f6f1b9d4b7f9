package companion

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/scripts"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run must install it")
	}
	t.Skip("chromium is not installed (make test installs it)")
	return ""
}

// TestPageInRealBrowser follows a real session (the built-in routine on the
// wall clock at 20x, silent) in headless Chromium: the exercise and rep
// advance, pause and resume work from the page and the server reports them.
func TestPageInRealBrowser(t *testing.T) {
	bin := chromium(t)
	routines, err := coach.LoadBuiltin(scripts.FS)
	require.NoError(t, err)
	pack, err := voice.Default()
	require.NoError(t, err)
	tl, err := coach.Compile(routines[0], pack, coach.Options{CheckIn: true})
	require.NoError(t, err)
	pl, err := voice.Placements(tl, pack)
	require.NoError(t, err)
	mixer := voice.NewMixer(pl, tl.Length, 1)
	clock := voice.NewClockSink(tl.Rate, 5) // slow enough to answer the check-in
	sess := coach.NewSession(tl, voice.PackPlayer{Mixer: mixer, Pack: pack}, clock.Buffered, coach.Config{Speed: 5})
	var paused, pain atomic.Bool
	var rating atomic.Int64
	rating.Store(-1)
	sess.OnState(func(st coach.State) { paused.Store(st.Paused) })
	sess.OnRecord(func(r coach.Record) {
		for _, e := range r.Exercises {
			if e.PainStop {
				pain.Store(true)
			}
		}
		if r.PainBefore != nil {
			rating.Store(int64(*r.PainBefore))
		}
	})

	days := make([]map[string]any, 14)
	for i := range days {
		days[i] = map[string]any{"date": time.Now().AddDate(0, 0, i-13).Format("2006-01-02"), "sessions": i % 3, "completed": i % 3 / 2}
	}
	srv, err := New(Options{Addr: "127.0.0.1:0", History: func() (any, error) { return days, nil }})
	require.NoError(t, err)
	srv.Attach(sess)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.Start(ctx)
	defer srv.Close()

	// Chromium's helpers may still write to the profile for a moment after
	// the browser is told to quit, so it is removed best-effort rather than
	// with t.TempDir, whose cleanup fails the test on a busy folder.
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
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	bctx, tcancel := context.WithTimeout(bctx, 60*time.Second)
	defer tcancel()

	textIs := func(sel, want string) chromedp.Action {
		return chromedp.Poll(`document.querySelector("`+sel+`").textContent.includes("`+want+`")`, nil, chromedp.WithPollingTimeout(20*time.Second))
	}
	// The session starts once the page is up, so a slow browser start on a
	// loaded machine cannot miss the check-in.
	var nDays int
	require.NoError(t, chromedp.Run(bctx, chromedp.Navigate(srv.URL()), textIs("#conn", "live"),
		chromedp.Poll(`document.querySelectorAll("#days .day").length === 14`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(`document.querySelectorAll("#days .day").length`, &nDays)))
	assert.Equal(t, 14, nDays, "the last 14 days are shown")
	require.NoError(t, clock.Start(mixer))
	defer clock.Close()
	go sess.Run(ctx)
	require.NoError(t, chromedp.Run(bctx,
		chromedp.WaitVisible(`#rating`, chromedp.ByID),
		chromedp.Click(`#rating button[data-command="rate-4"]`, chromedp.ByQuery),
		textIs("#exercise", "Shoulder rolls"),
		textIs("#position", "Exercise 1 of 5"),
		textIs("#rep", "Rep 2 of 10"),
		textIs("#rep", "Rep 3 of 10"),
	), "the page follows the session")
	assert.Equal(t, int64(4), rating.Load(), "the check-in answer from the page reached the session")

	var png []byte
	require.NoError(t, chromedp.Run(bctx, chromedp.Click("#pause", chromedp.ByID), textIs("#pause", "Resume")))
	require.Eventually(t, paused.Load, 5*time.Second, 10*time.Millisecond, "the session paused")
	var before, after string
	require.NoError(t, chromedp.Run(bctx,
		chromedp.Text("#clock", &before, chromedp.ByID),
		chromedp.Sleep(500*time.Millisecond),
		chromedp.Text("#clock", &after, chromedp.ByID),
		chromedp.CaptureScreenshot(&png),
	))
	assert.Equal(t, before, after, "the clock stands still while paused")
	require.NoError(t, chromedp.Run(bctx, chromedp.Click("#pause", chromedp.ByID), textIs("#pause", "Pause")))
	require.Eventually(t, func() bool { return !paused.Load() }, 5*time.Second, 10*time.Millisecond, "the session resumed")
	require.NoError(t, chromedp.Run(bctx, textIs("#rep", "Rep 4 of 10")))

	// Next from the page moves the session on; "This hurts" stops the
	// exercise, says the pain line and is recorded.
	require.NoError(t, chromedp.Run(bctx, chromedp.Click("#nextbtn", chromedp.ByID), textIs("#exercise", "Child")))
	require.NoError(t, chromedp.Run(bctx, chromedp.Click("#pain", chromedp.ByID), textIs("#exercise", "Open books"), textIs("#caption", "Stop this exercise now")))
	assert.True(t, pain.Load(), "the pain stop reached the session")

	shot := filepath.Join(t.TempDir(), "companion.png")
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	os.WriteFile(filepath.Join(os.TempDir(), "companion.png"), png, 0o644)
	t.Logf("screenshot: %s (copy in %s)", shot, filepath.Join(os.TempDir(), "companion.png"))
	assert.True(t, strings.HasPrefix(string(png), "\x89PNG"))
}

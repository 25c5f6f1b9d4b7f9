package companion

import (
	"context"
	_ "embed"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/require"
)

// axeJS is axe-core's browser build (testdata/axe/README.md: version,
// integrity and licence), injected into the page to check accessibility.
//
//go:embed testdata/axe/axe.min.js
var axeJS string

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

// newBrowser starts headless Chromium with the flags that work as root and
// without a network, plus any extra ones, and returns its first tab. The
// browser quits when the test ends.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	bin := chromium(t)
	// Chromium's helpers may still write to the profile for a moment after
	// the browser quits, so it is removed best-effort rather than with
	// t.TempDir, whose cleanup fails the test on a busy folder.
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
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	)
	opts = append(opts, extra...)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() { bcancel(); acancel() })
	require.NoError(t, chromedp.Run(bctx), "start chromium")
	return bctx
}

// within bounds a browser step so a stuck page fails the test instead of
// hanging it.
func within(ctx context.Context, d time.Duration, actions ...chromedp.Action) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return chromedp.Run(ctx, actions...)
}

// waitJS polls a JavaScript condition in the page.
func waitJS(cond string) chromedp.Action {
	return chromedp.Poll(cond, nil, chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(20*time.Millisecond))
}

// evalJSON evaluates an expression (awaiting a promise) and decodes its
// JSON value into v.
func evalJSON(expr string, v any) chromedp.Action {
	return chromedp.Evaluate(expr, v, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	})
}

// settle waits until the page has laid out and painted twice.
var settle = evalJSON(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, nil)

// key presses a key as a person does: keydown, keypress, keyup.
func key(k string) chromedp.Action { return chromedp.KeyEvent(k) }

// holdAt presses the mouse on an element's centre for d, then lets go.
func holdAt(sel string, d time.Duration) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var c struct{ X, Y float64 }
		if err := chromedp.Run(ctx, evalJSON(`(() => { const b = document.querySelector(`+jsString(sel)+`).getBoundingClientRect(); return {X: b.left + b.width / 2, Y: b.top + b.height / 2}; })()`, &c)); err != nil {
			return err
		}
		if err := input.DispatchMouseEvent(input.MousePressed, c.X, c.Y).WithButton(input.Left).WithButtons(1).WithClickCount(1).Do(ctx); err != nil {
			return err
		}
		time.Sleep(d)
		return input.DispatchMouseEvent(input.MouseReleased, c.X, c.Y).WithButton(input.Left).WithClickCount(1).Do(ctx)
	})
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// viewport is a screen the page must work on from across the room.
type viewport struct {
	name  string
	w, h  int64
	scale float64 // 2: the laptop at 200 % zoom (half the CSS pixels, twice the density)
	dark  bool
}

// The devices people prop up: phone portrait and landscape, tablet,
// laptop, and the laptop at 200 % zoom; light and dark schemes alternate.
var viewports = []viewport{
	{"phone-portrait", 390, 844, 1, false},
	{"phone-landscape", 844, 390, 1, true},
	{"tablet", 820, 1180, 1, false},
	{"laptop", 1280, 800, 1, true},
	{"laptop-200pct", 640, 400, 2, false},
}

func (v viewport) apply() chromedp.Action {
	scheme := "light"
	if v.dark {
		scheme = "dark"
	}
	return chromedp.Tasks{
		chromedp.EmulateViewport(v.w, v.h, chromedp.EmulateScale(v.scale)),
		emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}),
		settle,
	}
}

// shots is where screenshots are kept for people to look at: named in the
// log, emptied at the start of each run, never committed.
var shots = sync.OnceValue(func() string {
	dir := os.Getenv("COACH_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "coach-page-screenshots")
	}
	os.RemoveAll(dir)
	os.MkdirAll(dir, 0o755)
	return dir
})

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	require.NoError(t, within(ctx, 20*time.Second, chromedp.CaptureScreenshot(&png)))
	require.True(t, strings.HasPrefix(string(png), "\x89PNG"))
	require.NoError(t, os.WriteFile(filepath.Join(shots(), name+".png"), png, 0o644))
}

// axeViolations runs axe-core in the page (injecting it on first use) and
// returns one line per violation.
func axeViolations(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var loaded bool
	require.NoError(t, within(ctx, 20*time.Second, chromedp.Evaluate(`typeof window.axe === "object"`, &loaded)))
	if !loaded {
		require.NoError(t, within(ctx, 30*time.Second, chromedp.Evaluate(axeJS+";true", nil)))
	}
	var res struct {
		Violations []string `json:"violations"`
		Passes     int      `json:"passes"`
	}
	require.NoError(t, within(ctx, 60*time.Second, evalJSON(`axe.run(document, {resultTypes: ["violations"]}).then((r) => ({passes: r.passes.length,
		violations: r.violations.flatMap((v) => v.nodes.map((n) => v.id + " (" + v.impact + "): " + v.help + " at " + n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\s+/g, " ")))}))`, &res)))
	require.Positive(t, res.Passes, "axe-core ran its rules")
	return res.Violations
}

// stepped is a real session (the built-in routine, compiled with the
// default pack, mixed by the real mixer) whose clock is the test's hand:
// frames are pulled from the mixer, in odd-sized chunks as a sound card
// would, only when the test moves on. Every state can be held still while
// the page is measured at every viewport.
type stepped struct {
	tl    *coach.Timeline
	mixer *voice.Mixer
	sess  *coach.Session
	buf   []float32

	mu   sync.Mutex
	rec  coach.Record
	done chan coach.Record
}

func newStepped(t *testing.T, opt coach.Options, speed float64) *stepped {
	t.Helper()
	tl, pack, pl := builtin(t, opt)
	s := &stepped{tl: tl, mixer: voice.NewMixer(pl, tl.Length, 1), buf: make([]float32, 479), done: make(chan coach.Record, 1)}
	// Speed only sets how long the pain line holds the session in wall
	// time; nothing else moves unless the test pulls frames.
	s.sess = coach.NewSession(tl, voice.PackPlayer{Mixer: s.mixer, Pack: pack}, nil, coach.Config{Speed: speed, MaxWait: time.Hour})
	s.sess.OnRecord(func(r coach.Record) { s.mu.Lock(); s.rec = r; s.mu.Unlock() })
	return s
}

func (s *stepped) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { s.done <- s.sess.Run(ctx) }()
	t.Cleanup(cancel)
}

func (s *stepped) record() coach.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec.Clone()
}

// to plays the timeline up to frame (the heard position, as a sink would
// have pulled it) and lets the session look.
func (s *stepped) to(t *testing.T, frame int64) {
	t.Helper()
	stalled := int64(0)
	for pos := s.mixer.Position(); pos < frame; pos = s.mixer.Position() {
		n := min(int64(len(s.buf)), frame-pos)
		s.mixer.Stream(s.buf[:n])
		if s.mixer.Position() == pos {
			// Saying the pain line holds the timeline a few seconds; a
			// paused mixer never moves, which a test must not ask for.
			if stalled += n; stalled > 60*int64(s.tl.Rate) {
				t.Fatalf("the mixer does not move on from frame %d: paused?", pos)
			}
		}
	}
	s.sess.Wake()
}

// seg finds the first segment at or after from that matches.
func (s *stepped) seg(t *testing.T, what string, ok func(coach.Segment) bool) coach.Segment {
	t.Helper()
	for _, g := range s.tl.Segments {
		if ok(g) {
			return g
		}
	}
	t.Fatalf("no segment: %s", what)
	return coach.Segment{}
}

// cueIn is the middle of the first line said in the segment: a frame
// with a caption.
func (s *stepped) cueIn(t *testing.T, g coach.Segment) int64 {
	t.Helper()
	for _, c := range s.tl.Cues {
		if c.At >= g.Start && c.At < g.End {
			return (c.At + min(c.End, g.End)) / 2
		}
	}
	t.Fatalf("no line in segment %+v", g)
	return 0
}

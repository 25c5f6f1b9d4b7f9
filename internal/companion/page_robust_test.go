package companion

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveStepped serves a stepped session of the built-in routine on addr
// (a fixed address lets a second session take the first one's place).
func serveStepped(t *testing.T, addr, session string) (*Server, *stepped, context.CancelFunc) {
	t.Helper()
	s := newStepped(t, coach.Options{}, 1)
	srv, err := New(Options{Addr: addr, Hello: Hello{Session: session, Routine: s.tl.Routine, Title: s.tl.Title}, Pictures: s.tl.Pictures()})
	require.NoError(t, err)
	srv.Attach(s.sess)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { cancel(); srv.Close() })
	s.run(t)
	return srv, s, cancel
}

// When coach goes away mid-session the whole page says so and its buttons
// do nothing; a new session on the same address is picked up by itself,
// mid-session and after a session has ended.
func TestPageConnectionLostAndNextSession(t *testing.T) {
	tab := newBrowser(t)
	srv1, s1, _ := serveStepped(t, "127.0.0.1:0", "first")
	addr := local(srv1)
	s1.to(t, s1.seg(t, "move", func(g coach.Segment) bool { return g.Exercise == 0 && g.Rep == 1 }).Start)
	require.NoError(t, within(tab, 30*time.Second, chromedp.Navigate("http://"+addr+"/"),
		waitJS(`document.getElementById("exercise").textContent === "Shoulder rolls"`)))
	require.NoError(t, within(tab, 5*time.Second, viewports[0].apply()))

	require.NoError(t, srv1.Close())
	require.NoError(t, within(tab, 10*time.Second, waitJS(`!document.getElementById("lost").hidden`)))
	var lost struct {
		Disabled, Buttons int
		Inert             bool
		Cover             bool
	}
	require.NoError(t, within(tab, 5*time.Second, evalJSON(`(() => { const b = [...document.querySelectorAll(".bar button")];
		const r = document.getElementById("lost").getBoundingClientRect();
		return {Buttons: b.length, Disabled: b.filter((x) => x.disabled).length, Inert: document.getElementById("app").inert,
			Cover: r.left <= 0 && r.top <= 0 && r.right >= innerWidth && r.bottom >= innerHeight}; })()`, &lost)))
	assert.Positive(t, lost.Buttons)
	assert.Equal(t, lost.Buttons, lost.Disabled, "every button is disabled while the connection is lost")
	assert.True(t, lost.Inert, "nothing beneath the overlay can be pressed")
	assert.True(t, lost.Cover, "the overlay covers the whole screen")
	for _, v := range viewports {
		var cut []string
		require.NoError(t, within(tab, 10*time.Second, v.apply(), evalJSON(`[...document.querySelectorAll("#lost h2, #lost p")].filter((el) => {
			const r = el.getBoundingClientRect();
			return r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight || el.scrollWidth > el.clientWidth + 1; }).map((el) => el.id)`, &cut)))
		assert.Empty(t, cut, "connection lost @ %s: nothing cut off", v.name)
		screenshot(t, tab, "connection-lost-"+v.name)
	}
	assert.Empty(t, axeViolations(t, tab), "connection lost: axe-core")

	// The next session on the same address, mid-way: picked up, controls back.
	srv2, s2, _ := serveStepped(t, addr, "second")
	require.Equal(t, addr, local(srv2), "the same address")
	s2.to(t, s2.seg(t, "child's pose", func(g coach.Segment) bool { return g.Exercise == 1 && g.Rep == 0 }).Start)
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("exercise").textContent === "Child's pose" && document.getElementById("lost").hidden`)))
	var enabled bool
	require.NoError(t, within(tab, 5*time.Second, chromedp.Evaluate(`[...document.querySelectorAll(".bar button")].every((b) => !b.disabled) && !document.getElementById("app").inert`, &enabled)))
	assert.True(t, enabled, "the controls work again")

	// Stop from the page ends it: the finish screen stays, with no alarm,
	// when coach then goes away; the session after that is picked up too.
	require.NoError(t, within(tab, 10*time.Second, chromedp.Click(`#quit button[data-command="stop"]`, chromedp.ByQuery)))
	var rec coach.Record
	select {
	case rec = <-s2.done:
	case <-time.After(10 * time.Second):
		t.Fatal("stop from the page did not end the session")
	}
	assert.Equal(t, coach.StatusStopped, rec.Status)
	require.NoError(t, within(tab, 10*time.Second, waitJS(`document.getElementById("app").dataset.view === "finish"`)))
	require.NoError(t, srv2.Close()) // as coach run does once the session has ended
	time.Sleep(time.Second)
	var hidden bool
	require.NoError(t, within(tab, 5*time.Second, chromedp.Evaluate(`document.getElementById("lost").hidden`, &hidden)))
	assert.True(t, hidden, "after the end, a closed connection is no alarm")
	srv3, s3, _ := serveStepped(t, addr, "third")
	require.Equal(t, addr, local(srv3), "the same address")
	s3.to(t, s3.seg(t, "open books", func(g coach.Segment) bool { return g.Exercise == 2 && g.Rep == 0 }).Start)
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("app").dataset.view === "live" && document.getElementById("exercise").textContent === "Open books"`)),
		"the finished page follows the next session")
}

// The screen stays on: through the Wake Lock API where the page is a
// secure context (this machine's own address), and through a playing
// video where it is not (a phone reaching the laptop by its LAN name).
func TestPageKeepsScreenAwake(t *testing.T) {
	type awake struct {
		Secure, API bool
		Wake        string
		Playing     bool
		Stream      bool
		Inside      bool
		Time        float64
	}
	probe := `(() => { const v = document.getElementById("keepawake"), r = v.getBoundingClientRect();
		return {Secure: isSecureContext, API: "wakeLock" in navigator, Wake: document.documentElement.dataset.wake,
			Playing: !v.paused && v.readyState >= 2, Stream: v.srcObject instanceof MediaStream && v.srcObject.getVideoTracks().some((t) => t.readyState === "live"),
			Inside: r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight, Time: v.currentTime}; })()`

	t.Run("LAN name, not a secure context", func(t *testing.T) {
		host, err := os.Hostname()
		require.NoError(t, err)
		name := strings.ToLower(host)
		if !strings.Contains(name, ".") {
			name += ".local" // how a phone finds the laptop on the LAN
		}
		tab := newBrowser(t, chromedp.Flag("host-resolver-rules", "MAP "+name+" 127.0.0.1"))
		srv, s, _ := serveStepped(t, "127.0.0.1:0", "lan")
		s.to(t, s.seg(t, "move", func(g coach.Segment) bool { return g.Exercise == 0 && g.Rep == 0 }).Start)
		_, port, _ := strings.Cut(local(srv), ":")
		require.NoError(t, within(tab, 30*time.Second, chromedp.Navigate("http://"+name+":"+port+"/"),
			waitJS(`document.getElementById("exercise").textContent === "Shoulder rolls"`),
			waitJS(`document.documentElement.dataset.wake === "video"`)))
		var a, b awake
		require.NoError(t, within(tab, 10*time.Second, evalJSON(probe, &a), chromedp.Sleep(2500*time.Millisecond), evalJSON(probe, &b)))
		assert.False(t, a.Secure, "%s is not a secure context", name)
		assert.False(t, a.API, "so the Wake Lock API is missing")
		assert.Equal(t, "video", a.Wake)
		assert.True(t, a.Playing && a.Stream && a.Inside, "a live stream plays, fully in view: %+v", a)
		assert.Greater(t, b.Time, a.Time, "and keeps playing")
	})

	t.Run("loopback, a secure context", func(t *testing.T) {
		tab := newBrowser(t)
		srv, s, _ := serveStepped(t, "127.0.0.1:0", "local")
		s.to(t, s.seg(t, "move", func(g coach.Segment) bool { return g.Exercise == 0 && g.Rep == 0 }).Start)
		origin := "http://" + local(srv)
		require.NoError(t, within(tab, 10*time.Second, browser.SetPermission(&browser.PermissionDescriptor{Name: "screen-wake-lock"}, browser.PermissionSettingGranted).WithOrigin(origin)))
		require.NoError(t, within(tab, 30*time.Second, chromedp.Navigate(origin+"/"),
			waitJS(`document.getElementById("exercise").textContent === "Shoulder rolls"`)))
		var a awake
		require.NoError(t, within(tab, 20*time.Second, waitJS(`document.documentElement.dataset.wake !== "none"`), evalJSON(probe, &a)))
		assert.True(t, a.Secure)
		assert.True(t, a.API)
		assert.Equal(t, "wake-lock", a.Wake, "the Wake Lock API holds the screen")
	})
}

// The page's buttons, labels and keys are the hello's table, whatever it
// says: a renamed control with another key shows and works as sent.
func TestPageBuildsControlsFromHello(t *testing.T) {
	tab := newBrowser(t)
	ctl := &fakeController{}
	controls := append([]coach.Control(nil), coach.Controls...)
	for i, c := range controls {
		if c.Command == coach.CmdToggle {
			controls[i].Label, controls[i].Keys = "Hold on", []string{"w"}
		}
	}
	srv := startServer(t, Options{Controller: ctl, Hello: Hello{Session: "x", Controls: controls}}, nil)
	srv.Publish(coach.State{Seq: 1, Routine: "r", Title: "R", Phase: "intro", PhaseMS: 5000, PhaseLeftMS: 4000, ExerciseIndex: -1})
	var labels []string
	require.NoError(t, within(tab, 30*time.Second, chromedp.Navigate("http://"+local(srv)+"/"),
		waitJS(`document.querySelectorAll(".bar button").length > 0`),
		chromedp.Evaluate(`[...document.querySelectorAll(".bar button")].map((b) => b.firstChild.textContent)`, &labels)))
	var want []string
	for _, c := range controls {
		if c.Button {
			want = append(want, c.Label)
		}
	}
	assert.ElementsMatch(t, want, labels)
	assert.Contains(t, labels, "Hold on")
	require.NoError(t, within(tab, 10*time.Second, key("W"), key(" ")))
	require.Eventually(t, func() bool { return len(ctl.got()) >= 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, []coach.Command{coach.CmdPause}, ctl.got(), "W pauses (the page asks for pause as the state is not paused); Space is no key of this table")

	// Keyboard focus is plain to see on every control.
	for range labels {
		var focus struct {
			Tag, Style string
			Width      float64
		}
		require.NoError(t, within(tab, 5*time.Second, key("\t"), evalJSON(`(() => { const el = document.activeElement, cs = getComputedStyle(el);
			return {Tag: el.tagName, Style: cs.outlineStyle, Width: parseFloat(cs.outlineWidth)}; })()`, &focus)))
		assert.Equal(t, "BUTTON", focus.Tag)
		assert.Equal(t, "solid", focus.Style, "a visible outline")
		assert.GreaterOrEqual(t, focus.Width, 3.0)
	}
}

// Live regions are announced on every write, even of the same text: the
// page writes them only when their text changes.
func TestPageLiveRegionsWriteOnlyChanges(t *testing.T) {
	tab := newBrowser(t)
	s := newStepped(t, coach.Options{}, 1)
	srv := startServer(t, Options{Hello: Hello{Session: "x", Routine: s.tl.Routine, Title: s.tl.Title}}, nil)
	srv.Attach(s.sess)
	s.run(t)
	require.NoError(t, within(tab, 30*time.Second, chromedp.Navigate("http://"+local(srv)+"/"),
		waitJS(`document.querySelectorAll(".bar button").length > 0`),
		chromedp.Evaluate(`window.writes = []; for (const el of document.querySelectorAll("[aria-live]"))
			new MutationObserver(() => writes.push(el.id + ":" + el.textContent)).observe(el, {childList: true, characterData: true, subtree: true}); true`, nil)))
	// Two minutes of the session, a second at a time, as the page sees it.
	for f := int64(0); f < 120*int64(s.tl.Rate); f += int64(s.tl.Rate) {
		s.to(t, f)
		time.Sleep(15 * time.Millisecond)
	}
	require.NoError(t, within(tab, 5*time.Second, chromedp.Sleep(300*time.Millisecond)))
	var writes []string
	require.NoError(t, within(tab, 5*time.Second, chromedp.Evaluate(`writes`, &writes)))
	lines := 0
	for _, c := range s.tl.Cues {
		if c.At < 120*int64(s.tl.Rate) {
			lines++
		}
	}
	assert.Greater(t, len(writes), lines/2, "the captions were written: %v", writes)
	last := map[string]string{}
	for _, w := range writes {
		id, text, _ := strings.Cut(w, ":")
		assert.NotEqual(t, last[id], text, "%s was written again with the same text", id)
		last[id] = text
	}
}

// A command taken from speech is shown as the server says it, once; and
// while coach listens the controls tell what to say.
func TestPageShowsHeardCommands(t *testing.T) {
	tab := newBrowser(t)
	srv := startServer(t, Options{Hello: Hello{Session: "x", Listening: true}}, nil)
	srv.Publish(coach.State{Seq: 1, Routine: "r", Title: "R", Phase: "intro", PhaseMS: 5000, PhaseLeftMS: 4000, ExerciseIndex: -1})
	require.NoError(t, within(tab, 30*time.Second, chromedp.Navigate("http://"+local(srv)+"/"),
		waitJS(`document.querySelectorAll(".bar button").length > 0`)))
	waitClients(t, srv, 1)
	// Listening, each button says what to say for it, from the table.
	var title string
	require.NoError(t, within(tab, 5*time.Second, chromedp.AttributeValue(`.bar [data-command="next"]`, "title", &title, nil, chromedp.ByQuery)))
	next, _ := coach.ControlFor(coach.CmdNext)
	assert.Contains(t, title, "say “coach "+next.Spoken+"”")
	srv.Heard(coach.CmdPause, "Heard: coach pause")
	var text string
	require.NoError(t, within(tab, 10*time.Second, waitJS(`!document.getElementById("heard").hidden`),
		chromedp.Text("#heard", &text, chromedp.ByID)))
	assert.Equal(t, "Heard: coach pause", text)
}

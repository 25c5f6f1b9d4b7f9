package companion

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// measureJS describes the page as a person across the room sees it: what
// would scroll, what is cut off or too small to read, every control's box,
// the countdown ring and number, and the caption.
const measureJS = `(() => {
  const app = document.getElementById("app"), view = app.dataset.view;
  const vw = innerWidth, vh = innerHeight, problems = [];
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const box = (el) => { const b = el.getBoundingClientRect(); return {l: b.left, t: b.top, r: b.right, b: b.bottom, w: b.width, h: b.height}; };
  const name = (el) => el.id ? "#" + el.id : el.tagName.toLowerCase() + "." + el.className + " " + JSON.stringify(el.textContent.trim().slice(0, 30));
  const within = (el, r, what) => {
    const b = el.getBoundingClientRect();
    if (b.left < r.left - .5 || b.top < r.top - .5 || b.right > r.right + .5 || b.bottom > r.bottom + .5)
      problems.push(name(el) + " is outside " + what + ": " + JSON.stringify(box(el)));
  };
  const screen = {left: 0, top: 0, right: vw, bottom: vh};
  const controls = [...document.querySelectorAll(".bar button, .digits button, .feel button")].filter(shown);
  for (const b of controls) {
    within(b, screen, "the viewport");
    if (b.scrollWidth > b.clientWidth + 1) problems.push("the label of " + name(b) + " is cut");
    if (b.disabled) problems.push(name(b) + " is disabled");
  }
  for (const el of document.querySelectorAll(".top > *")) {
    within(el, screen, "the viewport");
    if (parseFloat(getComputedStyle(el).fontSize) < 17.99) problems.push(name(el) + " is smaller than 18 px");
  }
  const stage = document.getElementById("stage").getBoundingClientRect();
  const root = document.getElementById({checkin: "checkin", ack: "ack", finish: "finish"}[view] || "live");
  const texts = [...root.querySelectorAll("h1, h2, p, li, dt, dd, .pill, .rep, .phase, .count, .ringbox, .picture")]
    .filter(shown).filter((el) => el.textContent.trim() || el.matches(".ringbox, .picture"));
  for (const el of texts) {
    within(el, stage, "the stage (cut off)");
    if (el.clientHeight > 0 && el.scrollHeight > el.clientHeight + 1) problems.push(name(el) + " has more text than room");
    if (view !== "finish" && !el.matches(".ringbox, .picture") && parseFloat(getComputedStyle(el).fontSize) < 17.99)
      problems.push(name(el) + " is smaller than 18 px");
  }
  const ring = document.getElementById("ringbox"), count = document.getElementById("count");
  const cap = document.getElementById(view === "ack" ? "ack-caption" : "caption");
  return {
    view, vw, vh, problems,
    scrollW: document.documentElement.scrollWidth, scrollH: document.documentElement.scrollHeight,
    controls: controls.map((b) => b.textContent.trim()),
    ring: shown(ring) ? ring.getBoundingClientRect().width : 0,
    count: count.textContent, countFont: parseFloat(getComputedStyle(count).fontSize),
    caption: shown(cap) ? cap.textContent : "", captionFont: parseFloat(getComputedStyle(cap).fontSize),
    paused: !document.getElementById("paused").hidden,
    feel: shown(document.getElementById("feel")),
  };
})()`

type measure struct {
	View        string   `json:"view"`
	VW          float64  `json:"vw"`
	VH          float64  `json:"vh"`
	Problems    []string `json:"problems"`
	ScrollW     float64  `json:"scrollW"`
	ScrollH     float64  `json:"scrollH"`
	Controls    []string `json:"controls"`
	Ring        float64  `json:"ring"`
	Count       string   `json:"count"`
	CountFont   float64  `json:"countFont"`
	Caption     string   `json:"caption"`
	CaptionFont float64  `json:"captionFont"`
	Paused      bool     `json:"paused"`
	Feel        bool     `json:"feel"`
}

// pageState is one state the page must get right at every viewport.
type pageState struct {
	name     string
	view     string // live, checkin, ack, finish
	ring     bool   // a countdown ring is shown
	caption  bool   // a caption is shown
	controls int    // buttons expected on screen
	paused   bool
	feel     bool // the rest asks how the exercise felt
}

// checkEverywhere measures the page in its current state at every
// viewport: nothing scrolls or is cut off, every control is inside the
// viewport, the countdown and caption are as large as the distance needs,
// and axe-core finds nothing. Screenshots are kept.
func checkEverywhere(t *testing.T, tab context.Context, st pageState) {
	t.Helper()
	for _, v := range viewports {
		require.NoError(t, within(tab, 20*time.Second, v.apply()))
		var m measure
		require.NoError(t, within(tab, 20*time.Second, evalJSON(measureJS, &m)))
		where := st.name + " @ " + v.name
		assert.Equal(t, st.view, m.View, where)
		assert.Empty(t, m.Problems, where)
		assert.LessOrEqual(t, m.ScrollW, m.VW, "%s: no sideways scrolling", where)
		assert.LessOrEqual(t, m.ScrollH, m.VH, "%s: no scrolling", where)
		assert.Len(t, m.Controls, st.controls, "%s: controls %v", where, m.Controls)
		short := min(m.VW, m.VH)
		if st.ring {
			assert.GreaterOrEqual(t, m.Ring, 0.4*short-0.5, "%s: the countdown ring is 40%% of the shorter side", where)
			if m.Count != "" {
				assert.GreaterOrEqual(t, m.CountFont, 0.4*m.Ring-0.5, "%s: the countdown number is sized from the ring", where)
			}
		}
		if st.caption {
			assert.NotEmpty(t, m.Caption, where)
			assert.GreaterOrEqual(t, m.CaptionFont, 0.05*m.VH-0.5, "%s: the caption is 5%% of the viewport's height", where)
		}
		assert.Equal(t, st.paused, m.Paused, where)
		assert.Equal(t, st.feel, m.Feel, "%s: the feel question", where)
		line := fmt.Sprintf("%-30s %2d controls", where, len(m.Controls))
		if st.ring {
			line += fmt.Sprintf(", ring %3.0f px (%2.0f%% of %3.0f), number %3.0f px", m.Ring, 100*m.Ring/short, short, m.CountFont)
		}
		if st.caption {
			line += fmt.Sprintf(", caption %4.1f px (%.1f%% of %3.0f)", m.CaptionFont, 100*m.CaptionFont/m.VH, m.VH)
		}
		t.Log(line)
		screenshot(t, tab, fmt.Sprintf("%s-%s", st.name, v.name))
		assert.Empty(t, axeViolations(t, tab), "%s: axe-core", where)
	}
}

// TestPageEveryStateAtEveryViewport follows a real session of the
// built-in routine through every state a person meets, holding each
// still while the page is measured at the four devices and 200 % zoom in
// headless Chromium. The page's own controls and keys drive it: a digit
// key answers the check-in, P and Space pause and resume (Space even with
// a button focused), "This hurts" must be held, t answers ten.
func TestPageEveryStateAtEveryViewport(t *testing.T) {
	tab := newBrowser(t)
	s := newStepped(t, coach.Options{CheckIn: true}, 0.5)
	days := make([]map[string]any, 14)
	for i := range days {
		days[i] = map[string]any{"date": time.Now().AddDate(0, 0, i-13).Format("2006-01-02"), "sessions": i % 3, "completed": i % 3 / 2}
	}
	srv := startServer(t, Options{Hello: Hello{Session: "s1", Routine: s.tl.Routine, Title: s.tl.Title},
		Pictures: s.tl.Pictures(), History: func() (any, error) { return days, nil }}, nil)
	srv.Attach(s.sess)
	require.NoError(t, within(tab, 30*time.Second, chromedp.Navigate("http://"+local(srv)+"/"), waitJS(`document.querySelectorAll("#transport button").length > 0`)))
	s.run(t)
	t.Logf("screenshots: %s", shots())
	buttons := 0
	for _, c := range coach.Controls {
		if c.Button {
			buttons++
		}
	}
	digits := 11

	// The welcome: the title and safety note.
	intro := s.seg(t, "intro", func(g coach.Segment) bool { return g.Phase == coach.PhaseIntro })
	s.to(t, s.cueIn(t, intro))
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("caption").textContent.length > 0 && document.getElementById("app").dataset.view === "live"`)))
	checkEverywhere(t, tab, pageState{name: "1-intro", view: "live", ring: true, caption: true, controls: buttons})

	// The check-in: digits from the hello, "continues in", a digit key.
	ci := s.seg(t, "check-in", func(g coach.Segment) bool { return g.Phase == coach.PhaseCheckInBefore })
	s.to(t, s.cueIn(t, ci))
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("app").dataset.view === "checkin"`)))
	var left string
	require.NoError(t, within(tab, 5*time.Second, chromedp.Text("#checkin-left", &left, chromedp.ByID)))
	assert.Regexp(t, `^Continues in \d+ s without an answer$`, left)
	checkEverywhere(t, tab, pageState{name: "2-checkin", view: "checkin", controls: buttons + digits})
	require.NoError(t, within(tab, 10*time.Second, key("4"), waitJS(`document.getElementById("app").dataset.view === "live"`)))
	require.Eventually(t, func() bool { r := s.record(); return r.PainBefore != nil && *r.PainBefore == 4 }, 5*time.Second, 10*time.Millisecond, "the digit key answered the check-in")

	// A move with its caption: shoulder rolls, second rep.
	mv := s.seg(t, "move", func(g coach.Segment) bool { return g.Exercise == 0 && g.Rep == 1 && g.Phase == string(coach.Move) })
	s.to(t, s.cueIn(t, mv))
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("rep").textContent === "Rep 2 of 10"`)))
	var img string
	require.NoError(t, within(tab, 5*time.Second, waitJS(`document.getElementById("picture-img").naturalWidth > 0`),
		chromedp.AttributeValue("#picture-img", "src", &img, nil, chromedp.ByID)))
	assert.Equal(t, "images/shoulder-rolls.svg", img, "the exercise's picture is served and shown")
	checkEverywhere(t, tab, pageState{name: "3-move", view: "live", ring: true, caption: true, controls: buttons})

	// A hold: child's pose.
	hold := s.seg(t, "hold", func(g coach.Segment) bool { return g.Exercise == 1 && g.Phase == string(coach.Hold) })
	s.to(t, s.cueIn(t, hold))
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("phase").textContent === "Hold"`)))
	checkEverywhere(t, tab, pageState{name: "4-hold", view: "live", ring: true, caption: true, controls: buttons})

	// Breathing: open books. Then paused there, by P (a letter in upper
	// case) after a click left a button focused; Space resumes.
	br := s.seg(t, "breathe", func(g coach.Segment) bool { return g.Exercise == 2 && g.Rep == 1 && g.Phase == string(coach.BreatheIn) })
	s.to(t, s.cueIn(t, br))
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("phase").textContent === "Breathe in"`)))
	checkEverywhere(t, tab, pageState{name: "5-breathe", view: "live", ring: true, caption: true, controls: buttons})
	br = s.seg(t, "breathing out", func(g coach.Segment) bool {
		return g.Exercise == 2 && g.Rep == 1 && g.Phase == string(coach.BreatheOut)
	})
	s.to(t, br.Start+int64(s.tl.Rate)/10)
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("phase").textContent === "Breathe out"`)))
	require.NoError(t, within(tab, 10*time.Second,
		chromedp.Focus(`#transport [data-command="next"]`, chromedp.ByQuery),
		key("P"), waitJS(`!document.getElementById("paused").hidden`)))
	var before, after struct {
		Count, Transform, State string
	}
	frozen := `(() => { const a = document.getElementById("breath").getAnimations()[0];
		return {Count: document.getElementById("count").textContent, Transform: getComputedStyle(document.getElementById("breath")).transform, State: a ? a.playState : ""}; })()`
	// A frame for the pause to be drawn (the style read just before may be
	// the last running frame's), then nothing may move.
	require.NoError(t, within(tab, 10*time.Second, chromedp.Sleep(300*time.Millisecond), evalJSON(frozen, &before),
		chromedp.Sleep(1200*time.Millisecond), evalJSON(frozen, &after)))
	assert.Equal(t, "paused", before.State, "the breathing guide is paused")
	assert.Equal(t, before, after, "paused: the countdown and the breathing guide stand still")
	checkEverywhere(t, tab, pageState{name: "6-paused", view: "live", ring: true, caption: true, controls: buttons, paused: true})
	require.NoError(t, within(tab, 10*time.Second,
		chromedp.Focus(`#transport [data-command="next"]`, chromedp.ByQuery),
		key(" "), waitJS(`document.getElementById("paused").hidden`)))
	require.NoError(t, within(tab, 10*time.Second, evalJSON(frozen, &before), chromedp.Sleep(1200*time.Millisecond), evalJSON(frozen, &after)))
	assert.Equal(t, "running", after.State, "the breathing guide moves again")
	assert.NotEqual(t, before.Transform, after.Transform, "and it moves")
	assert.Equal(t, 2, s.tl.StateAt(s.sess.Heard()).ExerciseIndex, "Space on the focused Next button paused and resumed; it did not skip")

	// The rest between exercises: next up, with the next one's picture,
	// and the question how the one just done felt (in the place of the
	// "Rest, then ..." line).
	rest := s.seg(t, "rest", func(g coach.Segment) bool { return g.Exercise == 2 && g.Rep < 0 && g.Phase == coach.PhaseRest })
	s.to(t, s.cueIn(t, rest))
	require.NoError(t, within(tab, 20*time.Second, waitJS(`!document.getElementById("feel").hidden && document.getElementById("upnext").hidden`)))
	require.NoError(t, within(tab, 5*time.Second, chromedp.AttributeValue("#picture-img", "src", &img, nil, chromedp.ByID)))
	assert.Equal(t, "images/scapular-squeeze.svg", img, "the rest previews the next exercise's picture")
	var name string
	require.NoError(t, within(tab, 5*time.Second, chromedp.Text("#exercise", &name, chromedp.ByID)))
	assert.Equal(t, "Scapular squeeze", name)
	checkEverywhere(t, tab, pageState{name: "7-rest", view: "live", ring: true, caption: true, controls: buttons + 3, feel: true})
	// The rest asks how the exercise just done felt: its key, then a tap
	// that changes the answer; the record keeps the last.
	var q string
	require.NoError(t, within(tab, 5*time.Second, chromedp.Evaluate(`document.getElementById("feel-q").textContent`, &q)))
	assert.Equal(t, "How did Open books feel?", q)
	require.NoError(t, within(tab, 5*time.Second, key("d")))
	require.Eventually(t, func() bool { r := s.record().Exercises[2].Rating; return r != nil && *r == "too-hard" }, 5*time.Second, 10*time.Millisecond, "d: too hard")
	require.NoError(t, within(tab, 10*time.Second, waitJS(`document.querySelector('#feel [data-command="too-hard"]').getAttribute("aria-pressed") === "true"`),
		chromedp.Click(`#feel [data-command="about-right"]`, chromedp.ByQuery)))
	require.Eventually(t, func() bool { r := s.record().Exercises[2].Rating; return r != nil && *r == "about-right" }, 5*time.Second, 10*time.Millisecond, "a tap changes it")
	require.NoError(t, within(tab, 10*time.Second, waitJS(`document.getElementById("feel-q").textContent === "Open books: about right. Noted."`)))
	// Then the coach says what comes next (the up-next part of the rest,
	// which belongs to that exercise): the page still shows the one coming,
	// not the one after it.
	up := s.seg(t, "up next", func(g coach.Segment) bool { return g.Exercise == 3 && g.Phase == coach.PhaseUpNext })
	s.to(t, s.cueIn(t, up))
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("phase").textContent === "Up next"`)))
	require.NoError(t, within(tab, 5*time.Second, chromedp.Text("#exercise", &name, chromedp.ByID),
		chromedp.AttributeValue("#picture-img", "src", &img, nil, chromedp.ByID)))
	assert.Equal(t, "Scapular squeeze", name, "up next: the exercise coming")
	assert.Equal(t, "images/scapular-squeeze.svg", img)

	// "This hurts": a tap is not enough; holding it stops the exercise,
	// and the page says so while the coach speaks and the session waits.
	sq := s.seg(t, "squeeze", func(g coach.Segment) bool { return g.Exercise == 3 && g.Rep == 1 })
	s.to(t, sq.Start+int64(s.tl.Rate)/2)
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("rep").textContent === "Rep 2 of 10"`)))
	require.NoError(t, within(tab, 10*time.Second, holdAt(".pain", 80*time.Millisecond), chromedp.Sleep(400*time.Millisecond)))
	assert.False(t, s.record().Exercises[3].PainStop, "a short tap on This hurts does nothing")
	require.NoError(t, within(tab, 10*time.Second, holdAt(".pain", 900*time.Millisecond),
		waitJS(`document.getElementById("app").dataset.view === "ack"`)))
	var title, next string
	require.NoError(t, within(tab, 5*time.Second, chromedp.Text("#ack-title", &title, chromedp.ByID), chromedp.Text("#ack-next", &next, chromedp.ByID)))
	assert.Equal(t, "Stopped: Scapular squeeze", title)
	assert.Equal(t, "Then Bent-over row starts, with time to get into position.", next)
	assert.True(t, s.record().Exercises[3].PainStop, "held: the pain stop reached the session")
	checkEverywhere(t, tab, pageState{name: "8-this-hurts", view: "ack", caption: true, controls: buttons})
	require.NoError(t, within(tab, 30*time.Second, waitJS(`document.getElementById("app").dataset.view === "live"`)),
		"after the pain line the page follows the session on")

	// The closing check-in, answered with t (ten); then the finish screen,
	// from the session's record.
	ca := s.seg(t, "closing check-in", func(g coach.Segment) bool { return g.Phase == coach.PhaseCheckInAfter })
	s.to(t, s.cueIn(t, ca))
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("app").dataset.view === "checkin"`), key("t")))
	require.Eventually(t, func() bool { r := s.record(); return r.PainAfter != nil && *r.PainAfter == 10 }, 5*time.Second, 10*time.Millisecond, "t answers ten")
	s.to(t, s.tl.Length)
	var rec coach.Record
	select {
	case rec = <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the session did not end")
	}
	require.NoError(t, srv.Summary(rec, map[string]any{"streak_days": 3, "week": map[string]any{"routine": "upper-back", "frequency": "once a day", "done": 2, "target": 7}}))
	require.NoError(t, within(tab, 20*time.Second, waitJS(`document.getElementById("f-exercises").textContent.includes(" of ")`)))
	fig := finishFigures(t, tab)
	tot := rec.Totals()
	assert.Equal(t, map[string]string{
		"title": "Session finished", "spent": mmss(rec.SpentMS), "exercises": fmt.Sprintf("%d of %d", tot.Completed, tot.Exercises),
		"reps": fmt.Sprintf("%d of %d", tot.DoneReps, tot.PlannedReps), "skipped": "0", "pain": "1", "painba": "4 → 10",
		"streak": "3 days", "week": "2 of 7",
	}, fig)
	var felt string
	require.NoError(t, within(tab, 5*time.Second, chromedp.Text(`#f-list li[data-id="open-books"]`, &felt, chromedp.ByQuery)))
	assert.True(t, strings.HasPrefix(felt, "Open books: ") && strings.HasSuffix(felt, " · felt about right"), "the finish screen shows how it felt: %q", felt)
	checkEverywhere(t, tab, pageState{name: "9-finished", view: "finish", controls: 0})
}

// finishFigures reads the finish screen as shown.
func finishFigures(t *testing.T, tab context.Context) map[string]string {
	t.Helper()
	var fig map[string]string
	require.NoError(t, within(tab, 5*time.Second, evalJSON(`(() => { const g = (id) => document.getElementById(id).textContent;
		return {title: g("finish-title"), spent: g("f-spent"), exercises: g("f-exercises"), reps: g("f-reps"), skipped: g("f-skipped"),
			pain: g("f-pain"), painba: g("f-painba"), streak: g("f-streak"), week: g("f-week")}; })()`, &fig)))
	return fig
}

// mmss is the page's m:ss of a duration in milliseconds.
func mmss(ms int64) string {
	s := (ms + 500) / 1000
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

package cli

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/mpris"
	"github.com/coach-dev/coach/internal/mpris/mpristest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dbusSend calls the running coach's player as a desktop's media-key
// handler does, with the real dbus-send.
func dbusSend(t *testing.T, args ...string) string {
	t.Helper()
	all := append([]string{"--session", "--print-reply", "--reply-timeout=5000", "--dest=" + mpris.BusName, string(mpris.ObjectPath)}, args...)
	out, err := exec.Command("dbus-send", all...).CombinedOutput()
	require.NoError(t, err, "dbus-send %v: %s", args, out)
	return string(out)
}

// Media keys drive a real `coach run` over a private session bus: pause,
// play, next, previous and stop, with the status and the exercise's
// metadata read back as a desktop shows them.
func TestMediaKeysDriveARealSession(t *testing.T) {
	addr := mpristest.Bus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	c := startCoach(t, "--speed", "4", "--companion", "127.0.0.1:0", "--no-checkin")
	p := openPage(t, c)
	p.waitState(t, "the intro", func(st coach.State) bool { return st.Seq > 0 })

	status := func() string {
		out := dbusSend(t, "org.freedesktop.DBus.Properties.Get", "string:"+mpris.PlayerFace, "string:PlaybackStatus")
		for _, s := range []string{mpris.Playing, mpris.Paused, mpris.Stopped} {
			if strings.Contains(out, `"`+s+`"`) {
				return s
			}
		}
		return out
	}
	waitStatus := func(want string) {
		t.Helper()
		require.Eventually(t, func() bool { return status() == want }, 10*time.Second, 20*time.Millisecond, "status %s", want)
	}
	waitStatus(mpris.Playing)
	intro := dbusSend(t, "org.freedesktop.DBus.Properties.Get", "string:"+mpris.PlayerFace, "string:Metadata")
	assert.Contains(t, intro, "Upper back", "the routine is the album")

	dbusSend(t, mpris.PlayerFace+".PlayPause")
	p.waitState(t, "paused by PlayPause", func(st coach.State) bool { return st.Paused })
	waitStatus(mpris.Paused)
	dbusSend(t, mpris.PlayerFace+".Play")
	p.waitState(t, "playing again", func(st coach.State) bool { return !st.Paused })
	waitStatus(mpris.Playing)

	dbusSend(t, mpris.PlayerFace+".Next") // from the intro: the first exercise
	first := p.waitState(t, "the first exercise", func(st coach.State) bool { return st.ExerciseIndex == 0 })
	dbusSend(t, mpris.PlayerFace+".Next")
	second := p.waitState(t, "the second exercise", func(st coach.State) bool { return st.ExerciseIndex == 1 })
	require.Eventually(t, func() bool {
		md := dbusSend(t, "org.freedesktop.DBus.Properties.Get", "string:"+mpris.PlayerFace, "string:Metadata")
		return strings.Contains(md, `"`+second.Exercise.Name+`"`) && strings.Contains(md, "/coach/exercise/2")
	}, 10*time.Second, 20*time.Millisecond, "the exercise is the title")
	dbusSend(t, mpris.PlayerFace+".Previous")
	dbusSend(t, mpris.PlayerFace+".Previous") // twice quickly: the previous exercise
	p.waitState(t, "back to the first", func(st coach.State) bool { return st.ExerciseIndex == first.ExerciseIndex })

	dbusSend(t, mpris.PlayerFace+".Stop")
	out, err := c.wait(t)
	require.NoError(t, err, out)
	assert.Contains(t, out, "Session stopped")
	assert.NotContains(t, out, "media keys off")
}

// With no session bus the session goes on, after one line saying so.
func TestNoSessionBusIsOneLine(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/coach-no-bus")
	r := run(t, nil, "run", "upper-back", "--no-audio", "--speed", "200", "--only", "scapular-squeeze",
		"--companion", "off", "--no-checkin", "--history", "off")
	require.Equal(t, 0, r.code, r.err)
	lines := strings.Split(strings.TrimSpace(r.err), "\n")
	var bus []string
	for _, l := range lines {
		if strings.Contains(l, "bus") {
			bus = append(bus, l)
		}
	}
	assert.Equal(t, []string{"coach: media keys off: no session bus: dial unix /nonexistent/coach-no-bus: connect: no such file or directory"}, bus)
	assert.Contains(t, r.out, "Session finished")

	// --no-media-keys does not try.
	r = run(t, nil, "run", "upper-back", "--no-audio", "--speed", "200", "--only", "scapular-squeeze",
		"--companion", "off", "--no-checkin", "--history", "off", "--no-media-keys")
	require.Equal(t, 0, r.code, r.err)
	assert.NotContains(t, r.err, "bus")
}

// run --help lists the spoken commands from the control table.
func TestRunHelpListsSpokenCommands(t *testing.T) {
	r := run(t, nil, "run", "--help")
	require.Equal(t, 0, r.code, r.err)
	for _, c := range coach.Controls {
		if c.Spoken != "" {
			assert.Regexp(t, `\n  `+regexp.QuoteMeta(c.Spoken)+` +`+regexp.QuoteMeta(c.Help), r.out)
		}
	}
	assert.Contains(t, r.out, "--no-media-keys")
}

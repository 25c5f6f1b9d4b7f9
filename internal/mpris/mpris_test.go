package mpris_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/mpris"
	"github.com/coach-dev/coach/internal/mpris/mpristest"
	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder collects what the player sends.
type recorder struct {
	mu   sync.Mutex
	cmds []coach.Command
	full bool
}

func (r *recorder) send(c coach.Command) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.full {
		return false
	}
	r.cmds = append(r.cmds, c)
	return true
}

func (r *recorder) got() []coach.Command {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]coach.Command(nil), r.cmds...)
}

func dial(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Dial(addr)
	require.NoError(t, err)
	require.NoError(t, conn.Auth(nil))
	require.NoError(t, conn.Hello())
	t.Cleanup(func() { conn.Close() })
	return conn
}

func start(t *testing.T, addr string, rec *recorder, tl *coach.Timeline) *mpris.Player {
	t.Helper()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	p, err := mpris.Start(context.Background(), rec.send, mpris.Options{Timeline: tl})
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

func TestMediaCommandsComeFromTheControlTable(t *testing.T) {
	want := map[string]coach.Command{
		"PlayPause": coach.CmdToggle, "Play": coach.CmdResume, "Pause": coach.CmdPause,
		"Next": coach.CmdNext, "Previous": coach.CmdBack, "Stop": coach.CmdStop,
	}
	assert.Equal(t, want, mpris.MediaCommands())
	for method, cmd := range mpris.MediaCommands() {
		ctl, ok := coach.ControlFor(cmd)
		require.True(t, ok)
		assert.Equal(t, method, ctl.Media)
	}
}

func TestMethodsSendCommands(t *testing.T) {
	addr := mpristest.Bus(t)
	rec := &recorder{}
	p := start(t, addr, rec, nil)
	assert.Equal(t, mpris.BusName, p.Name())
	obj := dial(t, addr).Object(mpris.BusName, mpris.ObjectPath)
	tests := []struct {
		method string
		want   coach.Command
	}{
		{"PlayPause", coach.CmdToggle},
		{"Play", coach.CmdResume},
		{"Pause", coach.CmdPause},
		{"Next", coach.CmdNext},
		{"Previous", coach.CmdBack},
		{"Stop", coach.CmdStop},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			n := len(rec.got())
			require.NoError(t, obj.Call(mpris.PlayerFace+"."+tt.method, 0).Err)
			got := rec.got()
			require.Len(t, got, n+1)
			assert.Equal(t, tt.want, got[n])
		})
	}
	// Required by the specification, and harmless.
	require.NoError(t, obj.Call(mpris.PlayerFace+".Seek", 0, int64(1000)).Err)
	require.NoError(t, obj.Call(mpris.PlayerFace+".SetPosition", 0, dbus.ObjectPath("/x"), int64(0)).Err)
	require.NoError(t, obj.Call(mpris.PlayerFace+".OpenUri", 0, "file:///x").Err)
	require.NoError(t, obj.Call(mpris.RootIface+".Raise", 0).Err)
	assert.Len(t, rec.got(), len(tests), "only media methods send commands")
	assert.Error(t, obj.Call(mpris.PlayerFace+".Shuffle", 0).Err)
}

func TestBusySessionIsAnError(t *testing.T) {
	addr := mpristest.Bus(t)
	rec := &recorder{full: true}
	start(t, addr, rec, nil)
	err := dial(t, addr).Object(mpris.BusName, mpris.ObjectPath).Call(mpris.PlayerFace+".Next", 0).Err
	require.Error(t, err)
	assert.Contains(t, err.Error(), "busy")
}

func TestProperties(t *testing.T) {
	addr := mpristest.Bus(t)
	start(t, addr, &recorder{}, nil)
	obj := dial(t, addr).Object(mpris.BusName, mpris.ObjectPath)
	var root, player map[string]dbus.Variant
	require.NoError(t, obj.Call("org.freedesktop.DBus.Properties.GetAll", 0, mpris.RootIface).Store(&root))
	require.NoError(t, obj.Call("org.freedesktop.DBus.Properties.GetAll", 0, mpris.PlayerFace).Store(&player))
	assert.Equal(t, "coach", root["Identity"].Value())
	assert.Equal(t, false, root["CanQuit"].Value())
	assert.Equal(t, false, root["HasTrackList"].Value())
	for _, name := range []string{"CanGoNext", "CanGoPrevious", "CanPlay", "CanPause", "CanControl"} {
		assert.Equal(t, true, player[name].Value(), name)
	}
	assert.Equal(t, false, player["CanSeek"].Value())
	assert.Equal(t, mpris.Stopped, player["PlaybackStatus"].Value())
	assert.Equal(t, 1.0, player["Rate"].Value())

	var xml string
	require.NoError(t, obj.Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&xml))
	for _, s := range []string{`interface name="org.mpris.MediaPlayer2"`, `interface name="org.mpris.MediaPlayer2.Player"`,
		`method name="PlayPause"`, `property name="PlaybackStatus" type="s" access="read"`, `signal name="PropertiesChanged"`} {
		assert.Contains(t, xml, s)
	}
	err := obj.Call("org.freedesktop.DBus.Properties.Set", 0, mpris.PlayerFace, "PlaybackStatus", dbus.MakeVariant("Playing")).Err
	assert.Error(t, err, "properties are read-only")
}

func timeline(t *testing.T) *coach.Timeline {
	t.Helper()
	// Two exercises at 1 kHz so frames read as milliseconds.
	return &coach.Timeline{
		Routine: "upper-back", Title: "Upper back", Rate: 1000, Length: 30000,
		Exercises: []coach.ExercisePlan{
			{ID: "a", Name: "Open books", Start: 2000, End: 12000},
			{ID: "b", Name: "Child's pose", Start: 12000, End: 28000},
		},
	}
}

func TestStateChangesAreSignalled(t *testing.T) {
	addr := mpristest.Bus(t)
	tl := timeline(t)
	p := start(t, addr, &recorder{}, tl)
	client := dial(t, addr)
	require.NoError(t, client.AddMatchSignal(dbus.WithMatchObjectPath(mpris.ObjectPath),
		dbus.WithMatchInterface("org.freedesktop.DBus.Properties"), dbus.WithMatchMember("PropertiesChanged")))
	sigs := make(chan *dbus.Signal, 32)
	client.Signal(sigs)

	// next waits for the next PropertiesChanged of the player interface.
	next := func(t *testing.T) map[string]dbus.Variant {
		t.Helper()
		for {
			select {
			case s := <-sigs:
				if len(s.Body) == 3 && s.Body[0] == mpris.PlayerFace {
					return s.Body[1].(map[string]dbus.Variant)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no PropertiesChanged in 5 s")
			}
		}
	}
	ex := func(i int) *coach.ExerciseState {
		return &coach.ExerciseState{ID: tl.Exercises[i].ID, Name: tl.Exercises[i].Name}
	}
	tests := []struct {
		name   string
		st     coach.State
		status string
		title  string
		track  dbus.ObjectPath
		length int64
	}{
		{"intro", coach.State{Title: "Upper back", ExerciseIndex: -1, Phase: coach.PhaseIntro}, mpris.Playing, "Welcome", "/org/mpris/MediaPlayer2/TrackList/NoTrack", 2_000_000},
		{"first exercise", coach.State{Title: "Upper back", ExerciseIndex: 0, Exercise: ex(0), Phase: "hold", Frame: 3000}, mpris.Playing, "Open books", "/coach/exercise/1", 10_000_000},
		{"paused", coach.State{Title: "Upper back", ExerciseIndex: 0, Exercise: ex(0), Phase: "hold", Frame: 3500, Paused: true}, mpris.Paused, "", "", 0},
		{"second exercise", coach.State{Title: "Upper back", ExerciseIndex: 1, Exercise: ex(1), Phase: "move", Frame: 12500}, mpris.Playing, "Child's pose", "/coach/exercise/2", 16_000_000},
		{"finished", coach.State{Title: "Upper back", ExerciseIndex: -1, Phase: coach.PhaseFinish, Frame: 29000, Finished: true}, mpris.Stopped, "Finishing", "/org/mpris/MediaPlayer2/TrackList/NoTrack", 2_000_000},
	}
	status := mpris.Stopped // before the first state
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.State(tt.st)
			want := map[string]bool{}
			if tt.status != status {
				want["PlaybackStatus"] = true
			}
			if tt.title != "" {
				want["Metadata"] = true
			}
			status = tt.status
			got := map[string]dbus.Variant{}
			// Status and metadata may come in one signal or two.
			for len(got) < len(want) {
				for k, v := range next(t) {
					assert.True(t, want[k], "unexpected change of %s", k)
					got[k] = v
				}
			}
			var st string
			require.NoError(t, client.Object(mpris.BusName, mpris.ObjectPath).Call("org.freedesktop.DBus.Properties.Get", 0,
				mpris.PlayerFace, "PlaybackStatus").Store(&st))
			assert.Equal(t, tt.status, st)
			assert.NotContains(t, got, "Position", "Position changes are never signalled")
			if tt.title == "" {
				assert.NotContains(t, got, "Metadata", "metadata unchanged")
				return
			}
			md := got["Metadata"].Value().(map[string]dbus.Variant)
			assert.Equal(t, tt.title, md["xesam:title"].Value())
			assert.Equal(t, "Upper back", md["xesam:album"].Value())
			assert.Equal(t, tt.track, md["mpris:trackid"].Value())
			assert.Equal(t, tt.length, md["mpris:length"].Value())
			assert.Len(t, md, 6, "every state gives the same keys")
		})
	}
	var pos int64
	require.NoError(t, client.Object(mpris.BusName, mpris.ObjectPath).Call("org.freedesktop.DBus.Properties.Get", 0,
		mpris.PlayerFace, "Position").Store(&pos))
	assert.Equal(t, int64(1_000_000), pos, "a second into the finish")
}

func TestPositionWithinTheExercise(t *testing.T) {
	addr := mpristest.Bus(t)
	tl := timeline(t)
	p := start(t, addr, &recorder{}, tl)
	obj := dial(t, addr).Object(mpris.BusName, mpris.ObjectPath)
	p.State(coach.State{ExerciseIndex: 1, Frame: 12479, ElapsedMS: 12479})
	assert.Eventually(t, func() bool {
		var v dbus.Variant
		if obj.Call("org.freedesktop.DBus.Properties.Get", 0, mpris.PlayerFace, "Position").Store(&v) != nil {
			return false
		}
		return v.Value() == int64(479_000)
	}, 5*time.Second, 10*time.Millisecond)
}

func TestSecondPlayerTakesAnInstanceName(t *testing.T) {
	addr := mpristest.Bus(t)
	a, b := &recorder{}, &recorder{}
	p1 := start(t, addr, a, nil)
	p2 := start(t, addr, b, nil)
	assert.Equal(t, mpris.BusName, p1.Name())
	assert.True(t, strings.HasPrefix(p2.Name(), mpris.BusName+".instance"), p2.Name())
	client := dial(t, addr)
	require.NoError(t, client.Object(p2.Name(), mpris.ObjectPath).Call(mpris.PlayerFace+".Stop", 0).Err)
	assert.Empty(t, a.got())
	assert.Equal(t, []coach.Command{coach.CmdStop}, b.got())

	// Closing the first frees the well-known name.
	require.NoError(t, p1.Close())
	require.NoError(t, p1.Close(), "Close twice")
	var has bool
	require.NoError(t, client.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, mpris.BusName).Store(&has))
	assert.False(t, has)
}

func TestNoSessionBus(t *testing.T) {
	tests := []struct{ name, addr string }{
		{"nothing listening", "unix:path=/nonexistent/coach-test-bus"},
		{"not an address", "nonsense"},
		{"not set", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", tt.addr)
			t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
			p, err := mpris.Start(context.Background(), (&recorder{}).send, mpris.Options{})
			require.Error(t, err)
			assert.Nil(t, p)
			assert.True(t, strings.HasPrefix(err.Error(), "no session bus"), err.Error())
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestStateNeverBlocks(t *testing.T) {
	addr := mpristest.Bus(t)
	p := start(t, addr, &recorder{}, nil)
	done := make(chan struct{})
	go func() {
		for i := range 10000 {
			p.State(coach.State{Frame: int64(i), Paused: i%2 == 0})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("State blocked")
	}
	require.NoError(t, p.Close())
	p.State(coach.State{}) // after Close: dropped, not blocked
}

// Package mpris makes a running session an MPRIS media player on the D-Bus
// session bus, so headset and keyboard media keys control it: a desktop's
// media-key handler (and BlueZ's mpris-proxy for Bluetooth headsets) calls
// PlayPause, Next, Previous or Stop on the active player. Which method sends
// which command comes from the control table (coach.Control.Media), never
// from a list of its own.
package mpris

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"
)

// Names fixed by the MPRIS specification.
const (
	BusName    = "org.mpris.MediaPlayer2.coach"
	ObjectPath = dbus.ObjectPath("/org/mpris/MediaPlayer2")
	RootIface  = "org.mpris.MediaPlayer2"
	PlayerFace = "org.mpris.MediaPlayer2.Player"
)

// Playback statuses.
const (
	Playing = "Playing"
	Paused  = "Paused"
	Stopped = "Stopped"
)

// Options tune a player; the zero value connects to the session bus.
type Options struct {
	// Conn is the bus connection to use; nil connects to the session bus
	// named by DBUS_SESSION_BUS_ADDRESS. The player closes it either way.
	Conn *dbus.Conn
	// Timeline gives each exercise its length and position; may be nil.
	Timeline *coach.Timeline
}

// Player is one session exported on the bus.
type Player struct {
	conn   *dbus.Conn
	props  *prop.Properties
	name   string
	tl     *coach.Timeline
	states chan coach.State
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

// Start exports the player and serves it until ctx ends or Close. Media
// methods call send with the command the control table gives them; send
// must not block (coach.Session.Send does not).
func Start(ctx context.Context, send func(coach.Command) bool, opts Options) (*Player, error) {
	conn := opts.Conn
	if conn == nil {
		var err error
		// A private connection: closing it never closes a shared one
		// another part of the program might use. Never start a bus.
		if conn, err = dbus.SessionBusPrivateNoAutoStartup(); err != nil {
			if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
				return nil, errors.New("no session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
			}
			return nil, fmt.Errorf("no session bus: %w", err)
		}
		if err = conn.Auth(nil); err == nil {
			err = conn.Hello()
		}
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("no session bus: %w", err)
		}
	}
	p := &Player{conn: conn, tl: opts.Timeline, states: make(chan coach.State, 1), done: make(chan struct{})}
	if err := p.export(send); err != nil {
		conn.Close()
		return nil, err
	}
	name, err := requestName(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	p.name = name
	p.wg.Add(1)
	go p.loop(ctx)
	return p, nil
}

// requestName takes the well-known name, or a unique one beside it when
// another coach already has it (the spec's ".instance<pid>" form).
func requestName(conn *dbus.Conn) (string, error) {
	for _, name := range []string{BusName, fmt.Sprintf("%s.instance%d", BusName, os.Getpid())} {
		reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
		if err != nil {
			return "", fmt.Errorf("take the bus name %s: %w", name, err)
		}
		if reply == dbus.RequestNameReplyPrimaryOwner || reply == dbus.RequestNameReplyAlreadyOwner {
			return name, nil
		}
	}
	return "", fmt.Errorf("the bus names %s and its instance name are taken", BusName)
}

// Name is the bus name the player holds.
func (p *Player) Name() string { return p.name }

// MediaCommands maps each MPRIS player method to the command it sends,
// read from the control table.
func MediaCommands() map[string]coach.Command {
	m := map[string]coach.Command{}
	for _, c := range coach.Controls {
		if c.Media != "" {
			m[c.Media] = c.Command
		}
	}
	return m
}

func (p *Player) export(send func(coach.Command) bool) error {
	cmds := MediaCommands()
	methods := map[string]any{}
	var mintro []introspect.Method
	for method, cmd := range cmds {
		methods[method] = func() *dbus.Error {
			if !send(cmd) {
				return dbus.MakeFailedError(errors.New("the session is busy; try again"))
			}
			return nil
		}
		mintro = append(mintro, introspect.Method{Name: method})
	}
	// The specification requires these; coach cannot seek or open files.
	methods["Seek"] = func(int64) *dbus.Error { return nil }
	methods["SetPosition"] = func(dbus.ObjectPath, int64) *dbus.Error { return nil }
	methods["OpenUri"] = func(string) *dbus.Error { return nil }
	mintro = append(mintro,
		introspect.Method{Name: "Seek", Args: []introspect.Arg{{Name: "Offset", Type: "x", Direction: "in"}}},
		introspect.Method{Name: "SetPosition", Args: []introspect.Arg{{Name: "TrackId", Type: "o", Direction: "in"}, {Name: "Position", Type: "x", Direction: "in"}}},
		introspect.Method{Name: "OpenUri", Args: []introspect.Arg{{Name: "Uri", Type: "s", Direction: "in"}}},
	)
	if err := p.conn.ExportMethodTable(methods, ObjectPath, PlayerFace); err != nil {
		return fmt.Errorf("export the player: %w", err)
	}
	root := map[string]any{
		"Raise": func() *dbus.Error { return nil },
		"Quit":  func() *dbus.Error { return nil },
	}
	if err := p.conn.ExportMethodTable(root, ObjectPath, RootIface); err != nil {
		return fmt.Errorf("export the player: %w", err)
	}

	_, canPlay := cmds["Play"]
	_, canPause := cmds["Pause"]
	_, canNext := cmds["Next"]
	_, canPrev := cmds["Previous"]
	ro := func(v any) *prop.Prop { return &prop.Prop{Value: v, Emit: prop.EmitConst} }
	props := prop.Map{
		RootIface: {
			"CanQuit":             ro(false),
			"CanRaise":            ro(false),
			"HasTrackList":        ro(false),
			"Identity":            ro("coach"),
			"SupportedUriSchemes": ro([]string{}),
			"SupportedMimeTypes":  ro([]string{}),
		},
		PlayerFace: {
			"PlaybackStatus": {Value: Stopped, Emit: prop.EmitTrue},
			"Metadata":       {Value: map[string]dbus.Variant{"mpris:trackid": dbus.MakeVariant(trackID(-1))}, Emit: prop.EmitTrue},
			"Position":       {Value: int64(0), Emit: prop.EmitFalse},
			"Rate":           ro(1.0),
			"MinimumRate":    ro(1.0),
			"MaximumRate":    ro(1.0),
			"Volume":         ro(1.0),
			"CanGoNext":      ro(canNext),
			"CanGoPrevious":  ro(canPrev),
			"CanPlay":        ro(canPlay),
			"CanPause":       ro(canPause),
			"CanSeek":        ro(false),
			"CanControl":     ro(true),
		},
	}
	props2, err := prop.Export(p.conn, ObjectPath, props)
	if err != nil {
		return fmt.Errorf("export the player's properties: %w", err)
	}
	p.props = props2
	node := &introspect.Node{
		Name: string(ObjectPath),
		Interfaces: []introspect.Interface{
			introspect.IntrospectData,
			prop.IntrospectData,
			{Name: RootIface, Methods: []introspect.Method{{Name: "Raise"}, {Name: "Quit"}}, Properties: props2.Introspection(RootIface)},
			{Name: PlayerFace, Methods: mintro, Properties: props2.Introspection(PlayerFace),
				Signals: []introspect.Signal{{Name: "Seeked", Args: []introspect.Arg{{Name: "Position", Type: "x"}}}}},
		},
	}
	if err := p.conn.Export(introspect.NewIntrospectable(node), ObjectPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		return fmt.Errorf("export the player's introspection: %w", err)
	}
	return nil
}

// State hands the player the session's newest state without blocking; an
// older one not yet shown is replaced.
func (p *Player) State(st coach.State) {
	for {
		select {
		case p.states <- st:
			return
		default:
		}
		select {
		case <-p.states:
		default:
		}
	}
}

func (p *Player) loop(ctx context.Context) {
	defer p.wg.Done()
	var last coach.State
	first := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.done:
			return
		case st := <-p.states:
			p.show(st, last, first)
			last, first = st, false
		}
	}
}

// show sets what changed; prop emits PropertiesChanged for it.
func (p *Player) show(st, last coach.State, first bool) {
	if s := Status(st); first || s != Status(last) {
		p.props.SetMust(PlayerFace, "PlaybackStatus", s)
	}
	if first || st.ExerciseIndex != last.ExerciseIndex || (st.ExerciseIndex < 0 && st.Phase != last.Phase) || st.Title != last.Title {
		p.props.SetMust(PlayerFace, "Metadata", p.Metadata(st))
	}
	p.props.SetMust(PlayerFace, "Position", p.position(st))
}

// Status is the MPRIS playback status of a state.
func Status(st coach.State) string {
	switch {
	case st.Finished || st.Stopped:
		return Stopped
	case st.Paused:
		return Paused
	default:
		return Playing
	}
}

// Metadata describes a state as a track: the routine is the album, the
// exercise (or the part of the session outside exercises) the title. Every
// state gives the same keys: the property library merges a new map into the
// old one, so a key left out would keep its old value.
func (p *Player) Metadata(st coach.State) map[string]dbus.Variant {
	title := coach.PhaseLabel(st.Phase)
	if st.Exercise != nil {
		title = st.Exercise.Name
	}
	md := map[string]dbus.Variant{
		"mpris:trackid":     dbus.MakeVariant(trackID(st.ExerciseIndex)),
		"xesam:title":       dbus.MakeVariant(title),
		"xesam:album":       dbus.MakeVariant(st.Title),
		"xesam:artist":      dbus.MakeVariant([]string{"coach"}),
		"xesam:trackNumber": dbus.MakeVariant(int32(max(0, st.ExerciseIndex+1))),
	}
	if start, end, ok := p.track(st); ok {
		md["mpris:length"] = dbus.MakeVariant(p.tl.Duration(end - start).Microseconds())
	}
	return md
}

// track is the span of frames a state's "track" covers: its exercise, or
// the part before the first or after the last.
func (p *Player) track(st coach.State) (start, end int64, ok bool) {
	tl := p.tl
	if tl == nil || len(tl.Exercises) == 0 {
		return 0, 0, false
	}
	switch {
	case st.ExerciseIndex >= 0 && st.ExerciseIndex < len(tl.Exercises):
		e := tl.Exercises[st.ExerciseIndex]
		return e.Start, e.End, true
	case st.Frame < tl.Exercises[0].Start:
		return 0, tl.Exercises[0].Start, true
	default:
		return tl.Exercises[len(tl.Exercises)-1].End, tl.Length, true
	}
}

// position is how far into its track the state is, in microseconds.
func (p *Player) position(st coach.State) int64 {
	if start, end, ok := p.track(st); ok {
		return p.tl.Duration(min(max(0, st.Frame-start), end-start)).Microseconds()
	}
	return (time.Duration(st.ElapsedMS) * time.Millisecond).Microseconds()
}

func trackID(exercise int) dbus.ObjectPath {
	if exercise < 0 {
		return "/org/mpris/MediaPlayer2/TrackList/NoTrack"
	}
	return dbus.ObjectPath(fmt.Sprintf("/coach/exercise/%d", exercise+1))
}

// Close leaves the bus. It is safe to call more than once.
func (p *Player) Close() error {
	p.once.Do(func() {
		close(p.done)
		p.wg.Wait()
		if _, err := p.conn.ReleaseName(p.name); err != nil && !errors.Is(err, dbus.ErrClosed) {
			p.err = fmt.Errorf("release %s: %w", p.name, err)
		}
		if err := p.conn.Close(); err != nil && p.err == nil {
			p.err = fmt.Errorf("close the bus connection: %w", err)
		}
	})
	return p.err
}

package companion

import (
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coach-dev/coach/coach"
	"github.com/gorilla/websocket"
)

// Controller is what a page may ask of the session: the same commands as
// the keyboard, nothing more. *coach.Session is one.
type Controller interface {
	Send(coach.Command) bool
}

// client is one connected page. Exactly one goroutine (writePump) writes to
// conn; one (readPump) reads from it. Nobody else touches conn except to
// close it.
type client struct {
	conn    *websocket.Conn
	t       timing
	hello   *frame      // written first
	state   chan *frame // one slot: the latest state wins
	summary chan *frame // one slot: the record once the session has ended
	cues    chan *frame // bounded: a page that fills it is dropped
	errs    chan []byte // replies to bad messages; dropped if the page floods us
	dead    chan struct{}
	once    sync.Once
}

func newClient(conn *websocket.Conn, t timing, hello *frame) *client {
	return &client{conn: conn, t: t, hello: hello, state: make(chan *frame, 1), summary: make(chan *frame, 1),
		cues: make(chan *frame, cueQueue), errs: make(chan []byte, 4), dead: make(chan struct{})}
}

// offerState puts b in the mailbox, replacing a state the page has not
// taken yet: a slow page gets the latest snapshot, never a backlog. Only the
// hub's goroutine (or register, under the hub's lock) offers, so the loop
// ends at once: the writer can only empty the slot, never fill it.
func (c *client) offerState(b *frame) { offer(c.state, b) }

// offerSummary is the same for the session's record.
func (c *client) offerSummary(b *frame) { offer(c.summary, b) }

func offer(slot chan *frame, b *frame) {
	for {
		select {
		case slot <- b:
			return
		default:
		}
		select {
		case <-slot:
		default:
		}
	}
}

// offerCue queues a cue event; false means the page cannot keep up.
func (c *client) offerCue(b *frame) bool {
	select {
	case c.cues <- b:
		return true
	default:
		return false
	}
}

// kill disconnects the page at once; both pumps then end.
func (c *client) kill() {
	c.once.Do(func() {
		close(c.dead)
		c.conn.Close()
	})
}

func (c *client) write(kind int, b []byte) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.t.writeWait))
	return c.conn.WriteMessage(kind, b)
}

// frame is a message encoded once (JSON and websocket framing) and written
// to every page as is.
type frame = websocket.PreparedMessage

func newFrame(b []byte) *frame {
	f, err := websocket.NewPreparedMessage(websocket.TextMessage, b)
	if err != nil { // only compression can fail, and it is off
		panic(err)
	}
	return f
}

func (c *client) writeFrame(f *frame) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.t.writeWait))
	return c.conn.WritePreparedMessage(f)
}

// writePump sends what the hub offers, and pings. When bye closes (the hub
// is shutting down) it sends what is still pending, a close frame, and hangs
// up. done is called as it returns.
func (c *client) writePump(bye <-chan struct{}, done func()) {
	ping := time.NewTicker(c.t.pingPeriod)
	defer func() {
		ping.Stop()
		c.kill()
		done()
	}()
	if c.hello != nil && c.writeFrame(c.hello) != nil {
		return
	}
	for {
		var err error
		select {
		case <-c.dead:
			return
		case <-bye:
			c.goodbye()
			return
		case f := <-c.cues:
			err = c.writeFrame(f)
		case f := <-c.state:
			err = c.writeFrame(f)
		case f := <-c.summary:
			// The last state first: the summary follows the session's end.
			select {
			case st := <-c.state:
				err = c.writeFrame(st)
			default:
			}
			if err == nil {
				err = c.writeFrame(f)
			}
		case b := <-c.errs:
			err = c.write(websocket.TextMessage, b)
		case <-ping.C:
			err = c.write(websocket.PingMessage, nil)
		}
		if err != nil {
			return
		}
	}
}

func (c *client) goodbye() {
	drain := func(ch chan *frame) bool {
		for {
			select {
			case f := <-ch:
				if c.writeFrame(f) != nil {
					return false
				}
			default:
				return true
			}
		}
	}
	if drain(c.cues) && drain(c.state) && drain(c.summary) {
		c.write(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "coach has stopped"))
	}
}

// readPump reads the page's commands until it leaves, goes silent past
// pongWait, or sends a frame over maxMessage (gorilla then answers with
// close code 1009 and the read fails).
func (c *client) readPump(ctl func() Controller) {
	defer c.kill()
	c.conn.SetReadLimit(maxMessage)
	c.conn.SetReadDeadline(time.Now().Add(c.t.pongWait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(c.t.pongWait))
	})
	for {
		kind, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		c.conn.SetReadDeadline(time.Now().Add(c.t.pongWait))
		// A command is JSON in a text frame. gorilla checks neither the
		// frame's type nor that a text frame is UTF-8 (RFC 6455 says to
		// fail the connection with 1007), so both are checked here.
		switch {
		case kind != websocket.TextMessage:
			c.refuse(websocket.CloseUnsupportedData, "commands are JSON text frames")
			return
		case !utf8.Valid(data):
			c.refuse(websocket.CloseInvalidFramePayloadData, "a text frame that is not UTF-8")
			return
		}
		cmd, err := decodeCommand(data)
		if err != nil {
			c.sendError(err.Error())
			continue
		}
		if k := ctl(); k == nil || !k.Send(cmd) {
			c.sendError("the session is not taking commands right now; try again")
		}
	}
}

// refuse closes the connection with a close code and reason, then reads
// (and drops) what the page still sends for a moment, so the page gets the
// close frame instead of a reset.
func (c *client) refuse(code int, reason string) {
	c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(c.t.writeWait))
	c.conn.SetReadDeadline(time.Now().Add(time.Second))
	for {
		if _, _, err := c.conn.NextReader(); err != nil {
			return
		}
	}
}

func (c *client) sendError(msg string) {
	select {
	case c.errs <- encodeError(msg):
	default:
	}
}

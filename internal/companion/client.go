package companion

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/gorilla/websocket"
)

// Timing of the websocket, after gorilla's chat example.
const (
	writeWait  = 5 * time.Second
	pongWait   = 30 * time.Second
	pingPeriod = pongWait * 9 / 10
	maxMessage = 4096 // a bigger frame closes the connection
)

// Controller is what a page may ask of the session: the same commands as
// the keyboard, nothing more.
type Controller interface {
	Send(coach.Command) bool
}

// client is one page. Exactly one goroutine (writePump) writes to conn.
type client struct {
	conn  *websocket.Conn
	state chan []byte // one slot: the latest state wins
	cues  chan []byte
	errs  chan []byte
	done  chan struct{}
	once  sync.Once
}

func newClient(conn *websocket.Conn) *client {
	return &client{conn: conn, state: make(chan []byte, 1), cues: make(chan []byte, cueQueue),
		errs: make(chan []byte, 4), done: make(chan struct{})}
}

// offerState replaces whatever state is waiting: a slow page gets the
// latest snapshot, never a backlog.
func (c *client) offerState(b []byte) {
	for {
		select {
		case c.state <- b:
			return
		default:
		}
		select {
		case <-c.state:
		default:
		}
	}
}

// offerCue queues a cue event; false means the client cannot keep up.
func (c *client) offerCue(b []byte) bool {
	select {
	case c.cues <- b:
		return true
	default:
		return false
	}
}

func (c *client) close() {
	c.once.Do(func() {
		close(c.done)
		c.conn.Close()
	})
}

func (c *client) write(b []byte) error {
	c.conn.SetWriteDeadline(time.Now().Add(writeWait))
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

func (c *client) writePump() {
	ping := time.NewTicker(pingPeriod)
	defer func() {
		ping.Stop()
		c.close()
	}()
	for {
		var err error
		select {
		case <-c.done:
			return
		case b := <-c.state:
			err = c.write(b)
		case b := <-c.cues:
			err = c.write(b)
		case b := <-c.errs:
			err = c.write(b)
		case <-ping.C:
			c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			err = c.conn.WriteMessage(websocket.PingMessage, nil)
		}
		if err != nil {
			return
		}
	}
}

// commandMsg is what a page sends.
type commandMsg struct {
	Type    string `json:"type"`
	Command string `json:"command"`
}

func (c *client) readPump(ctl Controller) {
	defer c.close()
	c.conn.SetReadLimit(maxMessage)
	c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return // includes a frame over maxMessage: the connection closes
		}
		c.conn.SetReadDeadline(time.Now().Add(pongWait))
		var m commandMsg
		if err := json.Unmarshal(data, &m); err != nil {
			c.sendError("malformed message: " + err.Error())
			continue
		}
		if m.Type != "command" {
			c.sendError(`unknown message type "` + m.Type + `"; send {"type":"command","command":"pause"}`)
			continue
		}
		cmd, err := coach.ParseCommand(m.Command)
		if err != nil {
			c.sendError(err.Error())
			continue
		}
		if ctl != nil && !ctl.Send(cmd) {
			c.sendError("the session is busy; try again")
		}
	}
}

func (c *client) sendError(msg string) {
	b, _ := json.Marshal(errorMsg{Type: "error", Message: msg})
	select {
	case c.errs <- b:
	default:
	}
}

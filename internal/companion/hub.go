// Package companion serves the companion page: live session state over a
// websocket, and controls that are exactly as powerful as the keyboard.
package companion

import (
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/coach-dev/coach/coach"
)

// stateMsg and cueMsg are what the server sends; see PROTOCOL in the README.
type stateMsg struct {
	Type string `json:"type"`
	coach.State
}

type cueMsg struct {
	Type string `json:"type"`
	Text string `json:"text"`
	AtMS int64  `json:"at_ms"`
	Seq  uint64 `json:"seq"`
}

type errorMsg struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// cueQueue bounds the cue events waiting for one client; a client further
// behind than this is dropped and catches up with a snapshot on reconnect.
const cueQueue = 32

// Hub fans the session's state out to every connected page. Publishing
// never blocks and never waits on the network: the session stores the
// latest state and pokes the hub's own goroutine, which encodes it once and
// offers it to each client's one-slot mailbox (the latest state wins).
type Hub struct {
	latest atomic.Pointer[coach.State]
	poke   chan struct{}
	cues   chan cueMsg
	quit   chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	clients map[*client]struct{}
	snap    []byte // the latest encoded state, sent to every new client
	dropped atomic.Int64
}

// NewHub starts a hub; Close stops it.
func NewHub() *Hub {
	h := &Hub{poke: make(chan struct{}, 1), cues: make(chan cueMsg, 256), quit: make(chan struct{}),
		done: make(chan struct{}), clients: map[*client]struct{}{}}
	go h.run()
	return h
}

// Publish offers a new state. It never blocks.
func (h *Hub) Publish(st coach.State) {
	h.latest.Store(&st)
	select {
	case h.poke <- struct{}{}:
	default: // a poke is already pending; it will pick this state up
	}
}

// PublishCue announces a prompt as it is heard. It never blocks; if the hub
// is that far behind, the cue is dropped (the state carries the caption).
func (h *Hub) PublishCue(text string, atMS int64, seq uint64) {
	select {
	case h.cues <- cueMsg{Type: "cue", Text: text, AtMS: atMS, Seq: seq}:
	default:
	}
}

// Dropped counts clients evicted for falling behind.
func (h *Hub) Dropped() int64 { return h.dropped.Load() }

// Clients is the number of connected pages.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

func (h *Hub) run() {
	defer close(h.done)
	var evict []*client
	var targets []*client
	for {
		select {
		case <-h.quit:
			return
		case <-h.poke:
			st := h.latest.Load()
			b, err := json.Marshal(stateMsg{Type: "state", State: *st})
			if err != nil {
				continue
			}
			h.mu.Lock()
			h.snap = b
			targets = h.snapshot(targets)
			h.mu.Unlock()
			for _, c := range targets {
				c.offerState(b)
			}
		case m := <-h.cues:
			b, err := json.Marshal(m)
			if err != nil {
				continue
			}
			h.mu.Lock()
			targets = h.snapshot(targets)
			h.mu.Unlock()
			evict = evict[:0]
			for _, c := range targets {
				if !c.offerCue(b) {
					evict = append(evict, c)
				}
			}
			// Eviction happens here, outside the lock held while iterating.
			for _, c := range evict {
				h.dropped.Add(1)
				h.unregister(c)
				c.close()
			}
		}
	}
}

func (h *Hub) snapshot(buf []*client) []*client {
	buf = buf[:0]
	for c := range h.clients {
		buf = append(buf, c)
	}
	return buf
}

// register adds a client and hands it the latest snapshot at once.
func (h *Hub) register(c *client) {
	h.mu.Lock()
	h.clients[c] = struct{}{}
	snap := h.snap
	h.mu.Unlock()
	if snap != nil {
		c.offerState(snap)
	}
}

func (h *Hub) unregister(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// Close stops the hub and disconnects every client.
func (h *Hub) Close() {
	select {
	case <-h.quit:
		return
	default:
	}
	close(h.quit)
	<-h.done
	h.mu.Lock()
	cs := h.snapshot(nil)
	h.mu.Unlock()
	for _, c := range cs {
		c.close()
	}
}

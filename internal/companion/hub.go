// Package companion serves the companion page: live session state over a
// websocket, and controls that are exactly as powerful as the keyboard.
//
// The hub follows gorilla/websocket's chat example, with two changes for a
// publisher that must never wait: each page has a one-slot state mailbox
// (the latest snapshot wins, never a backlog) and a small bounded queue of
// cue events (a page that cannot keep up is dropped and resyncs with a full
// snapshot when it reconnects).
package companion

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/coach-dev/coach/coach"
)

// cueQueue bounds the cue events waiting for one page. Prompts come a few a
// second; a page 32 behind is not reading, and is dropped.
const cueQueue = 32

// hubCues bounds the cues waiting for the hub's own goroutine; past it a cue
// is dropped (the state carries the same caption).
const hubCues = 256

// timing is the websocket's clock, after the chat example. Tests shorten it.
type timing struct {
	writeWait  time.Duration // deadline of every write
	pongWait   time.Duration // a page silent this long (no pong) is gone
	pingPeriod time.Duration // must be less than pongWait
	closeWait  time.Duration // Close waits this long for pages to get the last state
}

var defaultTiming = timing{writeWait: 5 * time.Second, pongWait: 30 * time.Second, pingPeriod: 27 * time.Second, closeWait: time.Second}

// Hub fans the session's state out to every connected page.
//
// Publish stores the state in an atomic pointer and pokes the hub's
// goroutine (a non-blocking send on a one-slot channel), so the session never
// waits on the hub, a lock held by it, or the network. The hub's goroutine
// encodes each state once and offers the bytes to every page's mailbox.
type Hub struct {
	t timing

	latest    atomic.Pointer[coach.State]
	poke      chan struct{}
	cues      chan cueMsg
	summaries chan *frame // one slot: the session's record, once it has ended

	pubMu       sync.Mutex // serialises cue derivation if Publish is called from several goroutines
	lastCaption string

	ended    chan struct{} // closed at the first finished or stopped state
	endOnce  sync.Once
	quit     chan struct{} // Close: the run loop flushes and returns
	done     chan struct{} // the run loop has returned
	bye      chan struct{} // after done: writers send what is pending, a close frame, and hang up
	shutOnce sync.Once

	mu      sync.Mutex // guards clients, snap, closed; never held while writing or evicting
	clients map[*client]struct{}
	snap    *frame // the latest encoded state, sent to every page as it connects
	summary *frame // the session's record once it has ended, likewise
	closed  bool
	writers sync.WaitGroup

	dropped atomic.Int64
	sent    atomic.Int64 // states encoded (not per page)
}

func newHub(t timing) *Hub {
	h := &Hub{t: t, poke: make(chan struct{}, 1), cues: make(chan cueMsg, hubCues), summaries: make(chan *frame, 1),
		ended: make(chan struct{}), quit: make(chan struct{}), done: make(chan struct{}), bye: make(chan struct{}),
		clients: map[*client]struct{}{}}
	go h.run()
	return h
}

// Publish offers a new state to every page. It never blocks and never
// waits on the network. When the caption changes to a new line, a cue
// event goes out too.
func (h *Hub) Publish(st coach.State) {
	h.latest.Store(&st)
	h.pubMu.Lock()
	newLine := st.Caption != "" && st.Caption != h.lastCaption
	h.lastCaption = st.Caption
	h.pubMu.Unlock()
	if newLine {
		h.publishCue(st.Caption, st.ElapsedMS, st.Seq)
	}
	if st.Finished || st.Stopped {
		h.endOnce.Do(func() { close(h.ended) })
	}
	select {
	case h.poke <- struct{}{}:
	default: // a poke is pending; the hub will pick up this state with it
	}
}

// publishCue queues a cue event without blocking; if the hub is that far
// behind, the cue is dropped (the state carries the caption).
func (h *Hub) publishCue(text string, atMS int64, seq uint64) {
	select {
	case h.cues <- cueMsg{Type: typeCue, Text: text, AtMS: atMS, Seq: seq}:
	default:
	}
}

// Ended is closed once a finished or stopped state has been published.
func (h *Hub) Ended() <-chan struct{} { return h.ended }

// Dropped counts pages evicted for falling behind.
func (h *Hub) Dropped() int64 { return h.dropped.Load() }

// Clients is the number of connected pages.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

func (h *Hub) run() {
	defer close(h.done)
	var last *coach.State
	var targets, evict []*client
	sendState := func() {
		st := h.latest.Load()
		if st == nil || st == last {
			return
		}
		last = st
		b := newFrame(encodeState(st))
		h.sent.Add(1)
		h.mu.Lock()
		h.snap = b
		targets = h.appendClients(targets[:0])
		h.mu.Unlock()
		for _, c := range targets {
			c.offerState(b)
		}
		clear(targets) // do not keep departed pages alive
	}
	sendCue := func(m cueMsg) {
		b := newFrame(encodeCue(m.Text, m.AtMS, m.Seq))
		h.mu.Lock()
		targets = h.appendClients(targets[:0])
		h.mu.Unlock()
		evict = evict[:0]
		for _, c := range targets {
			if !c.offerCue(b) {
				evict = append(evict, c)
			}
		}
		clear(targets)
		// Eviction happens here, outside the lock that was held to list the
		// pages: closing a socket may take a while and must not hold up a
		// page that is connecting or leaving.
		for _, c := range evict {
			if h.unregister(c) {
				h.dropped.Add(1)
			}
			c.kill()
		}
		clear(evict)
	}
	for {
		select {
		case <-h.poke:
			sendState()
		case m := <-h.cues:
			sendCue(m)
		case f := <-h.summaries:
			sendState()
			h.sendSummary(f)
		case <-h.quit:
			// Flush: the last cues, then the last state (a finished or
			// stopped session's final snapshot must reach the pages).
		drain:
			for {
				select {
				case m := <-h.cues:
					sendCue(m)
				default:
					break drain
				}
			}
			sendState()
			select {
			case f := <-h.summaries:
				h.sendSummary(f)
			default:
			}
			return
		}
	}
}

func (h *Hub) appendClients(buf []*client) []*client {
	for c := range h.clients {
		buf = append(buf, c)
	}
	return buf
}

// register adds a page and hands it the latest snapshot at once. The
// snapshot is offered under the lock, so it can never overwrite a newer
// state the hub offers right after. It reports false once the hub is closed.
func (h *Hub) register(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.clients[c] = struct{}{}
	h.writers.Add(1)
	if h.snap != nil {
		c.offerState(h.snap)
	}
	if h.summary != nil {
		c.offerSummary(h.summary)
	}
	return true
}

// publishSummary offers the session's record to every page, now and as
// they connect. It goes through the hub's goroutine, after the state
// published before it, so no page sees the summary before the session's
// final state. It never blocks: a newer summary replaces one not yet sent.
func (h *Hub) publishSummary(f *frame) {
	for {
		select {
		case h.summaries <- f:
			return
		default:
		}
		select {
		case <-h.summaries:
		default:
		}
	}
}

// sendSummary is publishSummary on the hub's goroutine.
func (h *Hub) sendSummary(f *frame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.summary = f
	for c := range h.clients {
		c.offerSummary(f)
	}
}

// unregister removes a page; it reports whether the page was there.
func (h *Hub) unregister(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.clients[c]
	delete(h.clients, c)
	return ok
}

// Close stops the hub: the last state is sent, every page gets it (waiting
// at most closeWait for slow ones) and a close frame, then is disconnected.
// It is safe to call more than once and from several goroutines.
func (h *Hub) Close() {
	h.shutOnce.Do(func() {
		close(h.quit)
		<-h.done
		h.mu.Lock()
		h.closed = true
		cs := h.appendClients(nil)
		h.mu.Unlock()
		close(h.bye)
		waited := make(chan struct{})
		go func() { h.writers.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(h.t.closeWait):
		}
		for _, c := range cs {
			c.kill()
		}
	})
}

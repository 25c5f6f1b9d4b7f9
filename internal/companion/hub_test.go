package companion

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func stateN(seq uint64) coach.State {
	return coach.State{Seq: seq, Routine: "upper-back", Phase: "move", Rep: int(seq), Reps: 10,
		Exercise: &coach.ExerciseState{ID: "shoulder-rolls", Name: "Shoulder rolls", Setup: []string{"Sit tall."}, Tips: []string{}}}
}

func TestSnapshotOnConnectAndReconnect(t *testing.T) {
	s := startServer(t, Options{}, nil)
	c := dial(t, s, nil)
	s.Publish(stateN(7))
	m := read(t, c)
	require.Equal(t, uint64(7), m.Seq)

	// A page opened mid-session catches up at once with the full snapshot.
	late := dial(t, s, nil)
	m = read(t, late)
	assert.Equal(t, typeState, m.Type)
	assert.Equal(t, uint64(7), m.Seq)
	assert.Equal(t, "Shoulder rolls", m.Exercise.Name, "the snapshot is the whole state")
	assert.Equal(t, []string{"Sit tall."}, m.Exercise.Setup)

	// The session moves on while a page is away; on reconnect it gets the
	// latest state at once, not what it missed.
	late.Close()
	for seq := uint64(8); seq <= 20; seq++ {
		s.Publish(stateN(seq))
	}
	readUntilSeq(t, c, 20)
	again := dial(t, s, nil)
	m = read(t, again)
	assert.Equal(t, uint64(20), m.Seq)
	assert.Equal(t, 20, m.Rep)
}

// Pages connecting while states stream in never see a state older than
// one they already have (the snapshot offered on connect cannot overwrite a
// newer state), and all end on the last one.
func TestConnectWhilePublishingNeverGoesBack(t *testing.T) {
	s := startServer(t, Options{}, nil)
	stop := make(chan struct{})
	var seq atomic.Uint64
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			s.Publish(stateN(seq.Add(1)))
			time.Sleep(50 * time.Microsecond)
		}
	}()
	var wg sync.WaitGroup
	conns := make(chan *websocket.Conn, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conns <- dial(t, s, nil)
		}()
	}
	wg.Wait()
	close(stop)
	close(conns)
	final := seq.Add(1)
	s.Publish(stateN(final))
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readUntilSeq(t, c, final) // fails on any step back
		}()
	}
	wg.Wait()
}

// 1,000 pages and one that never reads: publishing stays instant, every
// reading page ends on the latest state, states are coalesced.
func TestThousandClientsAndANonReader(t *testing.T) {
	s := startServer(t, Options{}, nil)
	dial(t, s, nil) // connects, never reads
	clients := make([]*websocket.Conn, 1000)
	for i := range clients {
		clients[i] = dial(t, s, nil)
	}
	waitClients(t, s, 1001)
	start := time.Now()
	for seq := uint64(1); seq <= 200; seq++ {
		s.Publish(stateN(seq))
	}
	burst := time.Since(start)
	assert.Less(t, burst, 200*time.Millisecond, "Publish never waits on the network")
	var wg sync.WaitGroup
	var total atomic.Int64
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			total.Add(int64(readUntilSeq(t, c, 200)))
		}()
	}
	wg.Wait()
	took := time.Since(start)
	t.Logf("1,000 pages got the last of 200 states in %s (%.1f states each on average; 200 Publish calls took %s)",
		took.Round(time.Millisecond), float64(total.Load())/1000, burst)
	assert.Less(t, total.Load(), int64(200*1000), "states are coalesced")
	assert.Less(t, took, 10*time.Second)
	assert.Equal(t, 1001, s.Clients(), "states alone never evict a page: a slow one gets the latest")

	// A state the pages have time to take before the next is never
	// coalesced away: each of five reaches every page, in order. (Each is
	// published once every page has the one before: a fixed gap was too
	// short for 1,000 pages on a loaded machine under the race detector.)
	got := make([][]uint64, len(clients))
	var have [206]atomic.Int64
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				m, err := readMsg(c, 20*time.Second)
				if !assert.NoError(t, err) {
					return
				}
				got[i] = append(got[i], m.Seq)
				if m.Seq >= 201 && m.Seq <= 205 {
					have[m.Seq].Add(1)
				}
				if m.Seq == 205 {
					return
				}
			}
		}()
	}
	for seq := uint64(201); seq <= 205; seq++ {
		s.Publish(stateN(seq))
		require.Eventually(t, func() bool { return have[seq].Load() == int64(len(clients)) }, 20*time.Second, time.Millisecond,
			"state %d reached %d of %d pages", seq, have[seq].Load(), len(clients))
	}
	wg.Wait()
	for i := range got {
		require.Equal(t, []uint64{201, 202, 203, 204, 205}, got[i], "page %d", i)
	}
}

// Pages whose sockets are full (they never read) do not delay the others
// or the publisher, and the write deadline disconnects them.
func TestStuckPagesDoNotDelayOthers(t *testing.T) {
	tm := defaultTiming
	tm.writeWait = time.Second
	s := startServer(t, Options{}, &tm)
	for range 3 {
		dial(t, s, nil) // never read
	}
	good := make([]*websocket.Conn, 10)
	for i := range good {
		good[i] = dial(t, s, nil)
	}
	waitClients(t, s, 13)

	// 64 KiB states fill the stuck pages' socket buffers within a few dozen
	// states; their writers then block in Write until the deadline.
	big := stateN(0)
	big.Exercise.Tips = []string{strings.Repeat("Keep your neck long and your jaw relaxed. ", 1600)}
	const n = 200
	arrived := make([]chan time.Time, len(good))
	for i, c := range good {
		arrived[i] = make(chan time.Time, 1)
		go func() {
			for {
				seq, err := readSeq(c, 10*time.Second)
				if err != nil {
					t.Errorf("a reading page: %v", err)
					return
				}
				if seq == n {
					arrived[i] <- time.Now()
					return
				}
			}
		}()
	}
	start := time.Now()
	for seq := uint64(1); seq < n; seq++ {
		big.Seq = seq
		s.Publish(big)
		time.Sleep(time.Millisecond)
	}
	// By now every stuck writer is blocked in Write: publishing is still
	// instant (10,000 more calls), and the last state reaches the others.
	t0 := time.Now()
	for range 10000 {
		s.Publish(big)
	}
	burst := time.Since(t0)
	big.Seq = n
	sentAt := time.Now()
	s.Publish(big)
	var worst time.Duration
	for _, ch := range arrived {
		select {
		case at := <-ch:
			worst = max(worst, at.Sub(sentAt))
		case <-time.After(10 * time.Second):
			t.Fatal("a reading page did not get the last state")
		}
	}
	t.Logf("%d states in %s; 10,000 Publish calls while 3 pages were stuck: %s (%s each); the last state reached all 10 reading pages in %s",
		n, sentAt.Sub(start).Round(time.Millisecond), burst.Round(time.Microsecond), burst/10000, worst.Round(time.Microsecond))
	assert.Less(t, burst, time.Second, "publishing is not slowed by stuck pages")
	assert.Less(t, worst, time.Second, "reading pages are not held up by stuck ones")
	waitClients(t, s, 10) // the write deadline dropped the stuck pages
}

func TestSlowPageGetsTheLatestStateNotABacklog(t *testing.T) {
	s := startServer(t, Options{}, nil)
	c := dial(t, s, nil)
	waitClients(t, s, 1)
	for seq := uint64(1); seq <= 500; seq++ {
		s.Publish(stateN(seq))
		if seq == 10 {
			time.Sleep(100 * time.Millisecond) // the page is busy; states pile up meanwhile
		}
	}
	n := readUntilSeq(t, c, 500)
	assert.Less(t, n, 100, "states are coalesced: a slow page gets the latest")
}

func TestCuesFollowCaptionChanges(t *testing.T) {
	s := startServer(t, Options{}, nil)
	c := dial(t, s, nil)
	waitClients(t, s, 1)
	captions := []string{"", "Breathe in.", "Breathe in.", "", "Breathe in.", "Hold.", "Release.", "", ""}
	for i, cap := range captions {
		st := stateN(uint64(i + 1))
		st.Caption = cap
		st.ElapsedMS = int64(1000 * i)
		s.Publish(st)
	}
	var cues []msg
	for len(cues) < 4 {
		m := read(t, c)
		if m.Type == typeCue {
			cues = append(cues, m)
		}
	}
	want := []msg{
		{Type: typeCue, Text: "Breathe in.", AtMS: 1000, Seq: 2},
		{Type: typeCue, Text: "Breathe in.", AtMS: 4000, Seq: 5}, // the same line said again is a new cue
		{Type: typeCue, Text: "Hold.", AtMS: 5000, Seq: 6},
		{Type: typeCue, Text: "Release.", AtMS: 6000, Seq: 7},
	}
	assert.Equal(t, want, cues)
}

// A page that cannot keep up with cue events is dropped; the others stay,
// and the dropped page resyncs with a snapshot when it comes back.
func TestPageThatCannotKeepUpWithCuesIsDropped(t *testing.T) {
	s := startServer(t, Options{}, nil)
	s.Publish(stateN(1))
	stuck := dial(t, s, nil)
	good := dial(t, s, nil)
	waitClients(t, s, 2)
	cues := make(chan msg, 10000)
	go func() {
		defer close(cues)
		for {
			m, err := readMsg(good, 5*time.Second)
			if err != nil {
				return
			}
			if m.Type == typeCue {
				cues <- m
			}
		}
	}()
	// Big cues, one a millisecond: the reading page keeps up; the stuck
	// page's socket buffers fill, then its queue, and it is dropped.
	text := strings.Repeat("Breathe in, open the arm. ", 2500)
	sent := 0
	for ; sent < 5000 && s.hub.Dropped() == 0; sent++ {
		s.hub.publishCue(text, int64(sent), uint64(sent))
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, int64(1), s.hub.Dropped(), "the stuck page is evicted")
	waitClients(t, s, 1)
	t.Logf("dropped after %d cues of %d KiB", sent, len(text)/1024)

	// The reading page got every cue, in order.
	for i := range sent {
		m, ok := <-cues
		require.True(t, ok, "cue %d missing", i)
		require.Equal(t, int64(i), m.AtMS)
	}

	// The stuck page's connection is gone: reading drains what the kernel
	// buffered, then fails.
	var err error
	for err == nil {
		_, _, err = stuck.ReadMessage()
	}
	// It comes back and catches up at once.
	again := dial(t, s, nil)
	m := read(t, again)
	assert.Equal(t, typeState, m.Type)
	assert.Equal(t, uint64(1), m.Seq)
	waitClients(t, s, 2)
}

// Ping/pong: a page that answers pings stays; one that never answers (it
// does not read, so its pongs never come) is disconnected after pongWait.
func TestPingPong(t *testing.T) {
	tm := defaultTiming
	tm.pongWait, tm.pingPeriod = 400*time.Millisecond, 100*time.Millisecond
	s := startServer(t, Options{}, &tm)
	s.Publish(stateN(1))
	alive := dial(t, s, nil)
	var pings atomic.Int64
	alive.SetPingHandler(func(data string) error {
		pings.Add(1)
		return alive.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, _, err := alive.NextReader(); err != nil {
				return
			}
		}
	}()
	dial(t, s, nil) // silent: no pongs
	waitClients(t, s, 2)
	time.Sleep(1200 * time.Millisecond)
	assert.Equal(t, 1, s.Clients(), "the silent page is gone, the answering one stays")
	assert.GreaterOrEqual(t, pings.Load(), int64(5))
}

// Close sends the last state and a close frame to every page; it is safe
// to call twice and concurrently, and a closed server does not start.
func TestCloseDeliversTheLastState(t *testing.T) {
	s := startServer(t, Options{}, nil)
	c := dial(t, s, nil)
	waitClients(t, s, 1)
	fin := stateN(99)
	fin.Finished = true
	s.Publish(fin)
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); s.Close() }()
	}
	wg.Wait()
	var last msg
	var err error
	for {
		var m msg
		if m, err = readMsg(c, 5*time.Second); err != nil {
			break
		}
		last = m
	}
	assert.True(t, last.Finished, "the page saw the finished state")
	assert.True(t, websocket.IsCloseError(err, websocket.CloseGoingAway), "then a close frame: %v", err)
	assert.Error(t, s.Start(context.Background()))
	_, _, err = dialer.Dial(wsURL(s, ""), nil)
	assert.Error(t, err)
}

// When the run's context ends (Ctrl-C), the server waits for the session's
// stopped state before it hangs up, so pages show the summary.
func TestContextEndWaitsForTheStoppedState(t *testing.T) {
	s, err := New(Options{Addr: "127.0.0.1:0"})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, s.Start(ctx))
	defer s.Close()
	c := dial(t, s, nil)
	waitClients(t, s, 1)
	s.Publish(stateN(1))
	cancel()
	time.Sleep(50 * time.Millisecond) // the session notices ctx a little later
	stopped := stateN(2)
	stopped.Stopped = true
	s.Publish(stopped)
	var last msg
	for {
		m, err := readMsg(c, 5*time.Second)
		if err != nil {
			break
		}
		last = m
	}
	assert.True(t, last.Stopped)
}

package voice

import (
	"errors"
	"sync"
	"time"
)

// Sink plays a Streamer: the sound card (voice/otodev), the wall clock
// (ClockSink) or a file (RenderWAV). Whoever pulls sets the pace: the sink is
// the session's clock.
type Sink interface {
	// Start begins pulling s in the background.
	Start(s Streamer) error
	// Buffered is how many frames were pulled but are not heard yet.
	Buffered() int64
	// Err is why playback failed; nil while it plays.
	Err() error
	// Close lets what is buffered be heard, then stops pulling.
	Close() error
}

// ClockSink pulls frames on the wall clock, silently: `coach run
// --no-audio`, machines without a sound card, and demos at --speed N. It
// counts frames from the time since start, not from ticks, so it never
// drifts however late the ticker fires; a wake-up far later than asked for
// (the process was stopped, the laptop slept) is a pause, not time to
// catch up on.
type ClockSink struct {
	Rate  int
	Speed float64 // 1 is real time
	// Tick is how often the clock pulls on its own. Buffered pulls what is
	// due whenever it is asked, so the frame a session reads is exact at any
	// moment and the clock can sleep long: a silent session costs next to
	// nothing.
	Tick time.Duration

	mu     sync.Mutex // one puller at a time: the ticker or a Buffered call
	s      Streamer
	buf    []float32
	start  time.Time
	last   time.Time
	pulled int64

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// NewClockSink makes a wall-clock sink at rate × speed.
func NewClockSink(rate int, speed float64) *ClockSink {
	if speed <= 0 {
		speed = 1
	}
	return &ClockSink{Rate: rate, Speed: speed, Tick: 250 * time.Millisecond}
}

// Start begins pulling s in the background.
func (c *ClockSink) Start(s Streamer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stop != nil {
		return errors.New("clock sink already started")
	}
	c.s, c.buf = s, make([]float32, 4096)
	c.start = time.Now()
	c.last = c.start
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go c.run()
	return nil
}

func (c *ClockSink) run() {
	defer close(c.done)
	t := time.NewTicker(c.Tick)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.catchUp()
		}
	}
}

// catchUp pulls every frame due by now.
func (c *ClockSink) catchUp() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s == nil {
		return
	}
	now := time.Now()
	if gap := now.Sub(c.last); gap > ClockGap {
		c.start = c.start.Add(gap) // frozen: resume where it was
	}
	c.last = now
	due := int64(now.Sub(c.start).Seconds() * float64(c.Rate) * c.Speed)
	for c.pulled < due {
		n := int(min(due-c.pulled, int64(len(c.buf))))
		c.s.Stream(c.buf[:n])
		c.pulled += int64(n)
	}
}

// ClockGap is how long the clock may go unread before the gap counts as a
// freeze (kill -STOP, Ctrl-Z, a suspended laptop) rather than time played.
const ClockGap = time.Second

// Buffered first pulls what is due (so the streamer's position is the frame
// "heard" now), then reports zero: nothing stands between the pull and the
// listener.
func (c *ClockSink) Buffered() int64 {
	c.catchUp()
	return 0
}

// Err is always nil: the wall clock does not fail.
func (c *ClockSink) Err() error { return nil }

// Close stops pulling.
func (c *ClockSink) Close() error {
	c.once.Do(func() {
		if c.stop != nil {
			close(c.stop)
			<-c.done
		}
	})
	return nil
}

// RenderWAV pulls m as fast as possible in chunks of chunk frames (tests use
// odd sizes so chunk-boundary bugs surface) and writes the timeline, exactly
// m.Length() frames, as 16-bit PCM. progress, if set, is told the frames done.
func RenderWAV(m *Mixer, w *WAVWriter, chunk int, progress func(done, total int64)) error {
	if chunk <= 0 {
		chunk = 4096
	}
	buf := make([]float32, chunk)
	pcm := make([]int16, chunk)
	total := m.Length()
	var done int64
	for done < total {
		n := int(min(int64(chunk), total-done))
		m.Stream(buf[:n])
		for i, v := range buf[:n] {
			pcm[i] = ToInt16(v)
		}
		if err := w.WriteSamples(pcm[:n]); err != nil {
			return err
		}
		done += int64(n)
		if progress != nil {
			progress(done, total)
		}
	}
	return nil
}

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
	Tick  time.Duration

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// NewClockSink makes a wall-clock sink at rate × speed.
func NewClockSink(rate int, speed float64) *ClockSink {
	if speed <= 0 {
		speed = 1
	}
	return &ClockSink{Rate: rate, Speed: speed, Tick: 20 * time.Millisecond}
}

// Start begins pulling s in the background.
func (c *ClockSink) Start(s Streamer) error {
	if c.stop != nil {
		return errors.New("clock sink already started")
	}
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go c.run(s)
	return nil
}

func (c *ClockSink) run(s Streamer) {
	defer close(c.done)
	buf := make([]float32, 4096)
	start := time.Now()
	last := start
	var pulled int64
	t := time.NewTicker(c.Tick)
	defer t.Stop()
	for {
		now := time.Now()
		if gap := now.Sub(last); gap > ClockGap {
			start = start.Add(gap - c.Tick) // frozen: resume where it was
		}
		last = now
		due := int64(now.Sub(start).Seconds() * float64(c.Rate) * c.Speed)
		for pulled < due {
			n := int(min(due-pulled, int64(len(buf))))
			s.Stream(buf[:n])
			pulled += int64(n)
		}
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
	}
}

// ClockGap is how much later than its tick the clock may wake before the
// gap counts as a freeze (kill -STOP, Ctrl-Z, a suspended laptop).
const ClockGap = time.Second

// Buffered is zero: nothing stands between the pull and the "listener".
func (c *ClockSink) Buffered() int64 { return 0 }

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

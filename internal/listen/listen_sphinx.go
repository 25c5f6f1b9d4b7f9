//go:build pocketsphinx

package listen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coach-dev/coach/coach"
)

// closeWait is how long Close waits for the microphone to let go.
const closeWait = time.Second

// source is where samples come from: the microphone, or a file in tests.
type source interface {
	Read(buf []int16) (int, error)
	Close() error
}

// Start opens the microphone and the recogniser and listens until ctx ends
// or Close. Commands go to send (which must not block); each one taken is
// also told to opts.OnHeard.
func Start(ctx context.Context, send func(coach.Command) bool, opts Options) (*Listener, error) {
	model := opts.Model
	if model == "" {
		model = DefaultModel
	}
	rec, err := newRecogniser(model, Phrases())
	if err != nil {
		return nil, err
	}
	mic, err := openMic(opts.Device)
	if err != nil {
		rec.close()
		return nil, err
	}
	return start(ctx, send, opts, rec, mic), nil
}

// pipeline cuts a stream into utterances and recognises each.
type pipeline struct {
	v   vad
	rec *recogniser
}

// decision is one utterance and what the recogniser made of it.
type decision struct {
	utterance
	result
}

func (p *pipeline) feed(pcm []int16) ([]decision, error) {
	var out []decision
	for _, u := range p.v.Write(pcm) {
		if u.TooLong {
			continue // talk, not a command
		}
		r, err := p.rec.recognise(u.PCM)
		if err != nil {
			return out, err
		}
		r.Speech = u.End - u.Onset
		out = append(out, decision{u, r})
	}
	return out, nil
}

func start(ctx context.Context, send func(coach.Command) bool, opts Options, rec *recogniser, src source) *Listener {
	g := &gate{tl: opts.Timeline, heard: opts.Heard}
	done := make(chan struct{})
	ended := make(chan error, 1)
	// The reader closes the microphone and the recogniser itself (never
	// while a Read is blocked), and only then reports how it ended: Close
	// returns with both closed.
	go func() {
		err := listenLoop(ctx, done, send, opts, g, rec, src)
		src.Close()
		rec.close()
		ended <- err
	}()
	var once sync.Once
	var err error
	return &Listener{gate: g, close: func() error {
		once.Do(func() {
			close(done)
			// A read returns within 50 ms; a microphone that hangs must not
			// hold up the end of the session (the reader closes it later).
			select {
			case err = <-ended:
				if err != nil {
					err = fmt.Errorf("listening stopped: %w", err)
				}
			case <-time.After(closeWait):
				err = errors.New("the microphone did not stop; leaving it")
			}
		})
		return err
	}}
}

// listenLoop reads the microphone and sends what it hears until done or ctx
// ends (nil), or reading or decoding fails.
func listenLoop(ctx context.Context, done <-chan struct{}, send func(coach.Command) bool, opts Options, g *gate, rec *recogniser, src source) error {
	p := &pipeline{rec: rec}
	buf := make([]int16, Rate/20) // 50 ms reads
	var pos int64
	for {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return nil
		default:
		}
		n, err := src.Read(buf)
		now := time.Now()
		if err != nil {
			return err
		}
		pos += int64(n)
		// The last sample read was captured about now.
		wall := func(s int64) time.Time { return now.Add(-time.Duration(pos-s) * time.Second / Rate) }
		ds, err := p.feed(buf[:n])
		if err != nil {
			return err
		}
		for _, d := range ds {
			if !accept(d.result, g.speakingAt(wall(d.Onset), wall(d.End), now)) {
				continue
			}
			if send(d.Phrase.Command) && opts.OnHeard != nil {
				opts.OnHeard(Heard{Command: d.Phrase.Command, Words: d.Phrase.Words, Latency: time.Since(wall(d.End))})
			}
		}
	}
}

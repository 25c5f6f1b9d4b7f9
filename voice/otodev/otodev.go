//go:build cgo

// Package otodev plays a Streamer on the sound card through oto. It is the
// only package that imports oto: moving to ebitengine/oto/v3 touches this
// file alone.
package otodev

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"sync"
	"time"

	"github.com/coach-dev/coach/voice"
	"github.com/hajimehoshi/oto/v2"
)

// Device is the sound card, opened once per process (oto allows one context).
type Device struct {
	rate    int
	bufSize time.Duration
	ctx     *oto.Context
	player  oto.Player // kept referenced: oto closes unreachable players
	close   sync.Once
}

var (
	opened  sync.Once
	shared  *Device
	openErr error
)

// Open opens the default device at rate, mono 16-bit, with an ALSA buffer of
// about buffer (its period is half of it). The error is oto's own reason,
// read from ctx.Err() after ready: NewContext reports nothing itself.
func Open(rate int, buffer time.Duration) (*Device, error) {
	opened.Do(func() {
		silenceALSA()
		restore := quietStderr()
		defer restore()
		ctx, ready, err := oto.NewContextWithOptions(&oto.NewContextOptions{
			SampleRate: rate, ChannelCount: 1, Format: oto.FormatSignedInt16LE, BufferSize: buffer,
		})
		if err != nil {
			openErr = fmt.Errorf("open audio device: %w", err)
			return
		}
		<-ready
		if err := ctx.Err(); err != nil {
			openErr = shortError(err)
			return
		}
		shared = &Device{rate: rate, bufSize: buffer, ctx: ctx}
	})
	if openErr != nil {
		return nil, openErr
	}
	if shared.rate != rate {
		return nil, fmt.Errorf("open audio device: already open at %d Hz", shared.rate)
	}
	return shared, nil
}

// Start plays s. The player's own queue is kept to one ALSA buffer: oto
// refills it whenever it is below that size, a whole queue at a time, so it
// holds 20-40 ms; with the ALSA buffer behind it a pause or a skip is heard
// within about 70 ms. Half that queue was measured to hear a pause 13 ms
// sooner, but let oto pad the stream with silence under load (a prompt then
// lands a period late): a gap in the sound is worse than a slower pause.
func (d *Device) Start(s voice.Streamer) error {
	if d.player != nil {
		return errors.New("audio device already playing")
	}
	var r io.Reader = voice.Int16Reader(s, 1)
	p := d.ctx.NewPlayer(r)
	if bs, ok := p.(oto.BufferSizeSetter); ok {
		bs.SetBufferSize(d.bytes(d.bufSize))
	}
	p.Play()
	d.player = p
	return p.Err()
}

func (d *Device) bytes(t time.Duration) int {
	return int(int64(t)*int64(d.rate)/int64(time.Second)) * 2
}

// Buffered is what has been pulled from the streamer but not heard yet: the
// player's queue plus the device buffer.
func (d *Device) Buffered() int64 {
	if d.player == nil {
		return 0
	}
	queued := int64(d.player.UnplayedBufferSize() / 2)
	return queued + int64(d.bytes(d.bufSize)/2)
}

// Err reports a playback error, if any.
func (d *Device) Err() error {
	if d.player == nil {
		return d.ctx.Err()
	}
	if err := d.player.Err(); err != nil {
		return err
	}
	return d.ctx.Err()
}

// Close lets the last buffers be heard, then stops the player.
func (d *Device) Close() error {
	var err error
	d.close.Do(func() {
		if d.player == nil {
			return
		}
		time.Sleep(2*d.bufSize + 100*time.Millisecond)
		err = d.player.Close()
	})
	return err
}

// ErrNoDevice is the reason when no sound device could be opened.
var ErrNoDevice = errors.New("no sound device")

var alsaDefault = regexp.MustCompile(`"default": ([^,]+)`)

// shortError turns oto's report of every ALSA plugin it tried (a dozen
// names on a machine without a sound card) into one line a person can act
// on: what was tried and why it failed.
func shortError(err error) error {
	msg := err.Error()
	if m := alsaDefault.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%w (ALSA \"default\": %s)", ErrNoDevice, m[1])
	}
	return fmt.Errorf("%w: %v", ErrNoDevice, err)
}

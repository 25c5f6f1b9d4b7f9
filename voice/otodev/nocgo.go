//go:build !cgo

package otodev

import (
	"errors"
	"time"

	"github.com/coach-dev/coach/voice"
)

// Device is unavailable without cgo: oto needs ALSA through cgo on Linux.
type Device struct{}

// Open always fails in a build without cgo.
func Open(rate int, buffer time.Duration) (*Device, error) {
	return nil, errors.New("open audio device: this coach was built without cgo, so it cannot use ALSA (use --no-audio)")
}

func (d *Device) Start(s voice.Streamer) error { return errors.New("no audio device") }
func (d *Device) Buffered() int64              { return 0 }
func (d *Device) Err() error                   { return nil }
func (d *Device) Close() error                 { return nil }

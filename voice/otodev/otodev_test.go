//go:build cgo

package otodev

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShortError(t *testing.T) {
	long := errors.New(`oto: ALSA error at snd_pcm_open: "default": No such file or directory, "plug:default": No such file or directory, "pulse": Connection refused, "speex": No such file or directory`)
	err := shortError(long)
	assert.ErrorIs(t, err, ErrNoDevice)
	assert.Equal(t, `no sound device (ALSA "default": No such file or directory)`, err.Error())
	other := shortError(errors.New("oto: something else"))
	assert.Equal(t, "no sound device: oto: something else", other.Error())
}

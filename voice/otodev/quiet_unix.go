//go:build cgo && unix

package otodev

import (
	"os"

	"golang.org/x/sys/unix"
)

// quietStderr points fd 2 at /dev/null while the device opens: with no sound
// card, libasound's plugins (jack, pulse) print several lines of their own
// before oto returns the error coach reports in one line. It returns the
// function that puts stderr back.
func quietStderr() func() {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return func() {}
	}
	saved, err := unix.Dup(2)
	if err != nil {
		null.Close()
		return func() {}
	}
	if err := unix.Dup2(int(null.Fd()), 2); err != nil {
		unix.Close(saved)
		null.Close()
		return func() {}
	}
	return func() {
		unix.Dup2(saved, 2)
		unix.Close(saved)
		null.Close()
	}
}

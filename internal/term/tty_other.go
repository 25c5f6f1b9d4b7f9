//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package term

import (
	"os"

	xterm "golang.org/x/term"
)

// enterRaw switches fd to raw input where the platform has no termios
// this package knows: x/term's MakeRaw.
func enterRaw(fd int) (*xterm.State, error) { return xterm.MakeRaw(fd) }

// foreground cannot tell here; it assumes yes.
func foreground(int) bool { return true }

// keyReader reads the terminal with a plain blocking read: interrupt
// cannot end a read in progress, so Close does not wait for the reader
// (it sends nothing once the view is closed).
type keyReader struct{ f *os.File }

func newKeyReader(in *os.File) (*keyReader, error) { return &keyReader{f: in}, nil }

func (k *keyReader) waits() bool                  { return false }
func (k *keyReader) read(buf []byte) (int, error) { return k.f.Read(buf) }
func (k *keyReader) interrupt()                   {}
func (k *keyReader) close()                       {}

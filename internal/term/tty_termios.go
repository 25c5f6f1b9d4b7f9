//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package term

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
	xterm "golang.org/x/term"
)

// enterRaw switches fd to raw input: keys arrive one by one, unechoed,
// and Ctrl-C is a byte rather than a signal. It is x/term's MakeRaw with
// one difference: output post-processing (OPOST) stays on, so a "\n"
// written by anything else while the view runs (a log line, a panic's
// trace) still returns to the first column.
func enterRaw(fd int) (*xterm.State, error) {
	saved, err := xterm.GetState(fd)
	if err != nil {
		return nil, err
	}
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, t); err != nil {
		return nil, err
	}
	return saved, nil
}

// foreground reports whether this process is in the foreground job of
// the terminal fd. A background job (coach run &) that changed the
// terminal's modes or read it would be stopped by SIGTTOU or SIGTTIN, so it
// is given plain lines and no keys. A terminal that is not this process's
// controlling terminal cannot tell; it counts as foreground.
func foreground(fd int) bool {
	pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	return err != nil || pgrp == unix.Getpgrp()
}

// keyReader reads a terminal until interrupted: it waits in poll(2) on the
// terminal and on a pipe that interrupt writes to, so Close can end the
// reader for certain and no key typed after the session is swallowed.
type keyReader struct {
	in     *os.File // kept so the descriptor stays open while read
	fd     int
	wakeR  int
	wakeW  int
	closed bool
}

func newKeyReader(in *os.File) (*keyReader, error) {
	fd := int(in.Fd())
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return nil, err
	}
	for _, f := range p {
		unix.CloseOnExec(f)
		if err := unix.SetNonblock(f, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return nil, err
		}
	}
	return &keyReader{in: in, fd: fd, wakeR: p[0], wakeW: p[1]}, nil
}

// waits reports that interrupt ends a read in progress, so Close can
// wait for the reader to return.
func (k *keyReader) waits() bool { return true }

// read blocks until keys arrive (n > 0), the terminal goes away or
// interrupt is called (io.EOF).
func (k *keyReader) read(buf []byte) (int, error) {
	fds := []unix.PollFd{{Fd: int32(k.fd), Events: unix.POLLIN}, {Fd: int32(k.wakeR), Events: unix.POLLIN}}
	for {
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return 0, err
		}
		if fds[1].Revents != 0 {
			return 0, io.EOF
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			n, err := unix.Read(k.fd, buf)
			switch {
			case errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN):
				continue
			case err != nil:
				return 0, err
			case n == 0:
				return 0, io.EOF
			}
			return n, nil
		}
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			return 0, io.EOF
		}
	}
}

// interrupt ends a read in progress and every later one.
func (k *keyReader) interrupt() { unix.Write(k.wakeW, []byte{0}) }

// close releases the pipe once the reader has returned.
func (k *keyReader) close() {
	if !k.closed {
		k.closed = true
		unix.Close(k.wakeR)
		unix.Close(k.wakeW)
	}
}

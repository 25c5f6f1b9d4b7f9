//go:build unix

package term

import (
	"os"
	"syscall"
)

// resizeSignals are the signals that tell a terminal changed size.
var resizeSignals = []os.Signal{syscall.SIGWINCH}

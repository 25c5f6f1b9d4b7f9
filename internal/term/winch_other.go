//go:build !unix

package term

import "os"

// resizeSignals is empty: the view re-reads the size at every redraw.
var resizeSignals []os.Signal

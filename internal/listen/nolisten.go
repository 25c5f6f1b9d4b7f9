//go:build !pocketsphinx

package listen

import (
	"context"
	"errors"

	"github.com/coach-dev/coach/coach"
)

// Available reports whether this build can recognise speech.
const Available = false

// Start fails: this build has no recogniser.
func Start(ctx context.Context, send func(coach.Command) bool, opts Options) (*Listener, error) {
	return nil, errors.New("this coach was built without speech recognition (make build, or go build -tags pocketsphinx)")
}

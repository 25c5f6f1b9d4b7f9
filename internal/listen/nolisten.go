//go:build !pocketsphinx

package listen

import (
	"context"
	"errors"

	"github.com/coach-dev/coach/coach"
)

// Start fails: this build has no recogniser.
func Start(ctx context.Context, send func(coach.Command) bool, opts Options) (*Listener, error) {
	return nil, errors.New("this coach was built without speech recognition (make build, or go build -tags pocketsphinx)")
}

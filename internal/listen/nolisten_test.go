//go:build !pocketsphinx

package listen

import (
	"context"
	"strings"
	"testing"

	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A build without the recogniser says so in one line, and how to get one.
func TestStartWithoutRecogniser(t *testing.T) {
	l, err := Start(context.Background(), func(coach.Command) bool { return true }, Options{})
	require.Error(t, err)
	assert.Nil(t, l)
	assert.NotContains(t, err.Error(), "\n")
	assert.True(t, strings.Contains(err.Error(), "-tags pocketsphinx"), err.Error())
}

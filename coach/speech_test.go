package coach_test

import (
	"testing"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The default pack says everything the compiler and the session can say on
// their own, so a new routine only ever needs its own words.
func TestDefaultPackSaysTheVocabulary(t *testing.T) {
	pack, err := voice.Default()
	require.NoError(t, err)
	for _, line := range append(coach.Vocabulary(), coach.PainLine) {
		assert.True(t, coach.CanSay(pack, line), "%q", line)
	}
	for _, line := range coach.Vocabulary() {
		_, ok := pack.Frames(line)
		assert.True(t, ok, "%q is one prompt", line)
	}
}

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

func TestNumberWords(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "zero"}, {7, "seven"}, {19, "nineteen"}, {20, "twenty"}, {21, "twenty-one"}, {99, "ninety-nine"},
		{100, "one hundred"}, {105, "one hundred and five"}, {342, "three hundred and forty-two"}, {600, "six hundred"},
		{999, "nine hundred and ninety-nine"}, {1000, "1000"}, {-1, "-1"},
	} {
		assert.Equal(t, tc.want, coach.NumberWords(tc.n), "%d", tc.n)
	}
}

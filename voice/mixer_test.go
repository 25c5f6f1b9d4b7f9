package voice

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tone is a clip whose every sample is non-zero, so its first frame is
// visible in the output.
func tone(n int, v float32) *Clip {
	s := make([]float32, n)
	for i := range s {
		s[i] = v
		if i%2 == 1 {
			s[i] = -v
		}
	}
	return &Clip{Phrase: "t", Samples: s}
}

// pull renders the whole timeline in chunks of size frames.
func pull(m *Mixer, size int, total int64) []float32 {
	out := make([]float32, 0, total)
	buf := make([]float32, size)
	for int64(len(out)) < total {
		n := min(size, int(total-int64(len(out))))
		m.Stream(buf[:n])
		out = append(out, buf[:n]...)
	}
	return out
}

func onsets(s []float32) []int64 {
	var out []int64
	silent := true
	for i, v := range s {
		if v != 0 && silent {
			out = append(out, int64(i))
		}
		silent = v == 0
	}
	return out
}

var testPlacements = []Placement{
	{At: 100, Clip: tone(300, 0.5)},
	{At: 1000, Clip: tone(479, 0.25)},
	{At: 1479, Clip: tone(1, 0.75)}, // right after the previous one ends
	{At: 4000, Clip: tone(2000, 0.5)},
}

func TestMixerOnsetsAreExactWithOddPullSizes(t *testing.T) {
	for _, size := range []int{1, 7, 479, 480, 1024, 4096, 10000} {
		m := NewMixer(testPlacements, 7000, 1)
		out := pull(m, size, 7000)
		assert.Equal(t, []int64{100, 1000, 4000}, onsets(out), "pull size %d", size)
		assert.Equal(t, float32(0.75), out[1479], "a clip starting at the end of another")
		assert.Equal(t, float32(0), out[1480])
		assert.Equal(t, int64(7000), m.Position())
		assert.True(t, m.Done())
	}
}

func TestMixerIsDeterministic(t *testing.T) {
	a := pull(NewMixer(testPlacements, 7000, 1), 479, 7000)
	b := pull(NewMixer(testPlacements, 7000, 1), 333, 7000)
	assert.Equal(t, a, b)
}

func TestMixerSilenceAfterTheEnd(t *testing.T) {
	m := NewMixer(testPlacements, 7000, 1)
	pull(m, 479, 7000)
	buf := make([]float32, 1000)
	for i := range buf {
		buf[i] = 9
	}
	assert.Equal(t, 1000, m.Stream(buf), "never returns fewer frames")
	assert.Equal(t, make([]float32, 1000), buf)
}

func TestMixerClampsOverlaps(t *testing.T) {
	m := NewMixer([]Placement{{At: 0, Clip: tone(10, 0.8)}, {At: 0, Clip: tone(10, 0.8)}}, 10, 1)
	out := pull(m, 3, 10)
	assert.Equal(t, float32(1), out[0])
	assert.Equal(t, float32(-1), out[1])
}

func TestMixerPauseFreezesAndResumesToTheSample(t *testing.T) {
	m := NewMixer(testPlacements, 7000, 1)
	first := pull(m, 479, 1200) // pause in the middle of the second clip
	m.SetPaused(true)
	paused := pull(m, 479, 5000)
	assert.Equal(t, make([]float32, 5000), paused, "silence while paused")
	assert.Equal(t, int64(1200), m.Position(), "the position does not move")
	assert.Equal(t, int64(6200), m.Pulled())
	m.SetPaused(false)
	rest := pull(m, 479, 5800)
	ref := pull(NewMixer(testPlacements, 7000, 1), 479, 7000)
	assert.Equal(t, ref, append(first, rest...), "with the pause cut out, the output is unchanged")
}

func TestMixerSeekLandsOnTheFrameWithoutHalfWords(t *testing.T) {
	tests := []struct {
		name   string
		at     int64 // pull this many frames first
		target int64
		want   []int64 // onsets after the seek, relative to the seek
	}{
		{"forward to a clip onset", 200, 4000, []int64{0}},
		{"back to the start", 5000, 0, []int64{100, 1000, 4000}},
		{"into the middle of a clip: it stays silent", 50, 1100, []int64{379, 2900}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMixer(testPlacements, 7000, 1)
			pull(m, 479, tt.at)
			m.SeekFrame(tt.target)
			out := pull(m, 479, 7000-tt.target)
			assert.Equal(t, tt.want, onsets(out))
			assert.Equal(t, int64(7000), m.Position())
		})
	}
}

func TestMixerStreamDoesNotAllocate(t *testing.T) {
	m := NewMixer(testPlacements, 1<<40, 1)
	buf := make([]float32, 479)
	allocs := testing.AllocsPerRun(1000, func() { m.Stream(buf) })
	assert.Zero(t, allocs)
}

func TestInt16ReaderAnyReadSize(t *testing.T) {
	ref := pull(NewMixer(testPlacements, 7000, 1), 4096, 7000)
	var want bytes.Buffer
	for _, v := range ref {
		x := ToInt16(v)
		want.Write([]byte{byte(x), byte(uint16(x) >> 8)})
	}
	for _, size := range []int{1, 3, 958, 4096} {
		r := Int16Reader(NewMixer(testPlacements, 7000, 1), 1)
		got := make([]byte, 0, 14000)
		buf := make([]byte, size)
		for len(got) < 14000 {
			n, err := r.Read(buf[:min(size, 14000-len(got))])
			require.NoError(t, err)
			require.Positive(t, n, "never 0 bytes")
			got = append(got, buf[:n]...)
		}
		assert.Equal(t, want.Bytes(), got, "read size %d", size)
	}
	// Stereo duplicates the mono signal on both channels.
	r := Int16Reader(NewMixer(testPlacements, 7000, 1), 2)
	st := make([]byte, 4*200)
	_, err := io.ReadFull(r, st)
	require.NoError(t, err)
	assert.Equal(t, st[400:402], st[402:404])
}

func TestMixerInterjectionHoldsTheTimeline(t *testing.T) {
	m := NewMixer(testPlacements, 7000, 1)
	pull(m, 479, 900)
	line := tone(300, 0.3)
	m.Interject([]Placement{{At: 10, Clip: line}}, 400) // shorter than one pull
	out := pull(m, 479, 958)                            // two pulls: the line, then the timeline again
	assert.Equal(t, []int64{10}, onsets(out[:479]), "the line starts at once")
	assert.Equal(t, float32(0.3), out[10])
	assert.Equal(t, int64(900+479), m.Position(), "the timeline waited for the line, then went on")
	ref := pull(NewMixer(testPlacements, 7000, 1), 479, 7000)
	assert.Equal(t, ref[900:900+479], out[479:], "and continued where it was")
}

func TestGate(t *testing.T) {
	m := NewMixer(nil, 1000, 1)
	g := NewGate(m)
	assert.True(t, g.LastPull().IsZero())
	buf := make([]float32, 479)
	g.Stream(buf)
	assert.Equal(t, int64(479), m.Position())
	assert.WithinDuration(t, time.Now(), g.LastPull(), time.Second)
	g.Cut()
	buf[0] = 1
	assert.Equal(t, 479, g.Stream(buf))
	assert.Equal(t, float32(0), buf[0], "silence after the cut")
	assert.Equal(t, int64(479), m.Position(), "the streamer is not pulled after the cut")
}

package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coach-dev/coach/internal/pulsetest"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRenderMatchesThePlan renders a session to WAV: the file is exactly
// the timeline's length, every prompt starts on its planned frame, and two
// renders are byte-identical.
func TestRenderMatchesThePlan(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.wav"), filepath.Join(dir, "b.wav")
	args := []string{"upper-back", "--only", "childs-pose,scapular-squeeze", "--reps", "2"}
	for _, out := range []string{a, b} {
		r := run(t, nil, append([]string{"render", "-o", out}, args...)...)
		require.Equal(t, 0, r.code, r.err)
		assert.Contains(t, r.out, "wrote "+out)
		assert.Contains(t, r.err, "100%")
	}
	ab, err := os.ReadFile(a)
	require.NoError(t, err)
	bb, err := os.ReadFile(b)
	require.NoError(t, err)
	assert.Equal(t, ab, bb, "renders are deterministic")

	samples, rate, _, err := voice.DecodeWAVFile(a)
	require.NoError(t, err)
	_, cues := loadPlan(t, args...)
	pack, err := voice.Default()
	require.NoError(t, err)
	assert.Equal(t, voice.DefaultRate, rate)
	for _, c := range cues {
		clip, _ := pack.Clip(c.Clips[0])
		lead := 0
		for voice.ToInt16(clip.Samples[lead]) == 0 {
			lead++
		}
		want := int(c.AtFrame) + lead
		got := pulsetest.Onset(samples, want-rate/10, want+rate/10, rate/20)
		assert.Equal(t, want, got, "%q starts on its frame", c.Text)
	}
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 2, "no temporary files are left behind")
}

func TestRenderErrors(t *testing.T) {
	r := run(t, nil, "render", "upper-back")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.err, "render needs -o FILE.wav")
	r = run(t, nil, "render", "upper-back", "-o", "/nonexistent/dir/x.wav")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.err, "coach: render: open /nonexistent/dir/")
}

// BenchmarkRenderBuiltin renders the whole built-in routine to a WAV file
// and reports how many times faster than real time (target: >= 1000x).
func BenchmarkRenderBuiltin(b *testing.B) {
	out := filepath.Join(b.TempDir(), "s.wav")
	a := &app{std: IO{Out: io.Discard, Err: io.Discard, Env: func(string) string { return "" }}}
	root := newRoot(a.std)
	cmd, _, _ := root.Find([]string{"render"})
	var length time.Duration
	for b.Loop() {
		p, err := a.prepare(cmd, "upper-back", &planFlags{})
		if err != nil {
			b.Fatal(err)
		}
		length = p.tl.Duration(p.tl.Length)
		if err := a.render(context.Background(), p, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(length)/float64(b.Elapsed()/time.Duration(b.N)), "x-realtime")
}

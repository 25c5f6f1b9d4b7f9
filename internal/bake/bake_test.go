package bake

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireTool fails in CI (which installs every engine) and skips only on a
// developer machine that truly lacks the program.
func requireTool(t *testing.T, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run must install it", bin)
		}
		t.Skipf("%s is not installed (make test installs it)", bin)
	}
}

func TestBakeWithRealEngines(t *testing.T) {
	texts := []string{"Breathe in, slowly.", `Say "hold" \ now`, "Twenty-one"}
	for _, name := range []string{"festival", "espeak-ng"} {
		t.Run(name, func(t *testing.T) {
			requireTool(t, name)
			e, err := Detect(name)
			require.NoError(t, err)
			var calls int
			clips, err := Bake(context.Background(), e, texts, voice.DefaultRate, func(done, total int) { calls++ })
			require.NoError(t, err)
			require.Len(t, clips, len(texts))
			assert.Equal(t, 1, calls)
			for i, c := range clips {
				assert.Equal(t, voice.Key(texts[i]), c.Phrase)
				assert.Greater(t, c.Frames(), voice.DefaultRate/10, "%q has sound", texts[i])
				assert.Less(t, c.Frames(), 5*voice.DefaultRate)
				var lead int
				for lead < len(c.Samples) && c.Samples[lead] < 0.01 && c.Samples[lead] > -0.01 {
					lead++
				}
				assert.Less(t, lead, voice.DefaultRate*60/1000, "%q: leading silence trimmed", texts[i])
			}
		})
	}
}

func TestDetect(t *testing.T) {
	_, err := Detect("say-it-loud")
	assert.EqualError(t, err, `unknown engine "say-it-loud"; known: festival, flite, espeak-ng`)
	requireTool(t, "festival")
	e, err := Detect("")
	require.NoError(t, err)
	assert.Equal(t, "festival cmu_us_slt_arctic_hts", e.Name(), "the most natural installed voice first")
}

// BenchmarkBakeFestival50 records 50 new phrases with one festival process
// per batch (target: under 10 s).
func BenchmarkBakeFestival50(b *testing.B) {
	if _, err := exec.LookPath("festival"); err != nil {
		b.Fatal("festival is not installed")
	}
	texts := make([]string, 50)
	for i := range texts {
		texts[i] = "Lift your arm slowly, number " + time.Duration(i).String()
	}
	e, err := Detect("festival")
	require.NoError(b, err)
	for b.Loop() {
		_, err := Bake(context.Background(), e, texts, voice.DefaultRate, nil)
		require.NoError(b, err)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/50phrases")
}

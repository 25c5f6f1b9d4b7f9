package bake

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireTool fails in CI (which installs every engine) and skips only on a
// developer machine that truly lacks the program.
func requireTool(t testing.TB, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run must install it", bin)
		}
		t.Skipf("%s is not installed (make test installs it)", bin)
	}
}

// checkClips asserts what every baked prompt must be.
func checkClips(t *testing.T, texts []string, clips []*voice.Clip) {
	t.Helper()
	require.Len(t, clips, len(texts))
	for i, c := range clips {
		require.NotNil(t, c, texts[i])
		assert.Equal(t, coach.Key(texts[i]), c.Phrase)
		assert.Equal(t, texts[i], c.Text)
		assert.Greater(t, c.Frames(), voice.DefaultRate/10, "%q has sound", texts[i])
		assert.NoError(t, voice.CheckClip(c, voice.DefaultRate), "%q is within the pack's limits", texts[i])
	}
}

func TestBakeWithRealEngines(t *testing.T) {
	texts := []string{"Breathe in, slowly.", `Say "hold" \ now`, "Twenty-one"}
	for _, name := range []string{"festival", "espeak-ng"} {
		t.Run(name, func(t *testing.T) {
			requireTool(t, name)
			e, err := Detect(name)
			require.NoError(t, err)
			var seen []int
			start := time.Now()
			clips, err := Bake(context.Background(), e, texts, voice.DefaultRate, func(done, total int) {
				assert.Equal(t, len(texts), total)
				seen = append(seen, done)
			})
			require.NoError(t, err)
			t.Logf("%s: %d phrases in %s", e.Name(), len(texts), time.Since(start).Round(time.Millisecond))
			assert.Equal(t, []int{1, 2, 3}, seen, "progress per phrase")
			checkClips(t, texts, clips)
			// The quoted text is said, not cut at the quote: it is the longest.
			assert.Greater(t, clips[1].Frames(), clips[2].Frames())
		})
	}
}

// The same text baked twice gives the same samples: rebuilding the default
// pack rewrites nothing.
func TestBakeIsDeterministic(t *testing.T) {
	requireTool(t, "festival")
	e, err := Detect("festival")
	require.NoError(t, err)
	texts := []string{"Hold", "Release", "Hold"}
	clips, err := Bake(context.Background(), e, texts, voice.DefaultRate, nil)
	require.NoError(t, err)
	assert.Equal(t, clips[0].Samples, clips[2].Samples)
	again, err := Bake(context.Background(), e, texts[:1], voice.DefaultRate, nil)
	require.NoError(t, err)
	assert.Equal(t, clips[0].Samples, again[0].Samples)
}

func TestDetect(t *testing.T) {
	_, err := Detect("say-it-loud")
	assert.EqualError(t, err, `unknown engine "say-it-loud"; known: festival, flite, espeak-ng`)
	requireTool(t, "festival")
	e, err := Detect("")
	require.NoError(t, err)
	assert.Equal(t, "festival cmu_us_slt_arctic_hts", e.Name(), "the most natural installed voice first")

	t.Setenv("PATH", t.TempDir()) // nothing installed
	_, err = Detect("")
	assert.EqualError(t, err, "no offline voice is installed; install one with: apt-get install festival festvox-us-slt-hts (best), flite, or espeak-ng")
	_, err = Detect("flite")
	assert.EqualError(t, err, "flite is not installed (apt-get install flite)")
}

func TestSchemeString(t *testing.T) {
	tests := map[string]string{
		`Hold`:            `"Hold"`,
		`Say "hold"`:      `"Say \"hold\""`,
		`back\slash`:      `"back\\slash"`,
		`\"`:              `"\\\""`,
		"two\nlines":      "\"two\nlines\"",
		`it's (fine); ok`: `"it's (fine); ok"`,
	}
	for in, want := range tests {
		assert.Equal(t, want, schemeString(in), in)
	}
}

// fake engines: a tone per phrase, its length and pitch set by the text.

type fakeEngine struct {
	fail    int // index that fails, or -1
	reverse bool
	mu      sync.Mutex
	calls   int
}

func (f *fakeEngine) Name() string { return "fake" }

func (f *fakeEngine) write(dir string, i int, text string) (string, error) {
	if i == f.fail {
		return "", fmt.Errorf("cannot say %q", text)
	}
	rate := 16000
	s := make([]float32, rate/10+len(text)*rate/50+rate/5)
	for j := rate / 10; j < len(s)-rate/5; j++ { // 100 ms of silence first, 200 ms after
		s[j] = float32(0.3 * math.Sin(2*math.Pi*200*float64(j)/float64(rate)))
	}
	name := filepath.Join(dir, fmt.Sprintf("fake%d.wav", i))
	out, err := os.Create(name)
	if err != nil {
		return "", err
	}
	defer out.Close()
	return name, voice.EncodeWAV(out, s, rate)
}

func (f *fakeEngine) Synth(ctx context.Context, texts []string, dir string) ([]string, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	var files []string
	for i, t := range texts {
		name, err := f.write(dir, i, t)
		if err != nil {
			return nil, err
		}
		files = append(files, name)
	}
	return files, nil
}

type fakeStreamer struct{ fakeEngine }

func (f *fakeStreamer) SynthEach(ctx context.Context, texts []string, dir string, done func(int, string)) error {
	for k := range texts {
		i := k
		if f.reverse {
			i = len(texts) - 1 - k
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name, err := f.write(dir, i, texts[i])
		if err != nil {
			return err
		}
		done(i, name)
	}
	return nil
}

func TestBakeOrderAndProgress(t *testing.T) {
	texts := make([]string, 60)
	for i := range texts {
		texts[i] = fmt.Sprintf("Phrase number %d", i)
	}
	t.Run("batches", func(t *testing.T) {
		e := &fakeEngine{fail: -1}
		var seen []int
		clips, err := Bake(context.Background(), e, texts, voice.DefaultRate, func(done, total int) { seen = append(seen, done) })
		require.NoError(t, err)
		assert.Equal(t, []int{25, 50, 60}, seen)
		assert.Equal(t, 3, e.calls)
		checkClips(t, texts, clips)
	})
	t.Run("streaming out of order", func(t *testing.T) {
		e := &fakeStreamer{fakeEngine{fail: -1, reverse: true}}
		var seen []int
		clips, err := Bake(context.Background(), e, texts, voice.DefaultRate, func(done, total int) { seen = append(seen, done) })
		require.NoError(t, err)
		require.Len(t, seen, len(texts))
		for i, d := range seen {
			assert.Equal(t, i+1, d)
		}
		checkClips(t, texts, clips)
	})
	t.Run("nothing to say", func(t *testing.T) {
		clips, err := Bake(context.Background(), &fakeStreamer{fakeEngine{fail: -1}}, nil, voice.DefaultRate, nil)
		require.NoError(t, err)
		assert.Empty(t, clips)
	})
}

func TestBakeErrors(t *testing.T) {
	texts := []string{"Hold", "Rest", "Breathe"}
	_, err := Bake(context.Background(), &fakeStreamer{fakeEngine{fail: 1}}, texts, voice.DefaultRate, nil)
	assert.EqualError(t, err, `cannot say "Rest"`)
	_, err = Bake(context.Background(), &fakeEngine{fail: 2}, texts, voice.DefaultRate, nil)
	assert.EqualError(t, err, `cannot say "Breathe"`)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Bake(ctx, &fakeStreamer{fakeEngine{fail: -1}}, texts, voice.DefaultRate, nil)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)

	requireTool(t, "espeak-ng")
	_, err = Bake(ctx, Espeak{}, texts, voice.DefaultRate, nil)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

// A recording that is only silence is refused by name, not made a prompt.
func TestConvertRefusesSilence(t *testing.T) {
	_, err := Convert(make([]float32, 16000), 16000, "Hold", voice.DefaultRate, "hold.wav")
	assert.EqualError(t, err, "hold.wav: silent")
}

func TestParseMark(t *testing.T) {
	tests := []struct {
		line  string
		i     int
		words []Word
		ok    bool
	}{
		{"coach-done 3", 3, nil, true},
		{"coach-done 12 0.1750 0.4250 0.5700 1.1300", 12, []Word{{0.175, 0.425}, {0.57, 1.13}}, true},
		{"coach-done 12 0.1750", 0, nil, false},
		{"coach-done x 0.1 0.2", 0, nil, false},
		{"coach-done 1 0.1 nan-ish", 0, nil, false},
		{"coach-done ", 0, nil, false},
		{"SIOD ERROR: unbound variable", 0, nil, false},
	}
	for _, tt := range tests {
		i, words, ok := parseMark(tt.line)
		assert.Equal(t, tt.ok, ok, tt.line)
		if tt.ok {
			assert.Equal(t, tt.i, i, tt.line)
			assert.InDeltaSlice(t, flatten(tt.words), flatten(words), 1e-9, tt.line)
		}
	}
}

func flatten(ws []Word) []float64 {
	out := []float64{}
	for _, w := range ws {
		out = append(out, w.Start, w.End)
	}
	return out
}

func TestCarrierFor(t *testing.T) {
	tests := []struct {
		text string
		want carrier
	}{
		{"Seven", carrier{say: "Eight. Seven", breaks: []int{0}, first: 1, n: 1}},
		{"One.", carrier{say: "Two. One.", breaks: []int{0}, first: 1, n: 1}},
		{"Twenty-one", carrier{say: "Twenty-two. Twenty-one", breaks: []int{1}, first: 2, n: 2}},
		{"Nineteen", carrier{say: "Twenty. Nineteen", breaks: []int{0}, first: 1, n: 1}},
		{"Ninety-nine", carrier{say: "One hundred. Ninety-nine", breaks: []int{1}, first: 2, n: 2}},
		{"hundred", carrier{say: "One. hundred", breaks: []int{0}, first: 1, n: 1}},
		{"Hold", plain("Hold")},
		{"Exercise one of five", plain("Exercise one of five")},
		{"Zero", plain("Zero")},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, carrierFor(tt.text), tt.text)
	}
}

// Counts are cut out of a countdown said by festival: the clip is the count
// alone (as long as the count said alone, give or take), with every edge
// of it and nothing of the number before.
func TestFestivalCutsCountsFromACarrier(t *testing.T) {
	requireTool(t, "festival")
	texts := []string{"Seven", "Twenty-one", "hundred", "One", "Seven."}
	recs, err := Record(context.Background(), Festival{}, texts, voice.DefaultRate, nil)
	require.NoError(t, err)
	alone, err := Record(context.Background(), Espeak{}, nil, voice.DefaultRate, nil)
	require.NoError(t, err)
	assert.Empty(t, alone)
	for i, r := range recs {
		assert.NoError(t, voice.CheckClip(r.Clip, voice.DefaultRate), texts[i])
		assert.Greater(t, r.Take.From, voice.DefaultRate/4, "%q: cut after the number before it", texts[i])
		assert.Equal(t, len(r.Take.Samples), r.Take.To, "%q: the count ends the carrier", texts[i])
		ls, le, err := r.Loss()
		require.NoError(t, err, texts[i])
		assert.LessOrEqual(t, ls, voice.MaxEdgeLoss, texts[i])
		assert.LessOrEqual(t, le, voice.MaxEdgeLoss, texts[i])
		// Nothing of the word before: the clip starts quiet and stays
		// quiet until its own word.
		lead := voice.Envelope(r.Clip.Samples[:voice.DefaultRate*40/1000], voice.DefaultRate)
		for k, e := range lead {
			require.Less(t, e, 0.003, "%q: silence before the count (%d ms)", texts[i], k)
		}
		d := float64(r.Clip.Frames()) / voice.DefaultRate
		assert.InDelta(t, 0.75, d, 0.35, "%q is one count long: %.2f s", texts[i], d)
	}
	assert.Equal(t, recs[0].Clip.Samples, recs[4].Clip.Samples, "the full stop changes nothing")
}

// A phrase with a voiceless ending festival cuts short ("hips" ends in
// mid-"s") loses at most a fade of it, and still ends without a click.
func TestFestivalShortTailStaysWithinLimits(t *testing.T) {
	requireTool(t, "festival")
	recs, err := Record(context.Background(), Festival{}, []string{"hips", "Stop", "Shrug up"}, voice.DefaultRate, nil)
	require.NoError(t, err)
	for _, r := range recs {
		assert.NoError(t, voice.CheckClip(r.Clip, voice.DefaultRate))
		ls, le, err := r.Loss()
		require.NoError(t, err)
		assert.LessOrEqual(t, ls, voice.MaxEdgeLoss, r.Clip.Text)
		assert.LessOrEqual(t, le, voice.MaxEdgeLoss, r.Clip.Text)
		assert.Equal(t, 0, r.Take.From, "said alone")
	}
}

// Festival's own recordings, cancelled half way: the processes stop.
func TestBakeFestivalCancel(t *testing.T) {
	requireTool(t, "festival")
	texts := make([]string, 40)
	for i := range texts {
		texts[i] = fmt.Sprintf("This is a long sentence to say, number %d, slowly and clearly.", i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled time.Time
	_, err := Bake(ctx, Festival{}, texts, voice.DefaultRate, func(done, total int) {
		if done == 2 {
			cancelled = time.Now()
			cancel()
		}
	})
	require.False(t, cancelled.IsZero(), "two phrases were recorded")
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	// Timed from the cancel, not the start: festival's start-up on a
	// loaded machine is no part of how quickly a cancel is obeyed.
	assert.Less(t, time.Since(cancelled), 2*time.Second, "stopped early, not after all 40 phrases")
}

// BenchmarkBakeFestival50 records 50 new phrases with festival (one process
// per core, converted while festival speaks). Target: under 10 s.
func BenchmarkBakeFestival50(b *testing.B) {
	requireTool(b, "festival")
	texts := make([]string, 50)
	for i := range texts {
		texts[i] = fmt.Sprintf("Lift your arm slowly, number %d", i+1)
	}
	e, err := Detect("festival")
	require.NoError(b, err)
	for b.Loop() {
		_, err := Bake(context.Background(), e, texts, voice.DefaultRate, nil)
		require.NoError(b, err)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/50phrases")
}

// Whatever festival prints, reading its markers never panics, and what is
// read is what a marker line would say.
func FuzzParseMark(f *testing.F) {
	for _, s := range []string{"coach-done 3", "coach-done 12 0.1750 0.4250 0.5700 1.1300", "coach-done -1 1 2", "coach-done 1 1e308 -1e308", "SIOD ERROR", "coach-done 1 NaN Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		i, words, ok := parseMark(line)
		if !ok {
			return
		}
		again := fmt.Sprintf("%s%d", festivalMark, i)
		for _, w := range words {
			again += fmt.Sprintf(" %v %v", w.Start, w.End)
		}
		j, words2, ok := parseMark(again)
		if !ok || j != i || len(words2) != len(words) {
			t.Fatalf("%q read as %d %v, written back as %q", line, i, words, again)
		}
	})
}

// pitch is a plain autocorrelation pitch track (Hz, every 10 ms, voiced
// frames only) for the tests below: enough to tell a fall from a rise.
func pitch(s []float32, rate int) []float64 {
	win := rate * 30 / 1000
	var out []float64
	for i := 0; i+win+rate/100 < len(s); i += rate / 100 {
		x := s[i : i+win]
		var e0 float64
		for _, v := range x {
			e0 += float64(v) * float64(v)
		}
		if e0/float64(win) < 1e-4 { // under -40 dBFS: not voiced
			continue
		}
		best, lag := 0.0, 0
		for l := rate / 400; l <= rate/120; l++ {
			var c, e1 float64
			for j := range x {
				c += float64(x[j]) * float64(s[i+j+l])
				e1 += float64(s[i+j+l]) * float64(s[i+j+l])
			}
			if n := c / math.Sqrt(e0*e1+1e-20); n > best {
				best, lag = n, l
			}
		}
		if best > 0.7 {
			out = append(out, float64(rate)/float64(lag))
		}
	}
	return out
}

func median(x []float64) float64 {
	y := slices.Clone(x)
	slices.Sort(y)
	return y[len(y)/2]
}

// A count cut from the end of a countdown starts without the pitch reset
// of a new sentence and falls, as a count does; festival's number said
// alone starts high (and in the middle of a countdown it would rise, a
// list's tone). Measured on the pack: median first pitch 176 Hz against
// 194 Hz alone.
func TestCountsSoundLikeCounts(t *testing.T) {
	requireTool(t, "festival")
	texts := []string{"One", "Two", "Three", "Four", "Five", "Seven", "Ten", "Twenty-one"}
	counted, err := Record(context.Background(), Festival{}, texts, voice.DefaultRate, nil)
	require.NoError(t, err)
	alone, err := Record(context.Background(), festivalAlone{}, texts, voice.DefaultRate, nil)
	require.NoError(t, err)
	var startC, startA, fall []float64
	for i := range texts {
		c, a := pitch(counted[i].Clip.Samples, voice.DefaultRate), pitch(alone[i].Clip.Samples, voice.DefaultRate)
		require.Greater(t, len(c), 6, texts[i])
		require.Greater(t, len(a), 6, texts[i])
		startC = append(startC, median(c[:3]))
		startA = append(startA, median(a[:3]))
		fall = append(fall, median(c[len(c)/2:])/median(c[:3])) // the second half against the start
	}
	t.Logf("first pitch: counted %.0f Hz, alone %.0f Hz; counted second half/start %.2f", median(startC), median(startA), median(fall))
	assert.Less(t, median(startC), median(startA)-8, "no new sentence's pitch reset")
	assert.Less(t, median(fall), 0.97, "a count falls")
}

// festivalAlone is festival without word timings: every phrase said alone.
type festivalAlone struct{ f Festival }

func (e festivalAlone) Name() string { return e.f.Name() }
func (e festivalAlone) Synth(ctx context.Context, t []string, d string) ([]string, error) {
	return e.f.Synth(ctx, t, d)
}
func (e festivalAlone) SynthEach(ctx context.Context, t []string, d string, done func(int, string)) error {
	return e.f.SynthEach(ctx, t, d, done)
}

// Why counts are said with a forced phrase break: festival's own phrasing
// runs "Eight. Seven." together (no pause in 98 of the 100 carriers), so
// no cut could keep the count's first sound without the last of the word
// before; forced, every carrier pauses (25-205 ms, median 135).
func TestFestivalForcedBreaksGivePauses(t *testing.T) {
	requireTool(t, "festival")
	texts := []string{"Seven", "Three", "Twenty-one", "Ninety-nine", "hundred", "Five"}
	var forced, free []Line
	var first []int
	for _, text := range texts {
		c := carrierFor(text)
		forced = append(forced, Line{Text: c.say, Breaks: c.breaks})
		free = append(free, Line{Text: c.say})
		first = append(first, c.first)
	}
	pauses := func(lines []Line) []float64 {
		out := make([]float64, len(lines))
		var mu sync.Mutex
		err := Festival{}.SynthTimed(context.Background(), lines, t.TempDir(), func(i int, _ string, w []Word) {
			mu.Lock()
			defer mu.Unlock()
			if assert.Len(t, w, first[i]+countWords(texts[i]), lines[i].Text) { // not require: another goroutine
				out[i] = w[first[i]].Start - w[first[i]-1].End
			}
		})
		require.NoError(t, err)
		return out
	}
	withBreak, without := pauses(forced), pauses(free)
	silent := 0
	for i := range texts {
		assert.GreaterOrEqual(t, withBreak[i], 0.02, "%q: a pause before the count", forced[i].Text)
		if without[i] < 0.001 {
			silent++
		}
	}
	t.Logf("pause before the count: forced %v s, festival's own %v s", withBreak, without)
	assert.GreaterOrEqual(t, silent, len(texts)-1, "festival alone runs the count on")
}

package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/bake"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The committed default pack says exactly what the built-in routines and
// the vocabulary need: nothing missing, nothing left over.
func TestDefaultPackIsUpToDate(t *testing.T) {
	phrases, err := allPhrases()
	require.NoError(t, err)
	var keys []string
	for _, p := range phrases {
		keys = append(keys, coach.Key(p))
	}
	sort.Strings(keys)
	p, err := voice.Default()
	require.NoError(t, err)
	assert.Equal(t, keys, p.Phrases(), "run `make voices` (go run ./internal/tools/mkvoices) and commit voice/default")
}

// The committed pack passes the same check a build ends with.
func TestDefaultPackWithinLimits(t *testing.T) {
	st, err := check(filepath.Join("..", "..", "..", "voice", "default"), nil)
	require.NoError(t, err)
	t.Logf("%d prompts, %.1f MB, %.0f s, longest %.1f s, loudest %.1f dBFS, longest lead %d ms, largest DC %.2f LSB",
		st.clips, float64(st.bytes)/1e6, st.seconds, st.longest, st.peakDB, st.leadMS, st.dc)
	// 20 MiB: 368 prompts are 15.2 MB, 2.6 MB of it the 150 ms of margins
	// each prompt keeps so no word loses its edges.
	assert.Less(t, st.bytes, int64(20<<20), "the pack stays small enough to embed")
}

// requireFestival fails in CI (which installs it) and skips only on a
// developer machine that truly lacks it.
func requireFestival(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("festival"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("festival is not installed; .ci/run must install it")
		}
		t.Skip("festival is not installed (make test installs it)")
	}
}

// The pack checker on the committed pack: a sample of prompts is said again
// by festival, untrimmed, and no prompt may have lost more than 20 ms of
// audible sound (within 40 dB of the take's peak) at either end; each is
// also exactly what the build makes from that take. The
// sample is every fourth phrase, every count a countdown or a set says,
// "hundred", and the words whose edges the first pack cut.
func TestDefaultPackKeepsWholeWords(t *testing.T) {
	requireFestival(t)
	p, err := voice.Default()
	require.NoError(t, err)
	phrases, err := allPhrases()
	require.NoError(t, err)
	pick := map[string]bool{"hundred": true, "hips": true, "stop": true, "shrug up": true, "next up": true,
		"slowly come back up": true, "foot": true, "from": true, "forward": true, "face": true, "palms": true}
	for n := 1; n <= 10; n++ {
		pick[coach.Key(coach.NumberWords(n))] = true
	}
	var sample []string
	for i, ph := range phrases {
		if i%4 == 0 || pick[coach.Key(ph)] {
			sample = append(sample, ph)
		}
	}
	dir := filepath.Join("..", "..", "..", "voice", "default")
	f, err := os.Open(filepath.Join(dir, "manifest.json"))
	require.NoError(t, err)
	m, err := voice.ReadManifest(f, "manifest.json")
	f.Close()
	require.NoError(t, err)
	files := map[string]string{}
	for _, c := range m.Clips {
		files[c.Phrase] = c.File
	}
	e, err := bake.Detect("festival")
	require.NoError(t, err)
	recs, err := bake.Record(context.Background(), e, sample, p.Rate(), nil)
	require.NoError(t, err)
	var worstStart, worstEnd time.Duration
	identical := 0
	for i, r := range recs {
		c, ok := p.Clip(sample[i])
		require.True(t, ok, sample[i])
		ls, le, err := voice.EdgeLoss(c.Samples, r.Take.Samples, r.Take.Rate, r.Take.From, r.Take.To)
		if !assert.NoError(t, err, "%q: the committed prompt is a cut of festival's take (run make voices)", sample[i]) {
			continue
		}
		assert.LessOrEqual(t, ls, voice.MaxEdgeLoss, "%q lost audible sound at the start", sample[i])
		assert.LessOrEqual(t, le, voice.MaxEdgeLoss, "%q lost audible sound at the end", sample[i])
		// And the committed file is what a build makes now: byte for byte
		// here; within 2 LSB anywhere, since festival's floating point may
		// round differently on another CPU.
		var b bytes.Buffer
		require.NoError(t, voice.EncodeWAV(&b, r.Clip.Samples, p.Rate()))
		committed, err := os.ReadFile(filepath.Join(dir, files[coach.Key(sample[i])]))
		require.NoError(t, err)
		if bytes.Equal(committed, b.Bytes()) {
			identical++
		} else if assert.Equal(t, len(committed), b.Len(), "%q is not as long as the build makes it now (make voices VOICES_FLAGS=-force)", sample[i]) {
			worst := 0
			for k := 44; k+1 < len(committed); k += 2 {
				d := int(int16(uint16(committed[k])|uint16(committed[k+1])<<8)) - int(int16(uint16(b.Bytes()[k])|uint16(b.Bytes()[k+1])<<8))
				worst = max(worst, d, -d)
			}
			assert.LessOrEqual(t, worst, 2, "%q differs from what the build makes now (make voices VOICES_FLAGS=-force)", sample[i])
		}
		worstStart, worstEnd = max(worstStart, ls), max(worstEnd, le)
	}
	t.Logf("%d of %d prompts compared with festival's untrimmed take: at most %v lost at the start, %v at the end; %d byte for byte what the build makes now",
		len(sample), len(phrases), worstStart, worstEnd, identical)
}

// Every prompt of the default pack starts and ends in silence (no click)
// and is centred (no DC offset).
func TestDefaultPackEdgesAndDC(t *testing.T) {
	p, err := voice.Default()
	require.NoError(t, err)
	n := int(voice.EdgeWindow * time.Duration(p.Rate()) / time.Second)
	limit := math.Pow(10, voice.EdgeDBFS/20)
	var first, last, dc float64
	for _, k := range p.Phrases() {
		c, _ := p.Clip(k)
		a, b := voice.Peak(c.Samples[:n]), voice.Peak(c.Samples[len(c.Samples)-n:])
		assert.Less(t, a, limit, "%q: first 5 ms", k)
		assert.Less(t, b, limit, "%q: last 5 ms", k)
		d := math.Abs(voice.DC(c.Samples))
		assert.Less(t, d, voice.MaxDCLSB, "%q: DC in LSB", k)
		first, last, dc = max(first, a), max(last, b), max(dc, d)
	}
	t.Logf("%d prompts: first 5 ms at most %.1f dBFS, last 5 ms at most %.1f dBFS, |DC| at most %.2f LSB",
		p.Len(), 20*math.Log10(first), 20*math.Log10(last), dc)
}

func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = b
	}
	return out
}

func TestBuildIsIncrementalAndDeterministic(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng is not installed (make deps-test installs it)")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "pack")
	o := options{out: dir, engine: "espeak-ng", keep: true}
	phrases := []string{"Breathe in", "Hold", "Rest"}
	var log bytes.Buffer
	build := func(o options, phrases []string) string {
		t.Helper()
		log.Reset()
		require.NoError(t, run(ctx, o, phrases, &log))
		return log.String()
	}

	assert.Contains(t, build(o, phrases), "3 prompts (3 recorded")
	first := readAll(t, dir)
	assert.Len(t, first, 4, "three WAVs and the manifest")
	p, err := voice.LoadDir(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"breathe in", "hold", "rest"}, p.Phrases())
	assert.Contains(t, string(first["manifest.json"]), `"voice": "espeak-ng"`)

	out := build(o, phrases)
	assert.Contains(t, out, "3 prompts (0 recorded", "nothing to do the second time")
	assert.Contains(t, out, "3 compared with the engine's untrimmed take", "kept prompts are said again and compared")
	assert.Equal(t, first, readAll(t, dir), "and nothing changes")

	require.NoError(t, os.Remove(filepath.Join(dir, "hold.wav")))
	assert.Contains(t, build(o, phrases), "3 prompts (1 recorded", "a missing WAV is recorded again")
	assert.Equal(t, first, readAll(t, dir), "the same bytes as before")

	o.force = true
	assert.Contains(t, build(o, phrases), "3 prompts (3 recorded")
	assert.Equal(t, first, readAll(t, dir), "forcing gives the same bytes too")
	o.force = false

	require.NoError(t, os.WriteFile(filepath.Join(dir, "stray.wav"), []byte("x"), 0o644))
	o.dryRun = true
	out = build(o, []string{"Hold", "Rest", "Well done"})
	assert.Equal(t, "record \"Well done\"\nremove \"breathe in\"\n", out)
	assert.Equal(t, 5, len(readAll(t, dir)), "a dry run changes nothing")
	o.dryRun = false

	assert.Contains(t, build(o, []string{"Hold", "Rest", "Well done."}), "3 prompts (1 recorded in")
	files := readAll(t, dir)
	assert.NotContains(t, files, "breathe-in.wav", "no longer needed")
	assert.NotContains(t, files, "stray.wav", "not in the manifest")
	assert.Contains(t, files, "well-done.wav")
	assert.Equal(t, first["hold.wav"], files["hold.wav"])
}

// A prompt cut into its word fails the build, named with what it lost.
func TestBuildRefusesAPromptThatLostItsEdges(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng is not installed (make deps-test installs it)")
	}
	e, err := bake.Detect("espeak-ng")
	require.NoError(t, err)
	recs, err := bake.Record(context.Background(), e, []string{"Stop"}, voice.DefaultRate, nil)
	require.NoError(t, err)
	c := recs[0].Clip
	// Cut 60 ms into the word, as an absolute -30 dBFS trim would.
	start := slices.IndexFunc(c.Samples, func(v float32) bool { return math.Abs(float64(v)) > 0.03 })
	require.Greater(t, start, 0)
	cut := slices.Clone(c.Samples[start+voice.DefaultRate*60/1000:])
	voice.Fade(cut, voice.DefaultRate, 10*time.Millisecond, 0)
	cut = append(make([]float32, voice.DefaultRate/100), cut...)
	dir := t.TempDir()
	_, _, err = voice.SaveDir(dir, e.Name(), []*voice.Clip{{Phrase: "stop", Text: "Stop", Samples: cut}}, false)
	require.NoError(t, err)
	err = run(context.Background(), options{out: dir, engine: "espeak-ng", keep: true}, []string{"Stop"}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Regexp(t, `^1 of 1 prompts out of limits: "stop" lost [0-9]+ms of audible sound at the start and 0s at the end \(at most 20ms\)$`, err.Error())
}

func TestBuildRefusesAPromptOutOfLimits(t *testing.T) {
	dir := t.TempDir()
	loud := make([]float32, voice.DefaultRate)
	for i := range loud {
		loud[i] = 0.95
	}
	_, _, err := voice.SaveDir(dir, "test", []*voice.Clip{{Phrase: "hold", Text: "Hold", Samples: loud}}, false)
	require.NoError(t, err)
	err = run(context.Background(), options{out: dir, engine: "espeak-ng"}, []string{"Hold"}, &bytes.Buffer{})
	assert.EqualError(t, err, `1 of 1 prompts out of limits: "hold" peaks at -0.45 dBFS (at most -1 dBFS)`)
}

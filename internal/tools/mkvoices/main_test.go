package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/coach-dev/coach/coach"
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
	st, err := check(filepath.Join("..", "..", "..", "voice", "default"))
	require.NoError(t, err)
	t.Logf("%d prompts, %.1f MB, %.0f s, longest %.1f s, loudest %.1f dBFS, longest lead %d ms",
		st.clips, float64(st.bytes)/1e6, st.seconds, st.longest, st.peakDB, st.leadMS)
	assert.Less(t, st.bytes, int64(16<<20), "the pack stays small enough to embed")
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
	o := options{out: dir, engine: "espeak-ng"}
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

	assert.Contains(t, build(o, phrases), "3 prompts (0 recorded", "nothing to do the second time")
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
	out := build(o, []string{"Hold", "Rest", "Well done"})
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

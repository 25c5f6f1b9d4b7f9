package voice

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKey(t *testing.T) {
	tests := map[string]string{
		"Breathe in,":            "breathe in",
		"  breathe   IN ":        "breathe in",
		"Child's pose.":          "child's pose",
		"Child’s pose":           "child's pose",
		"Bent-over row":          "bent-over row",
		"Next up: open books!":   "next up open books",
		"twenty-one":             "twenty-one",
		"- dash -":               "dash",
		"That's the end... 100%": "that's the end 100",
	}
	for in, want := range tests {
		assert.Equal(t, want, coach.Key(in), in)
	}
}

func TestDefaultPack(t *testing.T) {
	p, err := Default()
	require.NoError(t, err)
	assert.Equal(t, DefaultRate, p.Rate())
	assert.Greater(t, p.Len(), 200)
	for _, phrase := range []string{"breathe in", "hold", "release", "next up", "halfway", "rest", "well done", "left side", "right side", "one", "thirty"} {
		n, ok := p.Frames(phrase)
		if assert.True(t, ok, "the default pack says %q", phrase) {
			assert.Greater(t, n, DefaultRate/20, phrase)
		}
	}
	var total int
	for _, k := range p.Phrases() {
		c, ok := p.Clip(k)
		require.True(t, ok, k)
		assert.Equal(t, k, c.Phrase)
		assert.NoError(t, CheckClip(c, p.Rate()), "every prompt is within limits")
		assert.Equal(t, "default", p.Source(k))
		total += c.Frames()
	}
	t.Logf("default pack: %d prompts, %.1f s of speech", p.Len(), float64(total)/DefaultRate)
	again, err := Default()
	require.NoError(t, err)
	assert.Same(t, p, again, "decoded once")
}

func TestDefaultManifestMatchesFiles(t *testing.T) {
	f, err := embedded.Open("default/manifest.json")
	require.NoError(t, err)
	defer f.Close()
	m, err := ReadManifest(f, "manifest.json")
	require.NoError(t, err)
	assert.Equal(t, DefaultRate, m.Rate)
	assert.Equal(t, "festival cmu_us_slt_arctic_hts", m.Voice)
	p, err := Default()
	require.NoError(t, err)
	require.Len(t, m.Clips, p.Len())
	for _, e := range m.Clips {
		n, ok := p.Frames(e.Phrase)
		require.True(t, ok, e.Phrase)
		assert.Equal(t, e.Frames, n, "%s: the manifest's length is the file's", e.File)
		assert.Equal(t, Slug(e.Phrase), e.File)
		assert.Equal(t, e.Phrase, coach.Key(e.Text))
	}
	files, err := fs.Glob(embedded, "default/*.wav")
	require.NoError(t, err)
	assert.Len(t, files, len(m.Clips), "no WAV outside the manifest")
}

func TestCheckClip(t *testing.T) {
	rate := DefaultRate
	// A tone after lead samples of silence, faded in and out and followed
	// by 50 ms of silence, like a prompt.
	voice := func(lead int, n int, amp float32) *Clip {
		tone := sine(220, rate, n, float64(amp))
		Fade(tone, rate, 10*time.Millisecond, 30*time.Millisecond)
		s := make([]float32, lead+n+rate/20)
		copy(s[lead:], tone)
		return &Clip{Phrase: "hold", Samples: s}
	}
	unfaded := func(n int) *Clip { return &Clip{Phrase: "hold", Samples: sine(220, rate, n, 0.5)} }
	endsLoud := func(n int) *Clip {
		s := make([]float32, rate/100+n)
		tone := sine(220, rate, n, 0.5)
		Fade(tone, rate, 10*time.Millisecond, 0)
		copy(s[rate/100:], tone)
		return &Clip{Phrase: "hold", Samples: s}
	}
	withDC := func(c *Clip, lsb float32) *Clip {
		for i := range c.Samples {
			c.Samples[i] += lsb / 32768
		}
		return c
	}
	tests := []struct {
		name string
		clip *Clip
		want string
	}{
		{"fine", voice(rate/100, rate/2, 0.5), ""},
		{"fine, odd length", voice(479, 4793, 0.5), ""},
		{"at the peak limit", voice(rate/100, rate/2, 0.8912), ""},
		{"a 145 ms lead", voice(rate*145/1000, rate/2, 0.5), ""},
		{"empty", &Clip{Phrase: "hold"}, `"hold" is empty`},
		{"too long", voice(0, 8*rate-rate/20, 0.5), `"hold" is 8.0 s long (under 8 s)`},
		{"too loud", voice(0, rate/2, 0.95), `"hold" peaks at -0.45 dBFS (at most -1 dBFS)`},
		{"silent", voice(0, rate/2, 0.001), `"hold" is silent (nothing above -50 dBFS)`},
		{"late", voice(rate*15/100, rate/2, 0.5), `"hold" starts with 150 ms of silence (under 150 ms)`},
		{"starts with a click", unfaded(rate / 2), `"hold" starts at -6.0 dBFS in its first 5ms (under -50 dBFS: no click)`},
		{"ends with a click", endsLoud(rate / 2), `"hold" ends at -6.0 dBFS in its last 5ms (under -50 dBFS: no click)`},
		{"DC offset", withDC(voice(rate/100, rate/2, 0.5), 12), `"hold" has a DC offset of 11.3 LSB (under 10)`},
		{"DC offset under the limit", withDC(voice(rate/100, rate/2, 0.5), 9), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckClip(tt.clip, rate)
			if tt.want == "" {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, tt.want)
			}
		})
	}
}

func writePack(t *testing.T, dir string, clips map[string][]float32) {
	t.Helper()
	var cs []*Clip
	for text, s := range clips {
		cs = append(cs, &Clip{Phrase: coach.Key(text), Text: text, Samples: s})
	}
	_, _, err := SaveDir(dir, "test", cs, false)
	require.NoError(t, err)
}

func TestSaveLoadAndLayer(t *testing.T) {
	dir := t.TempDir()
	writePack(t, dir, map[string][]float32{"Hold": {0.5, -0.5, 0.25}, "Rest": {0.1}})
	p, err := LoadDir(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"hold", "rest"}, p.Phrases())
	n, ok := p.Frames("HOLD.")
	assert.True(t, ok)
	assert.Equal(t, 3, n)

	// A second save never replaces a prompt without force.
	written, skipped, err := SaveDir(dir, "test", []*Clip{{Phrase: "hold", Text: "Hold", Samples: []float32{0.9}}}, false)
	require.NoError(t, err)
	assert.Empty(t, written)
	assert.Equal(t, []string{"Hold"}, skipped)
	p, err = LoadDir(dir)
	require.NoError(t, err)
	n, _ = p.Frames("hold")
	assert.Equal(t, 3, n, "the recorded prompt is kept")
	_, _, err = SaveDir(dir, "test", []*Clip{{Phrase: "hold", Text: "Hold", Samples: []float32{0.9}}}, true)
	require.NoError(t, err)
	p, err = LoadDir(dir)
	require.NoError(t, err)
	n, _ = p.Frames("hold")
	assert.Equal(t, 1, n, "force replaces it")

	def, err := Default()
	require.NoError(t, err)
	layered := p.Over(def)
	n, _ = layered.Frames("hold")
	assert.Equal(t, 1, n, "the user's prompt wins")
	assert.Equal(t, dir, layered.Source("hold"))
	assert.Equal(t, "default", layered.Source("halfway"))
	assert.Equal(t, def.Len(), layered.Len(), "hold and rest replace the default's")
	n, _ = def.Frames("hold")
	assert.Greater(t, n, 1, "layering leaves the base alone")
}

func TestSaveDirNamesAndRates(t *testing.T) {
	dir := t.TempDir()
	_, _, err := SaveDir(dir, "festival", []*Clip{{Phrase: "it's", Text: "It's", Samples: []float32{0.1}}}, false)
	require.NoError(t, err)
	_, _, err = SaveDir(dir, "recorded", []*Clip{{Phrase: "Its", Text: "Its", Samples: []float32{0.2, 0.2}}}, false)
	require.NoError(t, err)
	f, err := os.Open(filepath.Join(dir, "manifest.json"))
	require.NoError(t, err)
	m, err := ReadManifest(f, "manifest.json")
	f.Close()
	require.NoError(t, err)
	assert.Equal(t, "festival, recorded", m.Voice)
	assert.Equal(t, []ManifestEntry{
		{Phrase: "it's", Text: "It's", File: "its.wav", Frames: 1},
		{Phrase: "its", Text: "Its", File: "its-2.wav", Frames: 2},
	}, m.Clips, "phrases whose names slug alike keep separate files")
	p, err := LoadDir(dir)
	require.NoError(t, err)
	n, _ := p.Frames("its")
	assert.Equal(t, 2, n)
	n, _ = p.Frames("it's")
	assert.Equal(t, 1, n)

	// A pack made at another rate keeps it: new prompts are converted.
	old := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(old, "manifest.json"), []byte(`{"version":1,"rate":16000,"voice":"me","clips":[]}`), 0o644))
	_, _, err = SaveDir(old, "me", []*Clip{{Phrase: "hold", Text: "Hold", Samples: make([]float32, DefaultRate)}}, false)
	require.NoError(t, err)
	p, err = LoadDir(old)
	require.NoError(t, err)
	assert.Equal(t, 16000, p.Rate())
	n, _ = p.Frames("hold")
	assert.Equal(t, 16000, n, "one second at 16 kHz")
}

func TestOverResamplesAnotherRate(t *testing.T) {
	user := NewPack("mine", 16000, []*Clip{{Phrase: "hold", Text: "Hold", Samples: sine(440, 16000, 16000, 0.5)}})
	base := NewPack("base", DefaultRate, []*Clip{{Phrase: "rest", Text: "Rest", Samples: make([]float32, 10)}})
	p := user.Over(base)
	assert.Equal(t, DefaultRate, p.Rate())
	n, ok := p.Frames("hold")
	require.True(t, ok)
	assert.Equal(t, DefaultRate, n, "one second at the base's rate")
	c, _ := p.Clip("hold")
	assert.InDelta(t, 0.5, amplitudeAt(c.Samples[DefaultRate/4:3*DefaultRate/4], 440, DefaultRate), 0.01, "same pitch")
	assert.Equal(t, "mine", p.Source("hold"))
	assert.Equal(t, "base", p.Source("rest"))
	assert.Equal(t, []string{"hold", "rest"}, p.Phrases())
	assert.Empty(t, p.Source("nothing"))
}

func TestLoadDirErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(dir string)
		want  string
	}{
		{"no manifest", func(string) {}, "manifest.json: no such file or directory"},
		{"missing file", func(dir string) {
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"version":1,"rate":24000,"voice":"x","clips":[{"phrase":"hold","text":"Hold","file":"hold.wav","frames":3}]}`), 0o644)
		}, "hold.wav: listed in the manifest but cannot be read: no such file or directory"},
		{"corrupt wav", func(dir string) {
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"version":1,"rate":24000,"voice":"x","clips":[{"phrase":"hold","text":"Hold","file":"hold.wav","frames":3}]}`), 0o644)
			os.WriteFile(filepath.Join(dir, "hold.wav"), []byte("RIFF....WAVEjunk"), 0o644)
		}, "hold.wav: truncated or missing format chunk"},
		{"folder instead of a file", func(dir string) {
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"version":1,"rate":24000,"voice":"x","clips":[{"phrase":"hold","text":"Hold","file":"hold.wav","frames":3}]}`), 0o644)
			os.Mkdir(filepath.Join(dir, "hold.wav"), 0o755)
		}, "hold.wav: is a directory"},
		{"bad manifest", func(dir string) {
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"version":1,"rate":24000,"clips":[],"speaker":"me"}`), 0o644)
		}, `manifest.json: bad manifest: json: unknown field "speaker"`},
		{"second clip corrupt", func(dir string) {
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"version":1,"rate":24000,"voice":"x","clips":[{"phrase":"hold","text":"Hold","file":"hold.wav","frames":3},{"phrase":"rest","text":"Rest","file":"rest.wav","frames":3}]}`), 0o644)
			var b bytes.Buffer
			EncodeWAV(&b, []float32{0.1, 0.2, 0.3}, 24000)
			os.WriteFile(filepath.Join(dir, "hold.wav"), b.Bytes(), 0o644)
			os.WriteFile(filepath.Join(dir, "rest.wav"), b.Bytes()[:48], 0o644)
		}, "rest.wav: truncated data (4 of 6 bytes)"},
		{"wrong rate", func(dir string) {
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"version":1,"rate":24000,"voice":"x","clips":[{"phrase":"hold","text":"Hold","file":"hold.wav","frames":3}]}`), 0o644)
			var b bytes.Buffer
			EncodeWAV(&b, []float32{0.1, 0.2}, 16000)
			os.WriteFile(filepath.Join(dir, "hold.wav"), b.Bytes(), 0o644)
		}, "hold.wav: sample rate 16000 Hz, but the pack is 24000 Hz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(dir)
			_, err := LoadDir(dir)
			require.Error(t, err)
			assert.True(t, strings.HasSuffix(err.Error(), tt.want), err.Error())
			assert.True(t, strings.HasPrefix(err.Error(), dir), "names the file: %v", err)
		})
	}
}

func TestReadManifestErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{`, "m.json: bad manifest: unexpected EOF"},
		{`{"version":1,"rate":24000,"clips":[],"extra":1}`, `m.json: bad manifest: json: unknown field "extra"`},
		{`{"version":2,"rate":24000,"clips":[]}`, "m.json: manifest version 2 is not 1"},
		{`{"version":1,"rate":5,"clips":[]}`, "m.json: manifest rate 5 Hz is out of range"},
		{`{"version":1,"rate":24000,"clips":[{"phrase":"Hold","file":"h.wav"}]}`, `m.json: clip 1: phrase "Hold" is not a normalised key (want "hold")`},
		{`{"version":1,"rate":24000,"clips":[{"phrase":"hold","file":"../etc/passwd"}]}`, `m.json: clip "hold": file name "../etc/passwd" must be a plain lower-case .wav name`},
		{`{"version":1,"rate":24000,"clips":[{"phrase":"hold","file":"a.wav"},{"phrase":"hold","file":"b.wav"}]}`, `m.json: phrase "hold" is listed twice`},
	}
	for _, tt := range tests {
		_, err := ReadManifest(strings.NewReader(tt.in), "m.json")
		assert.EqualError(t, err, tt.want)
	}
}

// FuzzReadManifest seeds with a few clips of the default manifest, not all
// of it: every input that finds new coverage is minimised (up to a minute,
// one byte at a time, outside the exec count), and mutants of the 43 KB
// manifest kept both workers minimising for most of a run (25 execs/s).
func FuzzReadManifest(f *testing.F) {
	f.Add([]byte(`{"version":1,"rate":24000,"voice":"x","clips":[{"phrase":"hold","text":"Hold","file":"hold.wav","frames":3}]}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"rate":24000,"clips":[{"phrase":"hold","file":"a.wav"},{"phrase":"hold","file":"b.wav"}]}`))
	f.Add([]byte(`{"version":1,"rate":24000,"clips":[{"phrase":"hold","file":"../x.wav"}]} {}`))
	f.Add(defaultManifestExcerpt(f, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadManifest(bytes.NewReader(data), "f.json")
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "f.json: "), err.Error())
			assert.NotContains(t, err.Error(), "\n")
			return
		}
		for _, c := range m.Clips {
			assert.Equal(t, coach.Key(c.Phrase), c.Phrase)
			assert.NotContains(t, c.File, "/")
		}
	})
}

// defaultManifestExcerpt is the default pack's manifest cut to its first n
// clips: the real shape and field order, a few hundred bytes.
func defaultManifestExcerpt(tb testing.TB, n int) []byte {
	tb.Helper()
	b, err := fs.ReadFile(embedded, "default/manifest.json")
	require.NoError(tb, err)
	m, err := ReadManifest(bytes.NewReader(b), "default/manifest.json")
	require.NoError(tb, err)
	require.Greater(tb, len(m.Clips), n)
	m.Clips = m.Clips[:n]
	var out bytes.Buffer
	require.NoError(tb, WriteManifest(&out, m))
	return out.Bytes()
}

func TestSafeFile(t *testing.T) {
	// The rule as it was first written, as an oracle.
	want := regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,120}\.wav$`)
	names := []string{"a.wav", "hold.wav", "breathe-in.wav", "x_1.2.wav", "0.wav", ".wav", "-a.wav", "_a.wav", "..wav",
		"a.WAV", "A.wav", "a.wa", "a", "", "a/b.wav", "../a.wav", "a b.wav", "é.wav", "a.wav\n", "a\x00.wav", "a.wav.wav",
		strings.Repeat("a", 121) + ".wav", strings.Repeat("a", 122) + ".wav"}
	for _, n := range names {
		assert.Equal(t, want.MatchString(n), safeFile(n), "%q", n)
	}
}

// BenchmarkReadManifest reads the default pack's manifest (308 clips).
func BenchmarkReadManifest(b *testing.B) {
	data, err := fs.ReadFile(embedded, "default/manifest.json")
	require.NoError(b, err)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ReadManifest(bytes.NewReader(data), "manifest.json"); err != nil {
			b.Fatal(err)
		}
	}
}

package cli

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coach-dev/coach/internal/pulsetest"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteYourOwnRoutine follows the README's walkthrough, with each
// offline engine: new, validate, plan, voice check, voice bake, render, run.
func TestWriteYourOwnRoutine(t *testing.T) {
	for _, engine := range []string{"festival", "espeak-ng"} {
		t.Run(engine, func(t *testing.T) {
			pulsetest.Require(t, engine)
			home := t.TempDir()
			env := map[string]string{"HOME": home}
			file := filepath.Join(home, ".config", "coach", "scripts", "neck-stretches.yaml")

			r := run(t, env, "new", "neck-stretches")
			require.Equal(t, 0, r.code, r.err)
			r = run(t, env, "validate", file)
			require.Equal(t, 0, r.code, r.out)
			r = run(t, env, "plan", "neck-stretches")
			require.Equal(t, 0, r.code, r.err)
			assert.Contains(t, r.out, "Chin tuck")

			r = run(t, env, "voice", "check", "neck-stretches")
			require.Equal(t, 0, r.code, "word by word is not missing: %s", r.out)
			assert.Contains(t, r.out, `word by word  "Tuck your chin"`)

			r = run(t, env, "voice", "bake", "neck-stretches", "--engine", engine)
			require.Equal(t, 0, r.code, r.err)
			assert.Contains(t, r.out, "recorded 14 prompts into "+filepath.Join(home, ".local", "share", "coach", "voice"))

			r = run(t, env, "voice", "check", "neck-stretches")
			require.Equal(t, 0, r.code)
			assert.Contains(t, r.out, "0 said word by word, 0 missing")

			r = run(t, env, "voice", "bake", "neck-stretches", "--engine", engine)
			assert.Equal(t, 0, r.code)
			assert.Contains(t, r.out, "nothing to record", "baking twice records nothing new")

			wav := filepath.Join(home, "neck.wav")
			r = run(t, env, "render", "neck-stretches", "-o", wav)
			require.Equal(t, 0, r.code, r.err)
			s, rate, _, err := voice.DecodeWAVFile(wav)
			require.NoError(t, err)
			assert.Greater(t, len(s), 60*rate)

			r = run(t, env, "run", "neck-stretches", "--only", "chin-tuck", "--no-audio", "--speed", "200", "--companion", "off")
			require.Equal(t, 0, r.code, r.err)
			assert.Contains(t, r.out, "Session finished — ")
			assert.Contains(t, r.out, "1 of 1 exercises, 10 of 10 reps")

			r = run(t, env, "voice", "list", "--json")
			require.Equal(t, 0, r.code)
			assert.Contains(t, r.out, `"phrase": "tuck your chin"`)
			assert.Contains(t, r.out, `"pack": "yours (`)
		})
	}
}

func TestVoiceCheckMissing(t *testing.T) {
	dir := t.TempDir()
	f := writeScript(t, dir, "z.yaml", strings.Replace(okScript, "say: Squeeze.", "say: Squeeze like a zebra.", 1))
	r := run(t, nil, "voice", "check", f)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.out, `missing       "Squeeze like a zebra"`)
	assert.Contains(t, r.out, "record them with: coach voice bake "+f)
}

// wavBytes encodes a 440 Hz tone in the given format by hand, as a
// person's recorder might have written it.
func wavBytes(format, channels, rate, bits int, seconds float64) []byte {
	n := int(seconds * float64(rate))
	var data bytes.Buffer
	for i := range n {
		v := 0.3 * math.Sin(2*math.Pi*440*float64(i)/float64(rate))
		for range channels {
			switch {
			case format == 3:
				binary.Write(&data, binary.LittleEndian, float32(v))
			case bits == 16:
				binary.Write(&data, binary.LittleEndian, int16(v*32767))
			case bits == 24:
				x := int32(v * 8388607)
				data.Write([]byte{byte(x), byte(x >> 8), byte(x >> 16)})
			case bits == 8:
				data.WriteByte(byte(int(v*127) + 128))
			}
		}
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data.Len()))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(format), uint16(channels), uint32(rate), uint32(rate * channels * bits / 8), uint16(channels * bits / 8), uint16(bits)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data.Len()))
	b.Write(data.Bytes())
	return b.Bytes()
}

func TestVoiceImport(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	rec := t.TempDir()
	files := map[string][]byte{
		"tuck-your-chin.wav":   wavBytes(1, 1, 44100, 16, 0.8),
		"side_tilt.wav":        wavBytes(3, 2, 48000, 32, 0.6),
		"sit-tall.wav":         wavBytes(1, 2, 22050, 24, 0.5),
		"move-slowly.wav":      wavBytes(1, 1, 16000, 8, 0.5),
		"truncated.wav":        wavBytes(1, 1, 44100, 16, 0.5)[:300],
		"empty.wav":            {},
		"compressed.wav":       wavBytes(2, 1, 44100, 16, 0.2),
		"odd-rate.wav":         wavBytes(1, 1, 3000, 16, 0.5),
		"silence-only.wav":     wavBytes(1, 1, 44100, 16, 0),
		"not-a-wav-at-all.wav": []byte("hello"),
	}
	for name, b := range files {
		require.NoError(t, os.WriteFile(filepath.Join(rec, name), b, 0o644))
	}
	r := run(t, env, "voice", "import", rec)
	assert.Equal(t, 1, r.code, "some files could not be used")
	assert.Contains(t, r.out, "imported 4 prompts")
	for _, want := range []string{
		"truncated.wav: truncated data",
		"empty.wav: empty file",
		"compressed.wav: unsupported format: compressed (format tag 2), not PCM",
		"odd-rate.wav: unsupported sample rate 3000 Hz",
		"not-a-wav-at-all.wav: not a wav file",
		"silence-only.wav: no samples",
	} {
		assert.Contains(t, r.err, want)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.err), "\n") {
		assert.True(t, strings.HasPrefix(line, "coach: not imported: "+rec), "one line per file, naming it: %q", line)
	}
	pack, err := voice.LoadDir(filepath.Join(home, ".local", "share", "coach", "voice"))
	require.NoError(t, err)
	assert.Equal(t, []string{"move slowly", "side tilt", "sit tall", "tuck your chin"}, pack.Phrases())
	n, _ := pack.Frames("tuck your chin")
	// 0.8 s of sound, and the 50 ms of silence a prompt keeps before and
	// 100 ms after: the recording had none of its own.
	assert.InDelta(t, 0.95*voice.DefaultRate, n, 0.02*voice.DefaultRate, "converted to the pack's rate")

	// A second import keeps what is there unless --force.
	only := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(only, "tuck-your-chin.wav"), wavBytes(1, 1, 44100, 16, 0.3), 0o644))
	r = run(t, env, "voice", "import", only)
	assert.Equal(t, 0, r.code, r.err)
	assert.Contains(t, r.out, "kept 1 you already had (--force replaces them)")
	pack, _ = voice.LoadDir(filepath.Join(home, ".local", "share", "coach", "voice"))
	n, _ = pack.Frames("tuck your chin")
	assert.Greater(t, n, voice.DefaultRate/2, "the first recording is kept")
	r = run(t, env, "voice", "import", only, "--force")
	assert.Equal(t, 0, r.code, r.err)
	pack, _ = voice.LoadDir(filepath.Join(home, ".local", "share", "coach", "voice"))
	n, _ = pack.Frames("tuck your chin")
	assert.Less(t, n, voice.DefaultRate/2, "--force replaces it")
}

func TestVoiceImportManifest(t *testing.T) {
	home := t.TempDir()
	rec := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(rec, "take3.wav"), wavBytes(1, 1, 44100, 16, 0.5), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(rec, "manifest.json"), []byte(`{"version":1,"clips":[{"phrase":"breathe in","text":"Breathe in","file":"take3.wav"},{"phrase":"hold","text":"Hold","file":"gone.wav"}]}`), 0o644))
	r := run(t, map[string]string{"HOME": home}, "voice", "import", rec)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.out, "imported 1 prompts")
	assert.Contains(t, r.err, "coach: not imported: "+filepath.Join(rec, "gone.wav")+": no such file or directory")

	require.NoError(t, os.WriteFile(filepath.Join(rec, "manifest.json"), []byte(`{"version":1,"clips":[{"phrase":"hold","file":"../x.wav"}]}`), 0o644))
	r = run(t, map[string]string{"HOME": home}, "voice", "import", rec)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.err, `must be a plain lower-case .wav name`)
}

func TestVoiceImportUnwritablePack(t *testing.T) {
	// Root can write anywhere, so the pack "folder" is a file instead.
	home := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(home, ".local", "share", "coach"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(home, ".local", "share", "coach", "voice"), []byte("a file"), 0o644))
	rec := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(rec, "hold.wav"), wavBytes(1, 1, 44100, 16, 0.5), 0o644))
	r := run(t, map[string]string{"HOME": home}, "voice", "import", rec)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.err, "coach: import into "+filepath.Join(home, ".local", "share", "coach", "voice")+": create pack folder:")
	assert.Equal(t, 1, strings.Count(r.err, "\n"), "one line")
}

package coach

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// padVoice knows a fixed set of phrases, each clip 100 frames of voice with
// 20 frames of silence before and 50 after, at 1,000 frames a second. It
// counts lookups.
type padVoice struct {
	phrases map[string]bool
	longest int // 0: does not say
	lookups int
}

func newPadVoice(longest int, phrases ...string) *padVoice {
	v := &padVoice{phrases: map[string]bool{}, longest: longest}
	for _, p := range phrases {
		v.phrases[p] = true
	}
	return v
}

func (*padVoice) Rate() int { return 1000 }

func (v *padVoice) Frames(phrase string) (int, bool) {
	v.lookups++
	return 170, v.phrases[phrase]
}

func (v *padVoice) Speech(phrase string) (int, int, bool) { return 20, 120, v.phrases[phrase] }

type limitedPadVoice struct{ *padVoice }

func (v limitedPadVoice) LongestPhrase() int { return v.longest }

func TestComposerJoinsWordsAtTheirSpeech(t *testing.T) {
	v := limitedPadVoice{newPadVoice(2, "breathe in", "open", "the", "arm", "hold", "two")}
	c := newComposer(v, nil)
	tests := []struct {
		line    string
		phrases []string
		offsets []int64
		frames  int64
	}{
		// One clause, three words: each word's voice starts where the
		// previous one's ends (120 - 20 = 100 frames on).
		{"open the arm", []string{"open", "the", "arm"}, []int64{0, 100, 200}, 370},
		// A comma: 180 ms between the voices. A full stop: 320 ms.
		{"Breathe in, open the arm.", []string{"breathe in", "open", "the", "arm"}, []int64{0, 280, 380, 480}, 650},
		{"Two. Hold.", []string{"two", "hold"}, []int64{0, 420}, 590},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			l := c.line(tt.line)
			require.Empty(t, l.missing)
			var phrases []string
			var offsets []int64
			for _, p := range l.pieces {
				phrases = append(phrases, p.phrase)
				offsets = append(offsets, p.offset)
			}
			assert.Equal(t, tt.phrases, phrases)
			assert.Equal(t, tt.offsets, offsets)
			assert.Equal(t, tt.frames, l.frames)
		})
	}
}

func TestComposerRemembersLines(t *testing.T) {
	v := limitedPadVoice{newPadVoice(2, "breathe in", "open", "the", "arm")}
	c := newComposer(v, nil)
	a := c.line("Breathe in, open the arm.")
	n := v.lookups
	b := c.line("Breathe in, open the arm.")
	assert.Same(t, a, b)
	assert.Equal(t, n, v.lookups, "a line said again is not composed again")
}

func TestComposerReportsMissingClauses(t *testing.T) {
	c := newComposer(limitedPadVoice{newPadVoice(1, "open", "arm")}, nil)
	l := c.line("Open the arm, slowly. Open.")
	assert.Equal(t, []string{"Open the arm", "slowly"}, l.missing)
	require.Len(t, l.pieces, 1, "what can be said is kept")
	assert.Equal(t, "open", l.pieces[0].phrase)
}

// A very long line costs its words times the pack's longest phrase in
// lookups, not its words squared (issue 10: a 1,000-word line took 24 s).
func TestComposerLookupsAreBounded(t *testing.T) {
	words := strings.Repeat("open the arm ", 334)
	for _, longest := range []int{1, 3, 12} {
		v := limitedPadVoice{newPadVoice(longest, "open", "the", "arm")}
		l := newComposer(v, nil).line(words)
		require.Empty(t, l.missing)
		assert.Len(t, l.pieces, 1002)
		assert.LessOrEqual(t, v.lookups, 1002*longest, "longest phrase %d words", longest)
	}
	// A Voice that does not say how long its phrases are gets a fixed bound.
	v := newPadVoice(0, "open", "the", "arm")
	newComposer(v, nil).line(words)
	assert.LessOrEqual(t, v.lookups, 1002*defaultLongest)
	// A line with a word no pack has stops at that clause.
	v = newPadVoice(0, "open", "the", "arm")
	l := newComposer(v, nil).line("zzz " + words)
	assert.Len(t, l.missing, 1)
	assert.LessOrEqual(t, v.lookups, defaultLongest)
}

// BenchmarkCompose1000Words composes a 1,000-word line from single words,
// bounded by the pack's longest phrase (12 words, as the default pack) and,
// side by side, with no bound (every run of words tried, as before).
func BenchmarkCompose1000Words(b *testing.B) {
	words := strings.Repeat("open the arm ", 334)
	for _, bm := range []struct {
		name    string
		longest int
	}{{"longest=12", 12}, {"unbounded", 1002}} {
		b.Run(bm.name, func(b *testing.B) {
			v := limitedPadVoice{newPadVoice(bm.longest, "open", "the", "arm")}
			b.ReportAllocs()
			for b.Loop() {
				newComposer(v, nil).line(words)
			}
		})
	}
}

func FuzzSplitClauses(f *testing.F) {
	for _, s := range []string{"Next up: child's pose.", "Breathe in, open the arm.", "Go slowly. Some discomfort is normal, but if an exercise hurts, stop it.",
		"3.5 kg, 2:30", "\"Quoted.\" Then", "it's- x", "it's-, x", "a,b;c", "…", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words := []string{}
		for _, c := range splitClauses(line) {
			require.NotEmpty(t, Key(c.text), "clause %q", c.text)
			require.Contains(t, []pauseKind{pauseComma, pauseSentence}, c.pause)
			words = append(words, strings.Fields(Key(c.text))...)
		}
		// Splitting loses no word and invents none.
		assert.Equal(t, strings.Fields(Key(line)), words)
	})
}

var fuzzPhrases = []string{"breathe in", "breathe", "in", "open the arm", "open", "the", "arm", "two", "hold", "next up", "child's pose", "a b c d"}

func FuzzCompose(f *testing.F) {
	for _, s := range []string{"Breathe in, open the arm.", "Two. Hold.", "Next up: child's pose.", "open the arm the arm open", "a b c d e", "zzz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		v := limitedPadVoice{newPadVoice(4, fuzzPhrases...)}
		l := newComposer(v, nil).line(line)
		// The same prompts as trying every run of words, longest first.
		var want []string
		var missing []string
		for _, c := range splitClauses(line) {
			ws := strings.Fields(Key(c.text))
			var got []string
			for i := 0; i < len(ws); {
				j := len(ws)
				for ; j > i && !v.phrases[strings.Join(ws[i:j], " ")]; j-- {
				}
				if j == i {
					got = nil
					missing = append(missing, strings.TrimSpace(c.text))
					break
				}
				got = append(got, strings.Join(ws[i:j], " "))
				i = j
			}
			want = append(want, got...)
		}
		var phrases []string
		var prev int64
		for _, p := range l.pieces {
			phrases = append(phrases, p.phrase)
			require.GreaterOrEqual(t, p.offset, prev, "clips in order")
			require.LessOrEqual(t, p.offset+int64(p.frames), l.frames, "clips inside the line")
			prev = p.offset
		}
		assert.Equal(t, want, phrases)
		assert.Equal(t, missing, l.missing)
		assert.Equal(t, len(l.pieces) == 0, l.frames == 0)
	})
}

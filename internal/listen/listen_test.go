package listen

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/scripts"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPhrasesComeFromTheControlTable(t *testing.T) {
	ps := Phrases()
	var spoken []string
	for _, c := range coach.Controls {
		if c.Spoken != "" {
			spoken = append(spoken, c.Spoken)
		}
	}
	require.Len(t, ps, len(spoken))
	for i, p := range ps {
		assert.Equal(t, spoken[i], p.Words)
		ctl, ok := coach.ControlFor(p.Command)
		require.True(t, ok)
		assert.Equal(t, p.Words, ctl.Spoken)
		assert.Equal(t, p.Command == coach.CmdStop || p.Command == coach.CmdPause, p.Interrupts, p.Words)
		assert.Equal(t, "coach "+p.Words, p.Said())
	}
	g := grammar(ps)
	assert.True(t, strings.HasPrefix(g, "#JSGF V1.0;\ngrammar coach;\npublic <command> = coach ( "), g)
	for _, s := range spoken {
		assert.Contains(t, g, s)
	}
	assert.Equal(t, "coach", words(ps)[0])
	assert.Len(t, words(ps), len(uniqueWords(spoken))+1)
}

func uniqueWords(phrases []string) map[string]bool {
	m := map[string]bool{}
	for _, p := range phrases {
		for _, w := range strings.Fields(p) {
			m[w] = true
		}
	}
	return m
}

// The coach never says its own wake word, so nothing it says can be a
// command, whatever the gate does: every prompt of the default pack, and
// every line of every built-in routine in every variant, with check-ins.
func TestNoPromptContainsACommand(t *testing.T) {
	pack, err := voice.Default()
	require.NoError(t, err)
	rs, err := coach.LoadBuiltin(scripts.FS)
	require.NoError(t, err)
	require.NotEmpty(t, rs)
	lines := pack.Phrases()
	lines = append(lines, coach.PainLine, coach.CheckInLine)
	for _, r := range rs {
		variants := map[string]bool{"": true}
		for _, e := range r.Exercises {
			for v := range e.Variants {
				variants[v] = true
			}
		}
		for v := range variants {
			tl, err := coach.Compile(r, pack, coach.Options{Variant: v, CheckIn: true})
			require.NoError(t, err, "%s %s", r.ID, v)
			for _, c := range tl.Cues {
				lines = append(lines, c.Text)
			}
		}
	}
	wake := regexp.MustCompile(`\b` + WakeWord + `\b`)
	for _, l := range lines {
		n := plainWords(l)
		assert.False(t, wake.MatchString(n), "the coach says its wake word: %q", l)
		for _, p := range Phrases() {
			assert.NotContains(t, n, p.Said(), "the coach says a command: %q", l)
		}
	}
	assert.Greater(t, len(lines), 300)
}

// plainWords lower-cases a line and keeps only letters, digits and single spaces.
func plainWords(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'')
	})
	return strings.Join(f, " ")
}

// At 1 kHz frames read as milliseconds: cues at 1-2 s and 5-6 s.
func gateTimeline() *coach.Timeline {
	return &coach.Timeline{Rate: 1000, Length: 20000, Cues: []coach.Cue{
		{At: 1000, End: 2000, Text: "Breathe in."},
		{At: 5000, End: 6000, Text: "Hold."},
	}}
}

func TestSpeakingWindows(t *testing.T) {
	tl := gateTimeline()
	tests := []struct {
		a, b int64
		want bool
	}{
		{0, 500, false},
		{0, 849, false},     // 150 ms before the first cue: not yet
		{0, 850, true},      // from 150 ms before
		{1500, 1600, true},  // inside
		{2400, 2500, true},  // 400 ms after the end still rings
		{2401, 4849, false}, // the gap
		{2401, 4850, true},
		{3000, 9000, true}, // spans a cue
		{6401, 20000, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, speaking(tl, tt.a, tt.b), "[%d, %d]", tt.a, tt.b)
	}
}

func TestGate(t *testing.T) {
	tl := gateTimeline()
	now := time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)
	ago := func(ms int) time.Time { return now.Add(-time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name  string
		st    *coach.State
		heard func() int64
		a, b  time.Time
		want  bool
	}{
		{"before any state: the intro is coming", nil, nil, ago(500), ago(100), true},
		{"a gap, heard frame from the session", &coach.State{Frame: 3000}, func() int64 { return 4000 }, ago(1000), ago(200), false},
		{"into a cue by the heard frame", &coach.State{Frame: 3000}, func() int64 { return 5200 }, ago(300), ago(100), true},
		{"carried on from the state by the clock", &coach.State{Frame: 3000}, nil, ago(300), ago(100), true},
		{"paused: silent", &coach.State{Frame: 5500, Paused: true}, nil, ago(300), ago(100), false},
		{"a caption outside the timeline", &coach.State{Frame: 3000, Paused: true, Caption: "Stop this exercise now."}, nil, ago(300), ago(100), true},
		{"finished", &coach.State{Frame: 20000, Finished: true}, nil, ago(300), ago(100), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &gate{tl: tl, heard: tt.heard}
			if tt.st != nil {
				// The state was published 2 s ago: by the clock, 2 s of frames later.
				g.set(*tt.st, now.Add(-2*time.Second))
			}
			assert.Equal(t, tt.want, g.speakingAt(tt.a, tt.b, now))
		})
	}
}

func TestAccept(t *testing.T) {
	byCmd := map[coach.Command]Phrase{}
	for _, p := range Phrases() {
		byCmd[p.Command] = p
		_, ok := thresholds[p.Words]
		assert.True(t, ok, "no measured threshold for %q (BenchmarkAccuracy, then the table in result.go)", p.Words)
	}
	pause, next := byCmd[coach.CmdPause], byCmd[coach.CmdNext]
	th := thresholds[next.Words]
	at := func(p Phrase, over float64, speech int64) result {
		t := thresholds[p.Words]
		return result{OK: true, Phrase: p, Wake: t.Wake + over, Command: t.Command + over, Phones: 0, Speech: speech}
	}
	sec := int64(Rate)
	tests := []struct {
		name     string
		r        result
		speaking bool
		want     bool
	}{
		{"no phrase", result{Speech: sec}, false, false},
		{"just sure enough, in a gap", at(next, 0, sec), false, true},
		{"just under, in a gap", at(next, -0.01, sec), false, false},
		{"weak wake word", result{OK: true, Phrase: next, Wake: th.Wake - 1, Command: th.Command + 20, Speech: sec}, false, false},
		{"weak command", result{OK: true, Phrase: next, Wake: th.Wake + 20, Command: th.Command - 1, Speech: sec}, false, false},
		{"phones too far", result{OK: true, Phrase: byCmd[coach.CmdBack], Wake: 0, Command: 0, Phones: thresholds[byCmd[coach.CmdBack].Words].Phones + 0.05, Speech: sec}, false, false},
		{"too short to be a command", at(next, 10, minSpeech-1), false, false},
		{"too long to be a command", at(next, 10, maxSpeech+1), false, false},
		{"shortest", at(next, 10, minSpeech), false, true},
		{"longest", at(next, 10, maxSpeech), false, true},
		{"sure pause over speech", at(pause, stricter, sec), true, true},
		{"fair pause over speech", at(pause, stricter-1, sec), true, false},
		{"sure next over speech", at(next, 30, sec), true, false},
		{"unmeasured phrase: the fallback", result{OK: true, Phrase: Phrase{Words: "hop"}, Wake: fallback.Wake, Command: fallback.Command, Speech: sec}, false, true},
		{"unmeasured phrase under the fallback", result{OK: true, Phrase: Phrase{Words: "hop"}, Wake: fallback.Wake, Command: fallback.Command - 1, Speech: sec}, false, false},
		{"beats the decoy: little else needed", result{OK: true, BeatsDecoy: true, Phrase: next, Wake: beatsDecoy.Wake, Command: beatsDecoy.Command, Phones: 2, Speech: sec}, false, true},
		{"beats the decoy, but no sound like it", result{OK: true, BeatsDecoy: true, Phrase: next, Wake: beatsDecoy.Wake - 1, Command: 0, Speech: sec}, false, false},
		{"beats the decoy over speech: stricter", result{OK: true, BeatsDecoy: true, Phrase: pause, Wake: beatsDecoy.Wake + stricter - 1, Command: 0, Speech: sec}, true, false},
		{"beats the decoy, too short", result{OK: true, BeatsDecoy: true, Phrase: next, Speech: minSpeech - 1}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, accept(tt.r, tt.speaking))
		})
	}
}

// tone is a 300 Hz tone at dBFS level for ms milliseconds.
func tone(ms int, level float64) []int16 {
	n := ms * Rate / 1000
	out := make([]int16, n)
	amp := math.Pow(10, level/20) * 32767 * math.Sqrt2
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*300*float64(i)/Rate))
	}
	return out
}

func quiet(ms int) []int16 { return tone(ms, -70) }

func cat(parts ...[]int16) []int16 {
	var out []int16
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// feed writes pcm in chunks of n samples, then flushes.
func feed(v *vad, pcm []int16, n int) []utterance {
	var out []utterance
	for len(pcm) > 0 {
		k := min(n, len(pcm))
		out = append(out, v.Write(pcm[:k])...)
		pcm = pcm[k:]
	}
	return append(out, v.Flush()...)
}

func TestVAD(t *testing.T) {
	ms := func(n int) int64 { return int64(n * Rate / 1000) }
	tests := []struct {
		name  string
		pcm   []int16
		want  []utterance // PCM checked by length only
		pcmMS []int
	}{
		{"silence", quiet(3000), nil, nil},
		{"a click", cat(quiet(1000), tone(100, -20), quiet(1000)), nil, nil},
		{"one phrase", cat(quiet(1000), tone(800, -20), quiet(1000)),
			[]utterance{{Start: ms(1000 - 220), End: ms(1800)}}, []int{220 + 800 + 350}},
		{"two words with a short pause are one", cat(quiet(1000), tone(400, -20), quiet(200), tone(400, -20), quiet(1000)),
			[]utterance{{Start: ms(780), End: ms(2000)}}, []int{220 + 1000 + 350}},
		{"two phrases", cat(quiet(1000), tone(600, -20), quiet(1000), tone(600, -25), quiet(1000)),
			[]utterance{{Start: ms(780), End: ms(1600)}, {Start: ms(2380), End: ms(3200)}}, []int{220 + 600 + 350, 220 + 600 + 350}},
		{"talk is too long", cat(quiet(1000), tone(5000, -20), quiet(1000)),
			[]utterance{{Start: ms(780), End: ms(6000), TooLong: true}}, []int{0}},
		{"soft speech over a hum", cat(tone(1000, -50), tone(800, -30), tone(1000, -50)),
			nil, nil}, // a 300 Hz hum and a 300 Hz voice: the same tone 20 dB louder counts
		{"unfinished at the end", cat(quiet(1000), tone(600, -20)),
			[]utterance{{Start: ms(780), End: ms(1600)}}, []int{220 + 600}},
	}
	// The hum case: the level jump is what counts.
	tests[6].want = []utterance{{Start: ms(780), End: ms(1800)}}
	tests[6].pcmMS = []int{220 + 800 + 350}
	for _, tt := range tests {
		for _, chunk := range []int{479, 160, 1, 16000} {
			var v vad
			got := feed(&v, tt.pcm, chunk)
			require.Len(t, got, len(tt.want), "%s, chunks of %d", tt.name, chunk)
			for i, u := range got {
				assert.Equal(t, tt.want[i].Start, u.Start, "%s #%d start (chunks of %d)", tt.name, i, chunk)
				assert.Equal(t, u.Start+ms(220), u.Onset, "%s #%d onset", tt.name, i)
				assert.Equal(t, tt.want[i].End, u.End, "%s #%d end", tt.name, i)
				assert.Equal(t, tt.want[i].TooLong, u.TooLong, "%s #%d too long", tt.name, i)
				assert.Equal(t, int(ms(tt.pcmMS[i])), len(u.PCM), "%s #%d samples", tt.name, i)
			}
		}
	}
}

func TestHeardText(t *testing.T) {
	assert.Equal(t, "Heard: go on", Heard{Command: coach.CmdResume, Words: "go on"}.Text())
}

// Any sound in any chunks: the VAD never panics, its utterances come in
// order and are consistent, and chunking never changes what it finds. Each
// input byte is one 10 ms frame (a tone at level byte-128 dBFS, odd bytes
// with a burst of full-scale samples), so a short input is seconds of
// sound and the fuzzer reaches utterances quickly.
func FuzzVAD(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0}, uint16(479))
	phrase := make([]byte, 0, 150)
	for i := range 150 {
		lvl := byte(128 - 70)
		if i >= 30 && i < 100 {
			lvl = 128 - 20
		}
		phrase = append(phrase, lvl)
	}
	f.Add(phrase, uint16(160))
	f.Fuzz(func(t *testing.T, b []byte, chunk uint16) {
		var pcm []int16
		for _, x := range b {
			frame := tone(10, float64(int(x)-128))
			if x%2 == 1 {
				for i := 0; i < len(frame); i += 7 {
					frame[i] = math.MaxInt16
				}
			}
			pcm = append(pcm, frame...)
		}
		var one, many vad
		whole := feed(&one, pcm, max(len(pcm), 1))
		got := feed(&many, pcm, int(chunk)+1)
		require.Equal(t, len(whole), len(got))
		var last int64
		for i, u := range got {
			assert.Equal(t, whole[i].Start, u.Start)
			assert.Equal(t, whole[i].End, u.End)
			assert.GreaterOrEqual(t, u.Start, last)
			assert.LessOrEqual(t, u.Start, u.Onset)
			assert.Less(t, u.Onset, u.End)
			assert.LessOrEqual(t, u.End, int64(len(pcm)))
			assert.True(t, u.TooLong == (u.PCM == nil), "a too-long utterance has no samples; others do")
			last = u.End
		}
	})
}

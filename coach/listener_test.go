package coach_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/scripts"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// builtinSessions are the built-in routine's sessions as a listener hears
// them, with the default pack: as written, with its variant, at both ends of
// its hold range, with the check-ins.
func builtinSessions(t *testing.T) map[string]*coach.Timeline {
	t.Helper()
	rs, err := coach.LoadBuiltin(scripts.FS)
	require.NoError(t, err)
	pack, err := voice.Default()
	require.NoError(t, err)
	out := map[string]*coach.Timeline{}
	for _, r := range rs {
		for name, opt := range map[string]coach.Options{
			"":              {},
			"variant hold":  {Variant: "hold"},
			"hold min":      {Hold: coach.HoldChoice{Mode: "min"}},
			"hold max":      {Hold: coach.HoldChoice{Mode: "max"}},
			"with check-in": {CheckIn: true},
		} {
			tl, err := coach.Compile(r, pack, opt)
			require.NoError(t, err, "%s %s", r.ID, name)
			out[strings.TrimSpace(r.ID+" "+name)] = tl
		}
	}
	return out
}

func segmentAt(tl *coach.Timeline, frame int64) coach.Segment {
	return tl.Segments[tl.SegmentAt(frame)]
}

// The longest stretch of silence outside holds is under 10 s: rests say
// what comes next, what it needs and the time left (issue 12).
func TestBuiltinNoLongSilenceOutsideHolds(t *testing.T) {
	for name, tl := range builtinSessions(t) {
		t.Run(name, func(t *testing.T) {
			limit := int64(10 * tl.Rate)
			var longest, at int64
			quiet := int64(0) // silence so far outside holds
			var last int64    // end of the last speech
			check := func(from, to int64) {
				// Walk the silence [from, to) segment by segment; holds
				// break the stretch (a hold is meant to be quiet).
				for f := from; f < to; {
					seg := segmentAt(tl, f)
					stop := min(seg.End, to)
					if seg.Phase == string(coach.Hold) {
						quiet = 0
					} else {
						quiet += stop - f
						if quiet > longest {
							longest, at = quiet, stop
						}
					}
					f = stop
				}
			}
			for _, c := range tl.Cues {
				if c.At > last {
					check(last, c.At)
				}
				quiet = 0
				last = max(last, c.End)
			}
			check(last, tl.Length)
			assert.Less(t, longest, limit, "%.1f s of silence ending at %s", float64(longest)/float64(tl.Rate), tl.Clock(at))
			t.Logf("longest silence outside holds: %.1f s", float64(longest)/float64(tl.Rate))
		})
	}
}

var numbers = func() map[string]bool {
	m := map[string]bool{}
	for n := 0; n < 1000; n++ {
		m[coach.NumberWords(n)] = true
	}
	return m
}()

func clauses(text string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(",;:.!?", r) }) {
		if k := coach.Key(part); k != "" && !numbers[k] {
			out = append(out, k)
		}
	}
	return out
}

// No line, nor a clause of one, is said twice within 10 s, except the lines
// of the reps themselves, which keep their rhythm ("Rest." then "Well done.
// Rest.", or a name said in the rest and again at the setup, were heard).
// Numbers are left out: counts recur by nature.
func TestBuiltinNoLineTwiceWithin10s(t *testing.T) {
	for name, tl := range builtinSessions(t) {
		t.Run(name, func(t *testing.T) {
			repLine := func(c coach.Cue) bool { return !c.Optional && segmentAt(tl, c.At).Rep >= 0 }
			for i, a := range tl.Cues {
				for _, b := range tl.Cues[i+1:] {
					if b.At-a.At >= int64(10*tl.Rate) {
						break
					}
					if repLine(a) && repLine(b) {
						continue
					}
					for _, ka := range clauses(a.Text) {
						for _, kb := range clauses(b.Text) {
							assert.NotEqual(t, ka, kb, "%s %q then %s %q", tl.Clock(a.At), a.Text, tl.Clock(b.At), b.Text)
						}
					}
				}
			}
		})
	}
}

// A hold of 5 s or less has no countdown: "Hold." and "three, two, one"
// would fill it.
func TestBuiltinNoCountdownInShortHolds(t *testing.T) {
	counts := map[string]bool{}
	for n := 1; n <= 10; n++ {
		counts[strings.ToUpper(coach.NumberWords(n)[:1])+coach.NumberWords(n)[1:]+"."] = true
	}
	for name, tl := range builtinSessions(t) {
		t.Run(name, func(t *testing.T) {
			short := 0
			for _, c := range tl.Cues {
				seg := segmentAt(tl, c.At)
				if seg.Phase == string(coach.Hold) && tl.Duration(seg.End-seg.Start) <= 5*time.Second {
					short++
					assert.False(t, counts[c.Text], "%s %q in a hold of %s", tl.Clock(c.At), c.Text, tl.Duration(seg.End-seg.Start))
				}
			}
			if name == "upper-back" {
				assert.Positive(t, short, "the scapular squeeze holds 5 s")
			}
		})
	}
}

// No phase is more than 80 % speech: the sound of every prompt above -40 dB
// of its peak, not the silence a prompt keeps at its edges. Phases whose
// length is their speech (the introduction, a setup, the closing line, a
// check-in) are left out.
func TestBuiltinNoPhaseOver80PercentSpeech(t *testing.T) {
	pack, err := voice.Default()
	require.NoError(t, err)
	sized := map[string]bool{coach.PhaseIntro: true, coach.PhaseSetup: true, coach.PhaseFinish: true,
		coach.PhaseCheckInBefore: true, coach.PhaseCheckInAfter: true}
	bounds := map[string][2]int64{}
	for name, tl := range builtinSessions(t) {
		t.Run(name, func(t *testing.T) {
			// Each cue's sound: from its first prompt's to its last's.
			voiced := make([][2]int64, len(tl.Cues))
			for i, c := range tl.Cues {
				from, to := c.End, c.At
				for _, cl := range c.Clips {
					b, ok := bounds[cl.Phrase]
					if !ok {
						s, e := audible(t, pack, cl.Phrase)
						b = [2]int64{int64(s), int64(e)}
						bounds[cl.Phrase] = b
					}
					from, to = min(from, cl.At+b[0]), max(to, cl.At+b[1])
				}
				voiced[i] = [2]int64{from, to}
			}
			worst, where := 0.0, ""
			for _, seg := range tl.Segments {
				if sized[seg.Phase] {
					continue
				}
				var speech int64
				for _, v := range voiced {
					speech += max(0, min(v[1], seg.End)-max(v[0], seg.Start))
				}
				share := float64(speech) / float64(seg.End-seg.Start)
				if share > worst {
					worst, where = share, fmt.Sprintf("%s at %s", seg.Phase, tl.Clock(seg.Start))
				}
				assert.LessOrEqual(t, share, coach.SpeechShare, "%s at %s: %.0f%% speech", seg.Phase, tl.Clock(seg.Start), 100*share)
			}
			t.Logf("most speech in a phase: %.0f%% (%s)", 100*worst, where)
		})
	}
}

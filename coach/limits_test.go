package coach_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const head = "version: 1\nid: big\ntitle: Stretch\n"

// phrase is a sayable line of the default pack's common words, about n
// characters long.
func phrase(n int) string {
	words := []string{"keep", "your", "back", "straight", "and", "breathe", "slowly", "then", "lift", "the", "arm"}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[i%len(words)])
	}
	return b.String()
}

func exercise(i int, extra string) string {
	if !strings.HasPrefix(extra, "    reps:") {
		extra = "    reps: 2\n" + extra
	}
	return fmt.Sprintf("  - id: e%d\n    name: Reach\n%s    rep:\n      - phase: move\n        duration: 2s\n        say: Lift.\n", i, extra)
}

// size is how big the hostile scripts are: 1 MiB in benchmarks, less in
// tests, where the race detector makes parsing ten times slower.
var size = coach.MaxScriptBytes / 8

// script is head, then n units, then a comment up to just under size bytes
// (n < 0: as many units as fit).
func script(prefix string, n int, unit func(i int) string) []byte {
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; n < 0 || i < n; i++ {
		u := unit(i)
		if b.Len()+len(u) > size-8 {
			break
		}
		b.WriteString(u)
	}
	if pad := size - b.Len() - 2; pad > 0 {
		b.WriteString("#" + strings.Repeat("-", pad) + "\n")
	}
	return []byte(b.String())
}

// hostile are 1 MiB scripts of every shape issue 10 found or could think
// of, each with the problem validate must report ("" for a valid script).
var hostile = []struct {
	name string
	src  func() []byte
	want string
}{
	{"one long say line", func() []byte {
		return script(head+"exercises:\n"+exercise(0, "")+"      - phase: hold\n        duration: 5s\n        say: ", -1, func(int) string { return "lift the arm " })
	}, "big.yaml:14:14: say is "},
	{"thousands of exercises", func() []byte {
		return script(head+"exercises:\n", 5000, func(i int) string { return exercise(i, "") })
	}, "exercises has "},
	{"ten-hour session", func() []byte {
		return script(head+"exercises:\n", 100, func(i int) string { return exercise(i, "    reps: 50\n    sets: 10\n    sides: both\n") })
	}, "big.yaml:5:3: a session would have 100000 timed phases (sets × sides × reps × phases); at most 10000"},
	{"deep nesting", func() []byte {
		return script(head+"exercises: ", -1, func(int) string { return "[" })
	}, "big.yaml:4:"},
	{"unknown fields", func() []byte {
		return script(head+"exercises:\n"+exercise(0, "")+"defaults:\n", -1, func(i int) string { return fmt.Sprintf("  rest_betwen_set%d: 1s\n", i) })
	}, `big.yaml:13:3: unknown field "rest_betwen_set0" in defaults`},
	{"long setup lists", func() []byte {
		return script(head+"exercises:\n", 100, func(i int) string {
			return exercise(i, "    setup:\n"+strings.Repeat("      - "+phrase(290)+".\n", 40))
		})
	}, "big.yaml:39:9: setup has 40 entries; at most 30"},
	{"many variants", func() []byte {
		return script(head+"exercises:\n", 100, func(i int) string {
			var v strings.Builder
			v.WriteString("    variants:\n")
			for k := range 2000 {
				fmt.Fprintf(&v, "      v%d-%d: {reps: 3}\n", i, k)
			}
			return exercise(i, v.String())
		})
	}, "big.yaml:19:7: variants has 2000 entries; at most 10"},
	{"aliases of large lists", func() []byte {
		return script(head+"exercises:\n", 100, func(i int) string {
			if i == 0 {
				return exercise(i, "    reps: 50\n    sets: 10\n    sides: both\n    setup: &s\n"+strings.Repeat("      - "+phrase(290)+".\n", 30))
			}
			return exercise(i, "    reps: 50\n    sets: 10\n    sides: both\n    setup: *s\n")
		})
	}, "big.yaml:5:3: a session would have 100000 timed phases"},
	{"largest valid script", func() []byte {
		return script(head+"exercises:\n", 100, func(i int) string {
			var v strings.Builder
			v.WriteString("    setup:\n")
			for range 30 {
				fmt.Fprintf(&v, "      - %s.\n", phrase(280))
			}
			v.WriteString("    variants:\n")
			for k := range 10 {
				fmt.Fprintf(&v, "      v%d: {reps: %d}\n", (i+k)%10, 1+k%3)
			}
			return exercise(i, v.String())
		})
	}, ""},
}

// validate does what `coach validate` does with a script: load it, then
// check every session it can produce (coach.Check).
func validate(pack coach.Voice, data []byte) error {
	r, err := coach.Load("big.yaml", data)
	if err != nil {
		return err
	}
	rep := coach.Check(r, pack)
	if len(rep.Errors) == 0 {
		return nil
	}
	return rep.Errors
}

func TestHostileScriptsFailFast(t *testing.T) {
	pack, err := voice.Default()
	require.NoError(t, err)
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src()
			require.LessOrEqual(t, len(src), size)
			err := validate(pack, src)
			if tt.want == "" {
				require.Error(t, err, "a valid script, but far too long a session")
				assert.NotContains(t, err.Error(), "voice pack", "the script is sayable")
				assert.Contains(t, err.Error(), "is implausible for a home programme")
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.LessOrEqual(t, strings.Count(err.Error(), "\n"), 20, "a few lines, not thousands: %.300s", err)
		})
	}
}

// BenchmarkValidateHostile1MiB validates each shape above at 1 MiB with the
// default pack (target: under 1 s each).
func BenchmarkValidateHostile1MiB(b *testing.B) {
	pack, err := voice.Default()
	require.NoError(b, err)
	defer func(s int) { size = s }(size)
	size = coach.MaxScriptBytes
	for _, tt := range hostile {
		src := tt.src()
		require.LessOrEqual(b, len(src), coach.MaxScriptBytes)
		if tt.want != "" {
			require.ErrorContains(b, validate(pack, src), tt.want)
		}
		b.Run(strings.ReplaceAll(tt.name, " ", "-"), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				_ = validate(pack, src)
			}
		})
	}
}

func TestScriptFileCaps(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	require.NoError(t, os.WriteFile(big, make([]byte, coach.MaxScriptBytes+1), 0o644))
	_, err := coach.LoadFile(big)
	assert.EqualError(t, err, big+":1:1: the script is 1.0 MiB; a voice script may be at most 1.0 MiB")

	fifo := filepath.Join(dir, "fifo.yaml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	_, err = coach.LoadFile(fifo)
	assert.EqualError(t, err, "read script: "+fifo+" is not a regular file", "a FIFO is refused, not read for ever")

	_, err = coach.Load("x.yaml", make([]byte, coach.MaxScriptBytes+1))
	assert.ErrorContains(t, err, "x.yaml:1:1: the script is")
}

func TestSessionCapAppliesToOptions(t *testing.T) {
	src := script(head+"exercises:\n", 100, func(i int) string { return exercise(i, "    reps: 2\n    sets: 10\n    sides: both\n") })
	r, err := coach.Load("big.yaml", src)
	require.NoError(t, err, "4,000 timed phases are allowed")
	_, err = coach.Compile(r, fakePack{}, coach.Options{Reps: 50})
	assert.EqualError(t, err, "this session would have 100000 timed phases (sets × sides × reps × phases); at most 10000")
}

// fakePack says anything in 100 ms.
type fakePack struct{}

func (fakePack) Rate() int                 { return 1000 }
func (fakePack) Frames(string) (int, bool) { return 100, true }

func TestCapsAtTheirBoundary(t *testing.T) {
	say := func(n int) string {
		return head + "exercises:\n" + exercise(0, "") + "      - phase: hold\n        duration: 5s\n        say: " + strings.Repeat("a", n) + "\n"
	}
	exercises := func(n int) string {
		return string(script(head+"exercises:\n", n, func(i int) string { return exercise(i, "") }))
	}
	variants := func(n int) string {
		var v strings.Builder
		v.WriteString("    variants:\n")
		for k := range n {
			fmt.Fprintf(&v, "      v%d: {reps: 3}\n", k)
		}
		return head + "exercises:\n" + exercise(0, v.String())
	}
	tests := []struct {
		name, src, want string
	}{
		{"say of 300 characters", say(300), ""},
		{"say of 301 characters", say(301), "big.yaml:14:14: say is 301 characters long; a spoken line may be at most 300: split it, or move detail to tips"},
		{"title of 301 characters", strings.Replace(say(1), "title: Stretch", "title: "+strings.Repeat("é", 301), 1), "big.yaml:3:8: title is 301 characters long"},
		{"100 exercises", exercises(100), ""},
		{"101 exercises", exercises(101), "big.yaml:705:5: exercises has 101 entries; at most 100"},
		{"10 variants", variants(10), ""},
		{"11 variants", variants(11), "big.yaml:19:7: variants has 11 entries; at most 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := coach.Load("big.yaml", []byte(tt.src))
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestManyProblemsAreCapped(t *testing.T) {
	src := head + "exercises:\n" + exercise(0, "") + "defaults:\n"
	for i := range 500 {
		src += fmt.Sprintf("  rest_betwen_set%d: 1s\n", i)
	}
	_, err := coach.Load("big.yaml", []byte(src))
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 21)
	assert.Equal(t, `big.yaml:13:3: unknown field "rest_betwen_set0" in defaults (did you mean "rest_between_sets"?)`, lines[0])
	assert.Equal(t, "big.yaml:32:3: and 480 more problems after this one; fix these first", lines[20])
}

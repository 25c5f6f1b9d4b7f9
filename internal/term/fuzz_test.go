package term

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/coach-dev/coach/coach"
)

// FuzzRender: whatever a script names things and says, at any width, no
// line overflows and no control character reaches the terminal.
func FuzzRender(f *testing.F) {
	f.Add("Upper back routine", "Child's pose", "Hold, and breathe easily.", "left", 80, int64(12400), true)
	f.Add("上背部", "猫と牛 🐈", "ゆっくり\x1b[2J", "", 7, int64(-5), false)
	f.Add("", "", "", "", 0, int64(0), false)
	f.Add("\u0301\u0301", "e\u0301\t\n", "\x9b31m", "r\u200dght", 1, int64(1<<40), true)
	f.Fuzz(func(t *testing.T, title, name, caption, side string, width int, left int64, paused bool) {
		width %= 300
		st := holdState
		st.Title, st.Caption, st.Side, st.Paused, st.Next = title, caption, side, paused, name
		st.HoldLeftMS, st.PhaseLeftMS = left, left
		st.Exercise = &coach.ExerciseState{ID: name, Name: name}
		for _, lines := range [][]string{Render(st, width), RenderEnd(st, nil, width), {PlainLine(st)}} {
			for _, l := range lines {
				if strings.ContainsFunc(l, isControl) {
					t.Fatalf("a control character in %q", l)
				}
			}
		}
		for _, l := range append(Render(st, width), RenderEnd(st, nil, width)...) {
			if w := stringWidth(l); w > max(width, 0) {
				t.Fatalf("%d columns at width %d: %q", w, width, l)
			}
		}
		DecodeKeys([]byte(title + name + caption))
	})
}

// FuzzDecodeKeys: any bytes a terminal may send decode to commands of the
// key map only, one per mapped key at most; outside escape sequences every
// mapped byte is its command, and a complete escape sequence in front
// changes nothing.
func FuzzDecodeKeys(f *testing.F) {
	for _, s := range []string{" ", "nbrhq", "\x03", "07t", "\x1b[A", "\x1bOP", "\x1b[15~", "\x1b[1;5A", "\x1bq", "\x1b",
		"n\x1b[Bq", "é日", "\x1b[", "\x1bO", "\x1b\x1b[A", "\x9b31m"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := DecodeKeys(b)
		mapped := 0
		for _, c := range b {
			if _, ok := KeyMap[c]; ok {
				mapped++
			}
		}
		if len(got) > mapped {
			t.Fatalf("%q: %d commands from %d mapped keys", b, len(got), mapped)
		}
		known := map[coach.Command]bool{}
		for _, c := range KeyMap {
			known[c] = true
		}
		for _, c := range got {
			if !known[c] {
				t.Fatalf("%q: %q is no key's command", b, c)
			}
		}
		if !bytes.ContainsRune(b, 0x1b) {
			var want []coach.Command
			for _, c := range b {
				if cmd, ok := KeyMap[c]; ok {
					want = append(want, cmd)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%q: %q, want %q", b, got, want)
			}
		}
		for _, seq := range []string{"\x1b[1;5A", "\x1bOP", "\x1b[15~"} {
			if again := DecodeKeys(append([]byte(seq), b...)); !slices.Equal(again, got) {
				t.Fatalf("%q after %q: %q, alone %q", b, seq, again, got)
			}
		}
	})
}

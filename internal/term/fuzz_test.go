package term

import (
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

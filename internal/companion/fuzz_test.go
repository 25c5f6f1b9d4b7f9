package companion

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/coach-dev/coach/coach"
)

// FuzzDecodeCommand: whatever a page sends, the decoder returns one of the
// keyboard's commands or an error for the page, on one line; a command
// sent back in the canonical form decodes to itself.
func FuzzDecodeCommand(f *testing.F) {
	for _, s := range []string{`{"type":"command","command":"pause"}`, `{"type":"command","command":"rate-4"}`,
		`{"type":"command","command":"rate-11"}`, `{"type":"command","command":"paus"}`, `{"type":"command"}`,
		`{"type":"hello"}`, `not json`, ``, `{"type":"command","command":"pause"}{}`, `{"type":"command","command":5}`,
		`["pause"]`, `{"type":"command","command":"stop","type":"x"}`, `{"TYPE":"COMMAND","Command":"next"}`,
		`{"type":"command","command":"\u0070ause"}`, "{\"type\":\"command\",\"command\":\"pause\"}\n\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cmd, err := decodeCommand(data)
		if err != nil {
			if cmd != "" {
				t.Fatalf("a command and an error: %q, %v", cmd, err)
			}
			msg := err.Error()
			if msg == "" || strings.Contains(msg, "\n") {
				t.Fatalf("the page is told %q", msg)
			}
			if utf8.Valid(data) && !utf8.ValidString(msg) {
				t.Fatalf("an error that is not UTF-8: %q", msg)
			}
			return
		}
		parsed, perr := coach.ParseCommand(string(cmd))
		if perr != nil || parsed != cmd {
			t.Fatalf("%q decoded to %q, which is not a command (%v)", data, cmd, perr)
		}
		again, _ := json.Marshal(commandMsg{Type: typeCommand, Command: string(cmd)})
		if back, err := decodeCommand(again); err != nil || back != cmd {
			t.Fatalf("%s decodes to %q, %v; want %q", again, back, err, cmd)
		}
	})
}

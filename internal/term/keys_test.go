package term

import (
	"testing"

	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
)

func TestDecodeKeys(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []coach.Command
	}{
		{"space", " ", []coach.Command{coach.CmdToggle}},
		{"p pauses too", "p", []coach.Command{coach.CmdToggle}},
		{"next", "n", []coach.Command{coach.CmdNext}},
		{"back", "b", []coach.Command{coach.CmdBack}},
		{"back twice", "bb", []coach.Command{coach.CmdBack, coach.CmdBack}},
		{"repeat", "r", []coach.Command{coach.CmdRepeat}},
		{"this hurts", "h", []coach.Command{coach.CmdPain}},
		{"quit", "q", []coach.Command{coach.CmdStop}},
		{"Ctrl-C", "\x03", []coach.Command{coach.CmdStop}},
		{"Ctrl-D", "\x04", []coach.Command{coach.CmdStop}},
		{"caps lock", "NBRHQ", []coach.Command{coach.CmdNext, coach.CmdBack, coach.CmdRepeat, coach.CmdPain, coach.CmdStop}},
		{"check-in digits", "07", []coach.Command{coach.Rate(0), coach.Rate(7)}},
		{"t is ten", "t", []coach.Command{coach.Rate(10)}},
		{"unmapped", "xyz\r\n\t", nil},
		{"arrow keys", "\x1b[A\x1b[B\x1b[C\x1b[D", nil},
		{"F1 in SS3 form is not p", "\x1bOP", nil},
		{"F5 with parameters", "\x1b[15~", nil},
		{"modified arrow", "\x1b[1;5A", nil},
		{"Alt+q is not q", "\x1bq", nil},
		{"Esc alone", "\x1b", nil},
		{"keys around a sequence", "n\x1b[Bq", []coach.Command{coach.CmdNext, coach.CmdStop}},
		{"UTF-8 is no key", "é日", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, DecodeKeys([]byte(tt.in)))
		})
	}
}

package term

import "github.com/coach-dev/coach/coach"

// KeyMap maps a key to its command; the help line lists the main ones.
// Letters work in either case (Caps Lock on a mat is easy to miss).
var KeyMap = map[byte]coach.Command{
	' ': coach.CmdToggle,
	'p': coach.CmdToggle,
	'n': coach.CmdNext,
	'b': coach.CmdBack, // twice quickly: the previous exercise (the session times it)
	'r': coach.CmdRepeat,
	'h': coach.CmdPain, // "this hurts"
	'q': coach.CmdStop,
	3:   coach.CmdStop, // Ctrl-C: in raw mode it is a byte, not a signal
	4:   coach.CmdStop, // Ctrl-D
	't': coach.Rate(10),
}

func init() {
	for k, c := range KeyMap {
		if k >= 'a' && k <= 'z' {
			KeyMap[k-'a'+'A'] = c
		}
	}
	// Digits answer a pain check-in (t is ten).
	for d := byte('0'); d <= '9'; d++ {
		KeyMap[d] = coach.Rate(int(d - '0'))
	}
}

// DecodeKeys turns what one read of a raw terminal returned into commands,
// in order. Escape sequences (arrow and function keys, Alt+key) are
// skipped whole, so the "A" of an arrow key or the "P" of F1 is no key.
// A sequence split across two reads is rare on a terminal; its tail would
// be read as keys, which is why only the listed keys do anything.
func DecodeKeys(b []byte) []coach.Command {
	var out []coach.Command
	for i := 0; i < len(b); i++ {
		if b[i] == 0x1b { // ESC
			switch {
			case i+1 >= len(b): // Esc alone
			case b[i+1] == '[': // CSI: parameters, then a final byte in 0x40-0x7e
				i += 2
				for i < len(b) && (b[i] < 0x40 || b[i] > 0x7e) {
					i++
				}
			case b[i+1] == 'O': // SS3: one more byte (F1-F4, keypad)
				i += 2
			default: // Alt+key
				i++
			}
			continue
		}
		if c, ok := KeyMap[b[i]]; ok {
			out = append(out, c)
		}
	}
	return out
}

package term

import "github.com/coach-dev/coach/coach"

// KeyMap maps a key to its command, built from the control table.
// Letters work in either case (Caps Lock on a mat is easy to miss); in raw
// mode Ctrl-C and Ctrl-D are bytes, not signals.
var KeyMap = KeyMapFor(coach.Controls)

// KeyMapFor builds the key map of a control table.
func KeyMapFor(controls []coach.Control) map[byte]coach.Command {
	m := map[byte]coach.Command{}
	for _, c := range controls {
		for _, k := range c.Keys {
			switch {
			case k == coach.KeySpace:
				m[' '] = c.Command
			case k == coach.KeyCtrlC:
				m[3] = c.Command
			case k == coach.KeyCtrlD:
				m[4] = c.Command
			case len(k) == 1:
				m[k[0]] = c.Command
				if k[0] >= 'a' && k[0] <= 'z' {
					m[k[0]-'a'+'A'] = c.Command
				}
			}
		}
	}
	return m
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

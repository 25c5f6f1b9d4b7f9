package cli

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Names a user chose (file names, folders, titles) are printed to a
// terminal, which obeys escape sequences: a file named "\x1b]0;hi\a.yaml"
// would set the window's title, one with "\r" or a newline would forge a
// line. So names are quoted where they are printed, and text commands
// write through textWriter, which shows any control character escaped.

// unsafeRune reports a character that acts on a terminal or reorders what
// is shown instead of being shown: C0 and C1 controls, DEL, line and
// paragraph separators, and the bidirectional controls ("Trojan Source").
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// plainName reports whether s prints as itself.
func plainName(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unsafeRune)
}

// quoteName is s as it is when it prints as itself, else Go-quoted
// ("evil\x1b]0;hi\a.yaml"), so the name shows, never acts.
func quoteName(s string) string {
	if plainName(s) {
		return s
	}
	return strconv.Quote(s)
}

// quotedErr is an error whose text shows some names quoted.
type quotedErr struct {
	err error
	msg string
}

func (e *quotedErr) Error() string { return e.msg }
func (e *quotedErr) Unwrap() error { return e.err }

// quoteNamesIn rewrites err's text with each of names quoted (see
// quoteName), for errors of other packages that name a file as given.
func quoteNamesIn(err error, names ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, n := range names {
		if n != "" && !plainName(n) {
			msg = strings.ReplaceAll(msg, n, quoteName(n))
		}
	}
	if msg == err.Error() {
		return err
	}
	return &quotedErr{err, msg}
}

// escapeRune appends r as a Go escape (\x1b, \r, \u202e).
func escapeRune(b []byte, r rune) []byte {
	q := strconv.QuoteRune(r)
	return append(b, q[1:len(q)-1]...)
}

// escapeLine is one line of text with every unsafe character, newlines
// too, and every byte that is not UTF-8 escaped.
func escapeLine(s string) string {
	if plainName(s) {
		return s
	}
	var b []byte
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, `\x`...)
			b = append(b, "0123456789abcdef"[s[i]>>4], "0123456789abcdef"[s[i]&15])
		case unsafeRune(r):
			b = escapeRune(b, r)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

// textWriter passes text through with newlines and tabs, and every other
// unsafe character (see unsafeRune) or byte that is not UTF-8 escaped. A
// character split across two writes is held until it is whole.
type textWriter struct {
	w    io.Writer
	held []byte
}

func newTextWriter(w io.Writer) *textWriter { return &textWriter{w: w} }

func (t *textWriter) Write(p []byte) (int, error) {
	in := p
	if len(t.held) > 0 {
		in = append(t.held, p...)
		t.held = nil
	}
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); {
		if !utf8.FullRune(in[i:]) {
			t.held = append([]byte(nil), in[i:]...)
			break
		}
		r, n := utf8.DecodeRune(in[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out = append(out, `\x`...)
			out = append(out, "0123456789abcdef"[in[i]>>4], "0123456789abcdef"[in[i]&15])
		case r == '\n' || r == '\t':
			out = append(out, byte(r))
		case unsafeRune(r):
			out = escapeRune(out, r)
		default:
			out = append(out, in[i:i+n]...)
		}
		i += n
	}
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

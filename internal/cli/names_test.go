package cli

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuoteName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain.yaml", "plain.yaml"},
		{"with space.yaml", "with space.yaml"},
		{"日本語 ✓.yaml", "日本語 ✓.yaml"},
		{"evil\x1b]0;pwned\a.yaml", `"evil\x1b]0;pwned\a.yaml"`},
		{"two\nlines", `"two\nlines"`},
		{"back\rover", `"back\rover"`},
		{"tab\there", `"tab\there"`},
		{"del\x7f", `"del\x7f"`},
		{"c1\u009b31m", `"c1\u009b31m"`},
		{"bidi\u202egpj.exe", `"bidi\u202egpj.exe"`},
		{"isolate\u2066x\u2069", `"isolate\u2066x\u2069"`},
		{"line\u2028sep", `"line\u2028sep"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{`quote"inside`, `quote"inside`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, quoteName(tt.in), "%q", tt.in)
	}
}

func TestEscapeLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"as it is", "as it is"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"a\nb\tc", `a\nb\tc`},
		{"bad \xff\xfe end", `bad \xff\xfe end`},
		{"\u202eright", `\u202eright`},
		{"é and ✓ stay", "é and ✓ stay"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, escapeLine(tt.in), "%q", tt.in)
	}
}

func TestTextWriter(t *testing.T) {
	in := "title: \x1b]0;x\a\nname:\tok ✓ \u202e\xff\n"
	want := "title: \\x1b]0;x\\a\nname:\tok ✓ \\u202e\\xff\n"
	// Whole, and cut at every byte: a character split across two writes
	// comes out whole.
	for cut := 0; cut <= len(in); cut++ {
		var b bytes.Buffer
		w := newTextWriter(&b)
		n, err := w.Write([]byte(in[:cut]))
		require.NoError(t, err)
		assert.Equal(t, cut, n)
		n, err = w.Write([]byte(in[cut:]))
		require.NoError(t, err)
		assert.Equal(t, len(in)-cut, n)
		assert.Equal(t, want, b.String(), "cut at %d", cut)
	}
	_, err := newTextWriter(failWriter{}).Write([]byte("x"))
	assert.Error(t, err)
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestQuoteNamesIn(t *testing.T) {
	base := errors.New("open /tmp/a\x1b[2J.yaml: no such file")
	err := quoteNamesIn(base, "/tmp/a\x1b[2J.yaml")
	assert.Equal(t, `open "/tmp/a\x1b[2J.yaml": no such file`, err.Error())
	assert.ErrorIs(t, err, base, "the original error is kept")
	plain := fmt.Errorf("open /tmp/a.yaml: gone")
	assert.Same(t, plain, quoteNamesIn(plain, "/tmp/a.yaml"), "nothing to quote: the same error")
	assert.NoError(t, quoteNamesIn(nil, "x"))
}

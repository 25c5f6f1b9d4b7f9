package coach

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxDuration bounds any single duration in a script: longer is a typo
// ("30m" for "30s"), not a home exercise.
const maxDuration = 10 * time.Minute

// parseDuration accepts Go-style durations with a unit ("30s", "1m30s",
// "1.5s", "500ms"). A bare number is rejected because "30" is ambiguous.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if isNumber(s) {
		return 0, fmt.Errorf("duration %q needs a unit, e.g. %ss", s, s)
	}
	d, err := time.ParseDuration(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		return 0, fmt.Errorf("bad duration %q (write e.g. 5s, 1m30s or 500ms)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	if d > maxDuration {
		return 0, fmt.Errorf("duration %q is longer than %s", s, maxDuration)
	}
	return d, nil
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	dot := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' && !dot:
			dot = true
		case r == '-' && i == 0:
		default:
			return false
		}
	}
	return true
}

// Span is a duration that may be a range ("15s to 30s") with a chosen
// default: a physiotherapist's "hold for 15 to 30 seconds".
type Span struct {
	Min, Max, Default time.Duration
}

// IsRange reports whether the script gave a range rather than one value.
func (s Span) IsRange() bool { return s.Min != s.Max }

func (s Span) String() string {
	if !s.IsRange() {
		return fmtDur(s.Default)
	}
	return fmt.Sprintf("%s to %s (default %s)", fmtDur(s.Min), fmtDur(s.Max), fmtDur(s.Default))
}

// parseSpan reads "20s" or "15s to 30s" (also "15s-30s").
func parseSpan(s string) (Span, error) {
	lo, hi, ok := strings.Cut(s, " to ")
	if !ok {
		if i := strings.Index(s, "-"); i > 0 {
			lo, hi, ok = s[:i], s[i+1:], true
		}
	}
	if !ok {
		d, err := parseDuration(s)
		return Span{d, d, d}, err
	}
	a, err := parseDuration(lo)
	if err != nil {
		return Span{}, err
	}
	b, err := parseDuration(hi)
	if err != nil {
		return Span{}, err
	}
	if b < a {
		return Span{}, fmt.Errorf("range %q runs backwards", s)
	}
	return Span{a, b, a}, nil
}

func fmtDur(d time.Duration) string {
	if d%time.Second == 0 {
		return d.String()
	}
	// Whole milliseconds over 1000, not d.Seconds(): 1930ms prints as 1.93s,
	// never 1.9300000000000002s.
	return strconv.FormatFloat(float64(d.Round(time.Millisecond).Milliseconds())/1000, 'f', -1, 64) + "s"
}

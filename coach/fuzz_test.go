package coach

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// fuzzScript is a one-exercise script with a hold phase whose duration
// and line the fuzz targets fill in (JSON-quoted: any string is a valid
// YAML scalar that way).
func fuzzScript(duration, say string) []byte {
	d, _ := json.Marshal(duration)
	s, _ := json.Marshal(say)
	return []byte(`version: 1
id: fuzz
title: Fuzz
exercises:
  - id: one
    name: Zed
    reps: 3
    sides: both
    rep:
      - phase: hold
        duration: ` + string(d) + `
        say: ` + string(s) + `
  - id: two
    name: Yew
    reps: 1
    rep:
      - phase: move
        duration: 5s
        say: Move.
`)
}

// errorsLocated fails unless every line of err names the file.
func errorsLocated(t *testing.T, err error) {
	t.Helper()
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, "f.yaml:") {
			t.Fatalf("error line without location: %q", line)
		}
	}
}

// near reports whether a and b differ by at most a millisecond (how
// durations are printed).
func near(a, b time.Duration) bool { return (a - b).Abs() <= time.Millisecond }

// FuzzDuration: any duration or span ("15s to 30s", "15s-30s") a script
// may hold is read into bounds or refused with a located error; what is
// read prints back as itself.
func FuzzDuration(f *testing.F) {
	for _, s := range []string{"5s", "15s to 30s", "15s-30s", "1m30s", "1.5s", "500ms", "0s", "10m", "10m1ns", "30",
		"-5s", "5s to 1s", "1s-", "-", " to ", "1e3s", "9223372036854775807ns", "1h", "1.000000001s", "5 s", "0.0001ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Load("f.yaml", fuzzScript(s, "Hold."))
		if err != nil {
			errorsLocated(t, err)
		}
		if h, err := ParseHold(s); err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("a --hold error on two lines: %q", err)
			}
		} else if h.Mode == "fixed" && (h.Fixed <= 0 || h.Fixed > maxDuration) {
			t.Fatalf("--hold %q read as %v", s, h.Fixed)
		}
		if err != nil || r == nil {
			return
		}
		sp := r.Exercises[0].Rep[0].Duration
		if sp.Min < 0 || sp.Min > sp.Default || sp.Default > sp.Max || sp.Max > maxDuration {
			t.Fatalf("%q read as %+v", s, sp)
		}
		printed := sp.String()
		if strings.ContainsAny(printed, "\n\x1b") || strings.Contains(printed, "e") && !strings.Contains(printed, "default") {
			t.Fatalf("%q prints as %q", s, printed)
		}
		again, _, _ := strings.Cut(printed, " (default ")
		back, err := parseSpan(again)
		if err != nil {
			t.Fatalf("%q prints as %q, which does not read back: %v", s, again, err)
		}
		if !near(back.Min, sp.Min) || !near(back.Max, sp.Max) {
			t.Fatalf("%q prints as %q, which reads back as %+v, not %+v", s, again, back, sp)
		}
		for _, h := range []HoldChoice{{}, {Mode: "max"}} {
			if _, err := Compile(r, fakeVoice{}, Options{Hold: h}); err != nil {
				errorsLocated(t, err)
			}
		}
	})
}

// FuzzPlaceholders: a spoken line with any placeholders either loads and
// compiles to lines with every known placeholder filled in, or is refused
// with a located error. Filling in never makes a new placeholder.
func FuzzPlaceholders(f *testing.F) {
	for _, s := range []string{"Rep {rep} of {reps}.", "{side} side, set {set} of {sets}.", "Next: {next}.", "{exercise}, {seconds} seconds.",
		"{{rep}}", "{re{rep}p}", "{rep", "rep}", "{}", "{Rep}", "{unknown}", "{rep}{rep}{rep}", "}{", "{ rep }", "{next}{exercise}"} {
		f.Add(s)
	}
	known := []string{"{rep}", "{reps}", "{set}", "{sets}", "{side}", "{exercise}", "{next}", "{seconds}"}
	f.Fuzz(func(t *testing.T, say string) {
		r, err := Load("f.yaml", fuzzScript("1m", say))
		if err != nil {
			errorsLocated(t, err)
			return
		}
		tl, err := Compile(r, fakeVoice{}, Options{})
		if err != nil {
			errorsLocated(t, err)
			return
		}
		for _, c := range tl.Cues {
			for _, k := range known {
				if strings.Contains(c.Text, k) {
					t.Fatalf("%q was said as %q: %s is not filled in", say, c.Text, k)
				}
			}
		}
	})
}

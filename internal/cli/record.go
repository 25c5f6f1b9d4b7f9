package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/bake"
	"github.com/coach-dev/coach/voice"
)

// recordMissing records, before a session is played or rendered, every line
// of the routine no pack can say yet (those of this session, and any other
// the script may say), into the user's pack with the best offline voice
// installed. Without one it stops with one message naming the words and
// what to install.
//
// A line with placeholders records its own words once (whole is false);
// whole records each clause as said, for what that could not cover.
func (a *app) recordMissing(ctx context.Context, arg string, r *coach.Routine, session []string, whole bool) error {
	pack, err := a.pack()
	if err != nil {
		return err
	}
	todo := map[string]bool{}
	for _, c := range session {
		todo[c] = true
	}
	if all, err := coach.SpokenPhrases(r); err == nil && !whole {
		for _, c := range all {
			if !coach.CanSay(pack, c) {
				todo[c] = true
			}
		}
	}
	texts := make([]string, 0, len(todo))
	for c := range todo {
		texts = append(texts, c)
	}
	if !whole {
		texts = r.Recordings(pack, texts)
	}
	sort.Strings(texts)
	e, err := bake.Detect("")
	if err != nil {
		return fmt.Errorf("%d line(s) of %s are not recorded yet and no offline voice is installed to record them: %s; "+
			"install one (best: apt-get install festival festvox-us-slt-hts; or flite, or espeak-ng) and run this again, or record them yourself with coach voice import (coach plan %s shows the session meanwhile)",
			len(texts), arg, describeMissing(pack, texts), arg)
	}
	dir := a.userPackDir()
	if dir == "" {
		return errors.New("no folder for your voice pack: set HOME or XDG_DATA_HOME")
	}
	fmt.Fprintf(a.std.Err, "coach: recording %d new line(s) of %s with %s into %s\n", len(texts), arg, e.Name(), dir)
	clips, err := bake.Bake(ctx, e, texts, voice.DefaultRate, func(done, total int) {
		fmt.Fprintf(a.std.Err, "\rrecording: %d/%d", done, total)
	})
	fmt.Fprintln(a.std.Err)
	if err != nil {
		return fmt.Errorf("record the new lines of %s: %w", arg, err)
	}
	if _, _, err := voice.SaveDir(dir, e.Name(), clips, false); err != nil {
		return fmt.Errorf("save the new lines in %s: %w", dir, err)
	}
	return nil
}

// describeMissing quotes each clause with the words no pack has:
// "Chin tucks" (tucks).
func describeMissing(v coach.Voice, clauses []string) string {
	out := make([]string, len(clauses))
	for i, c := range clauses {
		var words []string
		for _, w := range strings.Fields(coach.Key(c)) {
			if _, ok := v.Frames(w); !ok {
				words = append(words, w)
			}
		}
		out[i] = fmt.Sprintf("%q", c)
		if len(words) > 0 {
			out[i] += " (" + strings.Join(words, ", ") + ")"
		}
	}
	return strings.Join(out, ", ")
}

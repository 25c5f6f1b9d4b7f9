// Command mkvoices builds the default voice pack (voice/default) from the
// built-in scripts and the generic vocabulary: `make voices`, i.e.
//
//	go run ./internal/tools/mkvoices -out voice/default
//
// It is incremental: a prompt already in the pack (listed in the manifest,
// its WAV present) is kept unless -force, so re-running after adding a
// phrase records only that phrase. It is deterministic: the same phrases
// and engine give the same files, byte for byte. Prompts nothing needs any
// more are removed. Every run ends by checking each prompt against the
// pack's limits (voice.CheckClip) and against the engine's untrimmed output
// of its text (re-recorded for prompts it kept), and fails if a prompt is
// out of limits or lost more than voice.MaxEdgeLoss of audible sound at
// either end (-compare=false skips the re-recording).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/bake"
	"github.com/coach-dev/coach/scripts"
	"github.com/coach-dev/coach/voice"
)

type options struct {
	out    string
	engine string
	force  bool // re-record every prompt
	dryRun bool // say what would change, change nothing
	keep   bool // compare kept prompts too (they are re-recorded for it)
}

func main() {
	var o options
	flag.StringVar(&o.out, "out", "voice/default", "pack `folder`")
	flag.StringVar(&o.engine, "engine", "festival", "engine: "+strings.Join(bake.Names(), ", "))
	flag.BoolVar(&o.force, "force", false, "re-record every prompt")
	flag.BoolVar(&o.dryRun, "n", false, "list what would be recorded and removed; change nothing")
	flag.BoolVar(&o.keep, "compare", true, "re-record the prompts kept from before and compare them with what the engine says now")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "mkvoices: no arguments expected; see -h")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	phrases, err := allPhrases()
	if err == nil {
		err = run(ctx, o, phrases, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkvoices:", err)
		os.Exit(1)
	}
}

// allPhrases is what the default pack must say: the vocabulary and every
// clause of every built-in routine, one display text per key, sorted.
func allPhrases() ([]string, error) {
	routines, err := coach.LoadBuiltin(scripts.FS)
	if err != nil {
		return nil, err
	}
	texts := map[string]string{}
	add := func(p string) {
		k := coach.Key(p)
		if _, ok := texts[k]; !ok && k != "" {
			texts[k] = p
		}
	}
	for _, p := range coach.Vocabulary() {
		add(p)
	}
	for _, r := range routines {
		ps, err := coach.SpokenPhrases(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.ID, err)
		}
		for _, p := range ps {
			add(p)
		}
	}
	out := make([]string, 0, len(texts))
	for _, t := range texts {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}

// run brings the pack in o.out up to date with phrases and checks it.
func run(ctx context.Context, o options, phrases []string, log io.Writer) error {
	mpath := filepath.Join(o.out, "manifest.json")
	have := map[string]bool{}
	if f, err := os.Open(mpath); err == nil {
		m, err := voice.ReadManifest(f, mpath)
		f.Close()
		if err != nil {
			return err
		}
		for _, c := range m.Clips {
			// A prompt counts only if its file is there too.
			if st, err := os.Stat(filepath.Join(o.out, c.File)); err == nil && st.Size() > 44 {
				have[c.Phrase] = !o.force
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	want := map[string]string{} // key → display text
	var todo []string
	for _, p := range phrases {
		k := coach.Key(p)
		want[k] = p
		if !have[k] {
			todo = append(todo, p)
		}
	}
	if o.dryRun {
		for _, p := range todo {
			fmt.Fprintf(log, "record %q\n", p)
		}
		for k := range have {
			if _, ok := want[k]; !ok {
				fmt.Fprintf(log, "remove %q\n", k)
			}
		}
		return nil
	}
	start := time.Now()
	takes := map[string]bake.Recording{} // key → the engine's take, for the edge check
	var e bake.Engine
	if len(todo) > 0 || o.keep {
		var err error
		if e, err = bake.Detect(o.engine); err != nil {
			return err
		}
	}
	if len(todo) > 0 {
		fmt.Fprintf(log, "recording %d of %d phrases with %s\n", len(todo), len(phrases), e.Name())
		recs, err := bake.Record(ctx, e, todo, voice.DefaultRate, func(done, total int) {
			fmt.Fprintf(log, "\r%d/%d", done, total)
		})
		fmt.Fprintln(log)
		if err != nil {
			return err
		}
		clips := make([]*voice.Clip, len(recs))
		for i, r := range recs {
			clips[i] = r.Clip
			takes[r.Clip.Phrase] = r
		}
		if _, _, err := voice.SaveDir(o.out, e.Name(), clips, true); err != nil {
			return err
		}
	}
	recorded := time.Since(start)
	if o.keep {
		var kept []string
		for _, p := range phrases {
			if _, ok := takes[coach.Key(p)]; !ok {
				kept = append(kept, p)
			}
		}
		if len(kept) > 0 {
			fmt.Fprintf(log, "re-recording %d kept phrases to compare\n", len(kept))
			recs, err := bake.Record(ctx, e, kept, voice.DefaultRate, func(done, total int) {
				fmt.Fprintf(log, "\r%d/%d", done, total)
			})
			fmt.Fprintln(log)
			if err != nil {
				return err
			}
			for _, r := range recs {
				takes[r.Clip.Phrase] = r
			}
		}
	}
	voiceName := ""
	if e, err := bake.Detect(o.engine); err == nil {
		voiceName = e.Name() // for a manifest that does not say yet
	}
	removed, err := prune(o.out, want, voiceName)
	if err != nil {
		return err
	}
	st, err := check(o.out, takes)
	if err != nil {
		return err
	}
	edges := "not compared with the engine"
	if st.compared > 0 {
		edges = fmt.Sprintf("%d compared with the engine's untrimmed take: at most %v lost at the start, %v at the end", st.compared, st.lostStart, st.lostEnd)
	}
	fmt.Fprintf(log, "%s: %d prompts (%d recorded in %s, %d removed), %.1f MB, %.0f s of speech, longest %.1f s, loudest %.1f dBFS, longest lead %d ms, largest DC %.1f LSB; %s: all within limits\n",
		o.out, st.clips, len(todo), recorded.Round(time.Millisecond), removed,
		float64(st.bytes)/1e6, st.seconds, st.longest, st.peakDB, st.leadMS, st.dc, edges)
	return nil
}

// prune drops prompts nothing needs any more, and any WAV or temporary
// file in the folder that the manifest does not list (the folder is
// embedded as it is). A kept prompt takes its text as the phrase list
// spells it now (same key, so the same words), so the manifest depends on
// the phrases alone, not on the order they were added in.
func prune(dir string, want map[string]string, voiceName string) (int, error) {
	mpath := filepath.Join(dir, "manifest.json")
	f, err := os.Open(mpath)
	if errors.Is(err, os.ErrNotExist) && len(want) == 0 {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	m, err := voice.ReadManifest(f, mpath)
	f.Close()
	if err != nil {
		return 0, err
	}
	kept := m.Clips[:0]
	listed := map[string]bool{"manifest.json": true}
	removed := 0
	for _, c := range m.Clips {
		if text, ok := want[c.Phrase]; ok {
			c.Text = text
			kept = append(kept, c)
			listed[c.File] = true
			continue
		}
		removed++
	}
	m.Clips = kept
	if m.Voice == "" {
		m.Voice = voiceName
	}
	tmp := mpath + ".tmp"
	w, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	if err := voice.WriteManifest(w, m); err != nil {
		w.Close()
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, mpath); err != nil {
		return 0, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		name := e.Name()
		if !listed[name] && (strings.HasSuffix(name, ".wav") || strings.HasSuffix(name, ".tmp")) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return 0, err
			}
		}
	}
	return removed, nil
}

type stats struct {
	clips              int
	bytes              int64
	seconds            float64
	longest, peakDB    float64
	leadMS             int
	dc                 float64 // largest |DC|, LSB
	compared           int     // prompts compared with a take
	lostStart, lostEnd time.Duration
}

// check loads the pack as coach will and holds every prompt to the limits
// (voice.CheckClip: non-empty, under 8 s, peak at most -1 dBFS, a short
// lead, no click at either end, no DC), and every prompt with a take to
// losing at most voice.MaxEdgeLoss of audible sound at either end.
func check(dir string, takes map[string]bake.Recording) (stats, error) {
	var st stats
	p, err := voice.LoadDir(dir)
	if err != nil {
		return st, err
	}
	var problems []string
	voiceLevel := math.Pow(10, voice.LeadDBFS/20) // as CheckClip measures the lead
	st.peakDB = -200
	for _, k := range p.Phrases() {
		c, _ := p.Clip(k)
		if err := voice.CheckClip(c, p.Rate()); err != nil {
			problems = append(problems, err.Error())
		}
		if r, ok := takes[k]; ok {
			ls, le, err := voice.EdgeLoss(c.Samples, r.Take.Samples, r.Take.Rate, r.Take.From, r.Take.To)
			switch {
			case err != nil:
				problems = append(problems, fmt.Sprintf("%q: %v (rebuild it with -force)", k, err))
			case ls > voice.MaxEdgeLoss || le > voice.MaxEdgeLoss:
				problems = append(problems, fmt.Sprintf("%q lost %v of audible sound at the start and %v at the end (at most %v)", k, ls, le, voice.MaxEdgeLoss))
			}
			st.compared++
			st.lostStart, st.lostEnd = max(st.lostStart, ls), max(st.lostEnd, le)
		}
		d := float64(c.Frames()) / float64(p.Rate())
		st.seconds += d
		st.longest = max(st.longest, d)
		var peak float32
		lead := -1
		for i, v := range c.Samples {
			peak = max(peak, v, -v)
			if lead < 0 && float64(max(v, -v)) >= voiceLevel {
				lead = i
			}
		}
		st.peakDB = max(st.peakDB, 20*math.Log10(float64(peak)))
		st.leadMS = max(st.leadMS, lead*1000/p.Rate())
		st.dc = max(st.dc, math.Abs(voice.DC(c.Samples)))
	}
	if len(problems) > 0 {
		return st, fmt.Errorf("%d of %d prompts out of limits: %s", len(problems), p.Len(), strings.Join(problems, "; "))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return st, err
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			st.bytes += info.Size()
		}
	}
	st.clips = p.Len()
	return st, nil
}

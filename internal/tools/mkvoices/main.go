// Command mkvoices builds the default voice pack (voice/default) from the
// built-in scripts and the generic vocabulary: `make voices`. It is
// incremental: prompts already in the pack are kept unless -force.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/bake"
	"github.com/coach-dev/coach/voice"
)

func main() {
	out := flag.String("out", "voice/default", "pack `folder`")
	engine := flag.String("engine", "festival", "engine: "+fmt.Sprint(bake.Names()))
	force := flag.Bool("force", false, "re-record every prompt")
	flag.Parse()
	if err := run(*out, *engine, *force); err != nil {
		fmt.Fprintln(os.Stderr, "mkvoices:", err)
		os.Exit(1)
	}
}

func run(out, engineName string, force bool) error {
	phrases, err := allPhrases()
	if err != nil {
		return err
	}
	have := map[string]bool{}
	var m voice.Manifest
	if b, err := os.ReadFile(filepath.Join(out, "manifest.json")); err == nil && !force {
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		for _, c := range m.Clips {
			have[c.Phrase] = true
		}
	}
	var todo []string
	want := map[string]bool{}
	for _, p := range phrases {
		want[voice.Key(p)] = true
		if !have[voice.Key(p)] {
			todo = append(todo, p)
		}
	}
	e, err := bake.Detect(engineName)
	if err != nil {
		return err
	}
	start := time.Now()
	clips, err := bake.Bake(context.Background(), e, todo, voice.DefaultRate, func(done, total int) {
		fmt.Fprintf(os.Stderr, "\rrecording %d/%d", done, total)
	})
	if len(todo) > 0 {
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return err
	}
	if _, _, err := voice.SaveDir(out, e.Name(), clips, true); err != nil {
		return err
	}
	removed, err := prune(out, want)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d phrases: %d recorded in %s, %d removed\n", len(phrases), len(todo), time.Since(start).Round(time.Millisecond), removed)
	return nil
}

// allPhrases is what the default pack must say: the vocabulary and every
// clause of every built-in routine, one text per key.
func allPhrases() ([]string, error) {
	routines, err := coach.LoadBuiltin()
	if err != nil {
		return nil, err
	}
	texts := map[string]string{}
	add := func(p string) {
		k := voice.Key(p)
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
	var out []string
	for _, t := range texts {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}

// prune drops prompts no built-in routine or vocabulary needs any more.
func prune(dir string, want map[string]bool) (int, error) {
	mpath := filepath.Join(dir, "manifest.json")
	f, err := os.Open(mpath)
	if err != nil {
		return 0, err
	}
	m, err := voice.ReadManifest(f, mpath)
	f.Close()
	if err != nil {
		return 0, err
	}
	kept := m.Clips[:0]
	removed := 0
	for _, c := range m.Clips {
		if want[c.Phrase] {
			kept = append(kept, c)
			continue
		}
		removed++
		os.Remove(filepath.Join(dir, c.File))
	}
	m.Clips = kept
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
	return removed, os.Rename(tmp, mpath)
}

//go:build pocketsphinx

package listen

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Searches of the decoder.
const (
	searchCommands = "commands"
	searchPhones   = "phones"
)

// recogniser scores one utterance against the command grammar and against
// a free phone loop. A command's words explain its sound almost as well as
// the best sequence of any phones; other speech forced into the grammar
// explains it much worse. The difference per frame is the confidence.
type recogniser struct {
	d       *decoder
	phrases map[string]Phrase
}

func newRecogniser(model string, ps []Phrase) (*recogniser, error) {
	hmm := filepath.Join(model, "en-us")
	if _, err := os.Stat(filepath.Join(hmm, "mdef")); err != nil {
		return nil, fmt.Errorf("no speech model in %s (install pocketsphinx-en-us)", model)
	}
	dict, err := subDict(filepath.Join(model, "cmudict-en-us.dict"), words(ps))
	if err != nil {
		return nil, err
	}
	defer os.Remove(dict)
	// Context-independent phones in the phone loop: with triphones it
	// takes 0.7-7 s per second of speech here; without, 40 ms.
	d, err := newDecoder("-hmm", hmm, "-dict", dict, "-logfn", os.DevNull, "-allphone_ci", "yes")
	if err != nil {
		return nil, err
	}
	if err := d.addJSGF(searchCommands, grammar(ps)); err != nil {
		d.close()
		return nil, err
	}
	if err := d.addPhoneLoop(searchPhones, filepath.Join(model, "en-us-phone.lm.bin")); err != nil {
		d.close()
		return nil, err
	}
	r := &recogniser{d: d, phrases: map[string]Phrase{}}
	for _, p := range ps {
		r.phrases[p.Said()] = p
	}
	return r, nil
}

// subDict writes the pronunciations of the grammar's words (and their
// alternatives, "word(2)") to a temporary dictionary: loading the whole
// 134,000-word dictionary would cost a second and 20 MB for nothing.
func subDict(full string, ws []string) (string, error) {
	f, err := os.Open(full)
	if err != nil {
		return "", fmt.Errorf("no pronouncing dictionary: %w", err)
	}
	defer f.Close()
	want := map[string]bool{}
	for _, w := range ws {
		want[w] = true
	}
	var b strings.Builder
	found := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		w, _, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		base, _, _ := strings.Cut(w, "(")
		if want[base] {
			found[base] = true
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read %s: %w", full, err)
	}
	for _, w := range ws {
		if !found[w] {
			return "", fmt.Errorf("the recogniser cannot say %q: it is not in %s", w, full)
		}
	}
	tmp, err := os.CreateTemp("", "coach-dict-*.dict")
	if err != nil {
		return "", err
	}
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), tmp.Close()
}

func (r *recogniser) close() { r.d.close() }

// recognise decodes one utterance.
func (r *recogniser) recognise(pcm []int16) (result, error) {
	g, err := r.d.decode(searchCommands, pcm)
	if err != nil {
		return result{}, err
	}
	res := result{Text: g.Text, Frames: g.Frames}
	p, ok := r.phrases[g.Text]
	if !ok || g.Frames == 0 {
		return res, nil
	}
	ph, err := r.d.decode(searchPhones, pcm)
	if err != nil {
		return result{}, err
	}
	res.Phrase, res.OK = p, true
	res.Score = float64(g.acoustic()-ph.acoustic()) / float64(g.Frames)
	var wake, cmd span
	for _, w := range g.Segments {
		if strings.HasPrefix(w.Word, "<") || strings.HasPrefix(w.Word, "[") || w.End < w.Start {
			continue // silence and fillers
		}
		sp := &cmd
		if strings.TrimSuffix(w.Word, "(2)") == WakeWord {
			sp = &wake
		}
		sp.frames += w.End - w.Start + 1
		sp.score += float64(w.Acoustic) - ph.over(w.Start, w.End)
	}
	res.Wake, res.Command = wake.perFrame(), cmd.perFrame()
	return res, nil
}

// span adds up the score of some words.
type span struct {
	frames int
	score  float64
}

func (s span) perFrame() float64 {
	if s.frames == 0 {
		return math.Inf(-1)
	}
	return s.score / float64(s.frames)
}

// over is the acoustic score the hypothesis gives frames [from, to], each
// segment counted by its share of frames inside.
func (h hypothesis) over(from, to int) float64 {
	var s float64
	for _, g := range h.Segments {
		lo, hi := max(from, g.Start), min(to, g.End)
		if hi < lo || g.End < g.Start {
			continue
		}
		s += float64(g.Acoustic) * float64(hi-lo+1) / float64(g.End-g.Start+1)
	}
	return s
}

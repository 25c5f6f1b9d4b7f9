//go:build pocketsphinx

package listen

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/coach-dev/coach/coach"
)

// Searches of the decoder.
const (
	searchCommands = "commands"
	searchPhones   = "phones"
	searchDecoy    = "decoy"
)

// recogniser scores one utterance against the command grammar and against
// a free phone loop. A command's words explain its sound almost as well as
// the best sequence of any phones; other speech forced into the grammar
// explains it much worse. The difference per frame is the confidence.
type recogniser struct {
	d       *decoder
	prons   map[string][][]string // each grammar word's pronunciations
	phrases map[string]Phrase
}

func newRecogniser(model string, ps []Phrase) (*recogniser, error) {
	hmm := filepath.Join(model, "en-us")
	if _, err := os.Stat(filepath.Join(hmm, "mdef")); err != nil {
		return nil, fmt.Errorf("no speech model in %s (install pocketsphinx-en-us)", model)
	}
	dict, prons, err := subDict(filepath.Join(model, "cmudict-en-us.dict"), append(words(ps), decoyWords(ps)...))
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
	if err := d.addJSGF(searchDecoy, decoyGrammar(ps)); err != nil {
		d.close()
		return nil, err
	}
	if err := d.addPhoneLoop(searchPhones, filepath.Join(model, "en-us-phone.lm.bin")); err != nil {
		d.close()
		return nil, err
	}
	r := &recogniser{d: d, prons: prons, phrases: map[string]Phrase{}}
	for _, p := range ps {
		r.phrases[p.Said()] = p
	}
	return r, nil
}

// subDict writes the pronunciations of the grammar's words (and their
// alternatives, "word(2)") to a temporary dictionary: loading the whole
// 134,000-word dictionary would cost a second and 20 MB for nothing.
func subDict(full string, ws []string) (string, map[string][][]string, error) {
	f, err := os.Open(full)
	if err != nil {
		return "", nil, fmt.Errorf("no pronouncing dictionary: %w", err)
	}
	defer f.Close()
	want := map[string]bool{}
	for _, w := range ws {
		want[w] = true
	}
	var b strings.Builder
	found := map[string]bool{}
	prons := map[string][][]string{}
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
			prons[base] = append(prons[base], strings.Fields(line)[1:])
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return "", nil, fmt.Errorf("read %s: %w", full, err)
	}
	for _, w := range ws {
		if !found[w] {
			return "", nil, fmt.Errorf("the recogniser cannot say %q: it is not in %s", w, full)
		}
	}
	tmp, err := os.CreateTemp("", "coach-dict-*.dict")
	if err != nil {
		return "", nil, err
	}
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", nil, err
	}
	return tmp.Name(), prons, tmp.Close()
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
	dh, err := r.d.decode(searchDecoy, pcm)
	if err != nil {
		return result{}, err
	}
	res.BeatsDecoy = dh.Text == g.Text
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
	res.Phones = r.phoneDistance(g, ph)
	return res, nil
}

// phoneDistance compares what the free phone loop heard with how the
// grammar's words are said: the edit distance over the expected length
// (0 is the same phones; a command said clearly is near 0.3 with these
// context-independent phones, other speech near 1).
func (r *recogniser) phoneDistance(g, ph hypothesis) float64 {
	var heard []string
	for _, s := range ph.Segments {
		if s.Word != "SIL" && !strings.HasPrefix(s.Word, "+") {
			heard = append(heard, s.Word)
		}
	}
	// Every combination of pronunciations is few: take the closest.
	seqs := [][]string{nil}
	for _, w := range g.Segments {
		base := strings.TrimSuffix(w.Word, "(2)")
		alts := r.prons[base]
		if len(alts) == 0 {
			continue // silence, fillers
		}
		var next [][]string
		for _, s := range seqs {
			for _, a := range alts {
				next = append(next, append(append([]string(nil), s...), a...))
			}
		}
		seqs = next
	}
	best := math.Inf(1)
	for _, want := range seqs {
		if len(want) > 0 {
			best = min(best, float64(coach.EditDistance(heard, want))/float64(len(want)))
		}
	}
	return best
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

// decoyGrammar is the command grammar with a rival: any run of common
// English words. Other speech is explained better by the rival; a command
// really said still wins against it about half the time, and one that wins
// needs less of the other evidence.
func decoyGrammar(ps []Phrase) string {
	alts := make([]string, len(ps))
	for i, p := range ps {
		alts[i] = p.Words
	}
	return fmt.Sprintf("#JSGF V1.0;\ngrammar decoy;\npublic <heard> = %s ( %s ) | <other>;\n<other> = ( %s )+;\n",
		WakeWord, strings.Join(alts, " | "), strings.Join(decoyWords(ps), " | "))
}

// commonWords are frequent short English words, the rival's vocabulary.
var commonWords = strings.Fields(`the be to of and a in that have i for not with he as you do at this but his by
from they we say her she or an will my one all would there their what so up out if about who get which me when make
can like time no just him know take people into year your good some could them see other than then now look only come
its over think also after use two how our work first well way even new want because any these give day most us`)

// decoyWords are the common words that are not the wake word or in a
// command.
func decoyWords(ps []Phrase) []string {
	taken := map[string]bool{}
	for _, w := range words(ps) {
		taken[w] = true
	}
	var out []string
	for _, w := range commonWords {
		if !taken[w] {
			out = append(out, w)
		}
	}
	return out
}

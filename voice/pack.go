package voice

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/coach-dev/coach/coach"
)

// DefaultRate is every pack's rate: speech needs no more than 24 kHz, and
// one rate for all clips means no conversion at play time.
const DefaultRate = 24000

// Manifest lists a pack's prompts: phrase key → file, with its length.
type Manifest struct {
	Version int             `json:"version"`
	Rate    int             `json:"rate"`
	Voice   string          `json:"voice"`
	Clips   []ManifestEntry `json:"clips"`
}

// ManifestEntry is one prompt.
type ManifestEntry struct {
	Phrase string `json:"phrase"` // coach.Key(Text)
	Text   string `json:"text"`
	File   string `json:"file"`
	Frames int    `json:"frames"`
}

const manifestName = "manifest.json"

// safeFile reports whether name is a plain file name a pack may hold:
// ^[a-z0-9][a-z0-9._-]{0,120}\.wav$, checked byte by byte (a manifest
// has hundreds of them; a regexp was a sixth of ReadManifest's time).
func safeFile(name string) bool {
	base, ok := strings.CutSuffix(name, ".wav")
	if !ok || len(base) < 1 || len(base) > 121 {
		return false
	}
	for i := 0; i < len(base); i++ {
		c := base[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// ReadManifest decodes a manifest strictly: unknown fields, bad file names
// and duplicate phrases are errors naming the manifest.
func ReadManifest(r io.Reader, name string) (*Manifest, error) {
	dec := json.NewDecoder(io.LimitReader(r, 8<<20))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: bad manifest: %v", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: bad manifest: data after the JSON object", name)
	}
	if m.Version != 1 {
		return nil, fmt.Errorf("%s: manifest version %d is not 1", name, m.Version)
	}
	if m.Rate < minRate || m.Rate > maxRate {
		return nil, fmt.Errorf("%s: manifest rate %d Hz is out of range", name, m.Rate)
	}
	seen := map[string]bool{}
	for i, c := range m.Clips {
		switch {
		case c.Phrase == "" || coach.Key(c.Phrase) != c.Phrase:
			return nil, fmt.Errorf("%s: clip %d: phrase %q is not a normalised key (want %q)", name, i+1, c.Phrase, coach.Key(c.Phrase))
		case !safeFile(c.File):
			return nil, fmt.Errorf("%s: clip %q: file name %q must be a plain lower-case .wav name", name, c.Phrase, c.File)
		case seen[c.Phrase]:
			return nil, fmt.Errorf("%s: phrase %q is listed twice", name, c.Phrase)
		case c.Frames < 0:
			return nil, fmt.Errorf("%s: clip %q: negative length", name, c.Phrase)
		}
		seen[c.Phrase] = true
	}
	return &m, nil
}

// WriteManifest writes m sorted by phrase, so rebuilding a pack gives the
// same bytes.
func WriteManifest(w io.Writer, m *Manifest) error {
	sort.Slice(m.Clips, func(i, j int) bool { return m.Clips[i].Phrase < m.Clips[j].Phrase })
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// Slug is a safe file name for a phrase.
func Slug(phrase string) string {
	var b strings.Builder
	for _, r := range coach.Key(phrase) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
			b.WriteByte('-')
		}
	}
	s := b.String()
	if len(s) > 100 {
		s = s[:100]
	}
	if s == "" {
		s = "clip"
	}
	return s + ".wav"
}

// Pack is a set of decoded prompts at one rate, shared read-only.
type Pack struct {
	rate   int
	name   string
	clips  map[string]*Clip
	source map[string]string
	speech sync.Map // phrase key → [2]int, see Speech
}

// NewPack makes a pack from decoded clips (all at rate).
func NewPack(name string, rate int, clips []*Clip) *Pack {
	p := &Pack{rate: rate, name: name, clips: map[string]*Clip{}, source: map[string]string{}}
	for _, c := range clips {
		p.clips[c.Phrase] = c
		p.source[c.Phrase] = name
	}
	return p
}

// Rate is the pack's sample rate.
func (p *Pack) Rate() int { return p.rate }

// Len is the number of prompts.
func (p *Pack) Len() int { return len(p.clips) }

// Clip finds a prompt by phrase (any spelling Key normalises the same).
func (p *Pack) Clip(phrase string) (*Clip, bool) {
	c, ok := p.clips[coach.Key(phrase)]
	return c, ok
}

// Frames is a prompt's length; the compiler needs nothing more.
func (p *Pack) Frames(phrase string) (int, bool) {
	c, ok := p.clips[coach.Key(phrase)]
	if !ok {
		return 0, false
	}
	return c.Frames(), true
}

// Phrases lists the keys, sorted.
func (p *Pack) Phrases() []string {
	out := make([]string, 0, len(p.clips))
	for k := range p.clips {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Source names the pack a phrase is spoken from.
func (p *Pack) Source(phrase string) string { return p.source[coach.Key(phrase)] }

// Over layers p over base: p's prompts win, and the result has base's
// rate. Packs are normalised to DefaultRate when made; a pack at another
// rate is resampled here rather than played at the wrong speed.
func (p *Pack) Over(base *Pack) *Pack {
	out := &Pack{rate: base.rate, name: p.name, clips: map[string]*Clip{}, source: map[string]string{}}
	for k, c := range base.clips {
		out.clips[k], out.source[k] = c, base.source[k]
	}
	for k, c := range p.clips {
		if p.rate != base.rate {
			c = &Clip{Phrase: c.Phrase, Text: c.Text, Samples: Resample(c.Samples, p.rate, base.rate)}
		}
		out.clips[k], out.source[k] = c, p.source[k]
	}
	return out
}

// Limits every prompt in a pack keeps, checked by CheckClip.
const (
	MaxClipSeconds = 8     // a prompt is a cue, not a paragraph
	PeakDBFS       = -1.0  // headroom: overlapping prompts are summed
	MaxLeadMS      = 150   // silence before the voice makes cues land late: 50 ms kept before a word's first sound, plus a soft start under -50 dBFS (the "th" of "thirty", a stop's closure: up to ~80 ms)
	LeadDBFS       = -50.0 // voice, or a consonant's noise (the floor is ~-75)
)

// CheckClip reports the first way c breaks the limits above, or nil: empty,
// too long, too loud, silent, late, starting or ending with a click (first
// or last EdgeWindow over EdgeDBFS), or off-centre (|DC| of MaxDCLSB or more).
func CheckClip(c *Clip, rate int) error {
	if len(c.Samples) == 0 {
		return fmt.Errorf("%q is empty", c.Phrase)
	}
	if d := float64(len(c.Samples)) / float64(rate); d >= MaxClipSeconds {
		return fmt.Errorf("%q is %.1f s long (under %d s)", c.Phrase, d, MaxClipSeconds)
	}
	var peak float64
	lead := -1
	voiced := math.Pow(10, LeadDBFS/20)
	for i, v := range c.Samples {
		a := math.Abs(float64(v))
		peak = math.Max(peak, a)
		if lead < 0 && a >= voiced {
			lead = i
		}
	}
	// The limit is checked after 16-bit quantisation: what the file holds.
	if limit := math.Pow(10, PeakDBFS/20); peak > limit+1.0/32768 {
		return fmt.Errorf("%q peaks at %.2f dBFS (at most %.0f dBFS)", c.Phrase, 20*math.Log10(peak), PeakDBFS)
	}
	if lead < 0 {
		return fmt.Errorf("%q is silent (nothing above %.0f dBFS)", c.Phrase, LeadDBFS)
	}
	if ms := lead * 1000 / rate; ms >= MaxLeadMS {
		return fmt.Errorf("%q starts with %d ms of silence (under %d ms)", c.Phrase, ms, MaxLeadMS)
	}
	n := min(durFrames(EdgeWindow, rate), len(c.Samples))
	limit := math.Pow(10, EdgeDBFS/20)
	if p := Peak(c.Samples[:n]); p >= limit {
		return fmt.Errorf("%q starts at %.1f dBFS in its first %v (under %.0f dBFS: no click)", c.Phrase, 20*math.Log10(p), EdgeWindow, EdgeDBFS)
	}
	if p := Peak(c.Samples[len(c.Samples)-n:]); p >= limit {
		return fmt.Errorf("%q ends at %.1f dBFS in its last %v (under %.0f dBFS: no click)", c.Phrase, 20*math.Log10(p), EdgeWindow, EdgeDBFS)
	}
	if dc := DC(c.Samples); math.Abs(dc) >= MaxDCLSB {
		return fmt.Errorf("%q has a DC offset of %.1f LSB (under %.0f)", c.Phrase, dc, MaxDCLSB)
	}
	return nil
}

// LoadDir loads a pack folder from disk.
func LoadDir(dir string) (*Pack, error) {
	return LoadFS(regularDir(dir), dir)
}

// regularDir is os.DirFS that opens only regular files and folders, and
// never waits to: a FIFO named manifest.json in the user's pack would
// otherwise hang every command that loads it.
type regularDir string

func (d regularDir) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := os.OpenFile(string(d)+"/"+name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		err = &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%s, not a regular file", FileKind(st.Mode()))}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// LoadFS loads a pack from a folder of fsys; name prefixes error messages.
// Every clip is decoded and checked before anything plays.
func LoadFS(fsys fs.FS, name string) (*Pack, error) {
	mpath := path.Join(name, manifestName)
	data, err := fs.ReadFile(fsys, manifestName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mpath, errors.Unwrap(err))
	}
	m, err := ReadManifest(bytes.NewReader(data), mpath)
	if err != nil {
		return nil, err
	}
	p := &Pack{rate: m.Rate, name: name, clips: map[string]*Clip{}, source: map[string]string{}}
	// Decode on every core: the default pack is ~300 clips, decoded at start-up.
	clips := make([]*Clip, len(m.Clips))
	errs := make([]error, len(m.Clips))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(m.Clips), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				clips[i], errs[i] = loadClip(fsys, name, m.Rate, m.Clips[i])
			}
		}()
	}
	for i := range m.Clips {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, e := range m.Clips {
		if errs[i] != nil {
			return nil, errs[i] // the first in the manifest, whatever finished first
		}
		p.clips[e.Phrase] = clips[i]
		p.source[e.Phrase] = name
	}
	return p, nil
}

func loadClip(fsys fs.FS, name string, rate int, e ManifestEntry) (*Clip, error) {
	fpath := path.Join(name, e.File)
	f, err := fsys.Open(e.File)
	if err != nil {
		return nil, fmt.Errorf("%s: listed in the manifest but cannot be read: %v", fpath, errors.Unwrap(err))
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok { // embed and os files seek; any other fs.FS is read whole
		b, err := io.ReadAll(io.LimitReader(f, maxWAVSize+1))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", fpath, err)
		}
		rs = bytes.NewReader(b)
	}
	s, r, _, err := DecodeWAV(rs, fpath)
	if err != nil {
		return nil, err
	}
	if r != rate {
		return nil, fmt.Errorf("%s: sample rate %d Hz, but the pack is %d Hz", fpath, r, rate)
	}
	return &Clip{Phrase: e.Phrase, Text: e.Text, Samples: s}, nil
}

var (
	defaultOnce sync.Once
	defaultPack *Pack
	defaultErr  error
)

// Default is the pack embedded in the binary, decoded once.
func Default() (*Pack, error) {
	defaultOnce.Do(func() {
		sub, err := fs.Sub(embedded, "default")
		if err != nil {
			defaultErr = err
			return
		}
		defaultPack, defaultErr = LoadFS(sub, "default")
	})
	return defaultPack, defaultErr
}

// SaveDir writes clips (at DefaultRate) into a pack folder (creating it),
// adding to any manifest already there. A phrase already in the folder is replaced only
// with force: nothing a person recorded is lost by accident.
func SaveDir(dir string, voiceName string, clips []*Clip, force bool) (written []string, skipped []string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create pack folder: %w", err)
	}
	m := &Manifest{Version: 1, Rate: DefaultRate, Voice: voiceName}
	mpath := path.Join(dir, manifestName)
	if f, err := os.Open(mpath); err == nil {
		old, err := ReadManifest(f, mpath)
		f.Close()
		if err != nil {
			return nil, nil, err
		}
		m = old
	}
	if !slices.Contains(strings.Split(m.Voice, ", "), voiceName) && voiceName != "" {
		if m.Voice == "" {
			m.Voice = voiceName
		} else {
			m.Voice += ", " + voiceName
		}
	}
	index := map[string]int{}
	owner := map[string]string{} // file → phrase
	for i, e := range m.Clips {
		index[e.Phrase] = i
		owner[e.File] = e.Phrase
	}
	for _, c := range clips {
		phrase := coach.Key(c.Phrase)
		if phrase == "" {
			return written, skipped, fmt.Errorf("a prompt for %q has nothing to say", c.Text)
		}
		if _, exists := index[phrase]; exists && !force {
			skipped = append(skipped, c.Text)
			continue
		}
		// "it's" and "its" slug alike: the second gets its own file.
		file := Slug(phrase)
		for n := 2; owner[file] != "" && owner[file] != phrase; n++ {
			file = fmt.Sprintf("%s-%d.wav", strings.TrimSuffix(Slug(phrase), ".wav"), n)
		}
		samples := c.Samples
		if m.Rate != DefaultRate { // an older pack at another rate keeps its rate
			samples = Resample(samples, DefaultRate, m.Rate)
		}
		var b bytes.Buffer
		if err := EncodeWAV(&b, samples, m.Rate); err != nil {
			return written, skipped, err
		}
		if err := writeAtomic(path.Join(dir, file), b.Bytes()); err != nil {
			return written, skipped, fmt.Errorf("write prompt: %w", err)
		}
		owner[file] = phrase
		e := ManifestEntry{Phrase: phrase, Text: c.Text, File: file, Frames: len(samples)}
		if i, exists := index[phrase]; exists {
			if old := m.Clips[i].File; old != file && owner[old] == phrase {
				os.Remove(path.Join(dir, old))
				delete(owner, old)
			}
			m.Clips[i] = e
		} else {
			index[phrase] = len(m.Clips)
			m.Clips = append(m.Clips, e)
		}
		written = append(written, c.Text)
	}
	var b bytes.Buffer
	if err := WriteManifest(&b, m); err != nil {
		return written, skipped, err
	}
	if err := writeAtomic(mpath, b.Bytes()); err != nil {
		return written, skipped, fmt.Errorf("write manifest: %w", err)
	}
	return written, skipped, nil
}

// writeAtomic writes via a temporary file and rename, so a crash never
// leaves half a prompt or half a manifest.
func writeAtomic(name string, data []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// DefaultManifest is the embedded default pack's manifest (its voice and
// prompts), for `coach --version`.
func DefaultManifest() (*Manifest, error) {
	f, err := embedded.Open("default/" + manifestName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadManifest(f, "default/"+manifestName)
}

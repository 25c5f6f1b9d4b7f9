package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/bake"
	"github.com/coach-dev/coach/voice"
	"github.com/spf13/cobra"
)

func init() {
	extraCommands = append(extraCommands, (*app).voiceCmd)
}

func (a *app) voiceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "voice",
		Short: "Check, record and import the spoken prompts",
		Long: `A routine's spoken lines are composed from prompts: the default pack inside coach,
with your own pack ($XDG_DATA_HOME/coach/voice, else ~/.local/share/coach/voice)
layered over it.`,
	}
	cmd.AddCommand(a.voiceCheckCmd(), a.voiceBakeCmd(), a.voiceImportCmd(), a.voiceListCmd())
	return cmd
}

// clauseStatus sorts a routine's clauses by how the packs can say them.
type clauseStatus struct {
	own        []string // a prompt of its own
	wordByWord []string // composed from shorter prompts
	missing    []string // cannot be said
}

// clauses resolves a routine argument and sorts its clauses against the
// packs.
func (a *app) clauses(cmd *cobra.Command, arg string) (*coach.Routine, *voice.Pack, *clauseStatus, error) {
	r, err := a.routine(cmd, arg)
	if err != nil {
		return nil, nil, nil, err
	}
	pack, err := a.pack()
	if err != nil {
		return nil, nil, nil, err
	}
	all, err := coach.SpokenPhrases(r)
	if err != nil {
		return nil, nil, nil, err
	}
	st := &clauseStatus{}
	for _, c := range all {
		if _, ok := pack.Frames(c); ok {
			st.own = append(st.own, c)
			continue
		}
		// Whether the words can be said is the compiler's call.
		if coach.CanSay(pack, c) {
			st.wordByWord = append(st.wordByWord, c)
		} else {
			st.missing = append(st.missing, c)
		}
	}
	return r, pack, st, nil
}

func (a *app) voiceCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check ROUTINE|FILE",
		Short: "List the phrases that have no prompt (exit 1 if some cannot be said at all)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, _, st, err := a.clauses(cmd, args[0])
			if err != nil {
				return err
			}
			for _, c := range st.missing {
				fmt.Fprintf(a.std.Out, "missing       %q\n", c)
			}
			for _, c := range st.wordByWord {
				fmt.Fprintf(a.std.Out, "word by word  %q\n", c)
			}
			fmt.Fprintf(a.std.Out, "%s: %d phrases: %d with their own prompt, %d said word by word, %d missing\n",
				r.ID, len(st.own)+len(st.wordByWord)+len(st.missing), len(st.own), len(st.wordByWord), len(st.missing))
			if len(st.missing)+len(st.wordByWord) > 0 {
				fmt.Fprintf(a.std.Out, "record them with: coach voice bake %s\n", quoteName(args[0]))
			}
			if len(st.missing) > 0 {
				return errQuiet
			}
			return nil
		},
	}
}

func (a *app) voiceBakeCmd() *cobra.Command {
	var engine string
	var force bool
	cmd := &cobra.Command{
		Use:   "bake ROUTINE|FILE",
		Short: "Record the phrases that have no prompt with an offline voice, into your pack",
		Long: `Record every phrase of the routine that has no prompt of its own, with the best
offline voice installed (festival's HTS voice, else flite, else espeak-ng; --engine
to choose), trimmed and normalised to match the default pack, into your pack.
Prompts already in your pack are kept unless --force.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, pack, st, err := a.clauses(cmd, args[0])
			if err != nil {
				return err
			}
			// A line with placeholders records its own words once, not
			// once per number it is said with.
			todo := append(r.Recordings(pack, st.missing), st.wordByWord...)
			if force {
				todo = append(todo, a.userPhrases(st.own)...)
			}
			sort.Strings(todo)
			if len(todo) == 0 {
				fmt.Fprintf(a.std.Out, "%s: every phrase has a prompt; nothing to record\n", r.ID)
				return nil
			}
			e, err := bake.Detect(engine)
			if err != nil {
				return err
			}
			dir := a.userPackDir()
			if dir == "" {
				return errors.New("no folder for your pack: set HOME or XDG_DATA_HOME")
			}
			clips, err := bake.Bake(cmd.Context(), e, todo, voice.DefaultRate, func(done, total int) {
				fmt.Fprintf(a.std.Err, "\rrecording with %s: %d/%d", e.Name(), done, total)
			})
			fmt.Fprintln(a.std.Err)
			if err != nil {
				return fmt.Errorf("bake: %w", err)
			}
			written, skipped, err := voice.SaveDir(dir, e.Name(), clips, force)
			if err != nil {
				return fmt.Errorf("save prompts in %s: %w", quoteName(dir), quoteNamesIn(err, dir))
			}
			fmt.Fprintf(a.std.Out, "recorded %d prompts into %s", len(written), quoteName(dir))
			if len(skipped) > 0 {
				fmt.Fprintf(a.std.Out, "; kept %d you already had (--force replaces them)", len(skipped))
			}
			fmt.Fprintln(a.std.Out)
			return nil
		},
	}
	cmd.Flags().StringVar(&engine, "engine", "", "voice `ENGINE`: "+strings.Join(bake.Names(), ", "))
	cmd.Flags().BoolVar(&force, "force", false, "re-record prompts already in your pack")
	return cmd
}

// userPhrases keeps the phrases spoken from the user's own pack, which
// --force re-records (the default pack's are never touched).
func (a *app) userPhrases(phrases []string) []string {
	dir := a.userPackDir()
	user, err := voice.LoadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, p := range phrases {
		if _, ok := user.Frames(p); ok {
			out = append(out, p)
		}
	}
	return out
}

func (a *app) voiceImportCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "import DIR",
		Short: "Import prompts you recorded yourself (WAV files) into your pack",
		Long: `Import WAV files a person recorded: any common rate, 8/16/24-bit integer or
32-bit float, mono or stereo. Each file is named after its phrase
(breathe-in.wav says "breathe in"), or DIR/manifest.json lists them
({"version":1,"rate":RATE,"clips":[{"phrase":"breathe in","text":"Breathe in","file":"take3.wav"}]}).
They are converted, trimmed and normalised to match the default pack. Prompts
already in your pack are kept unless --force.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.importVoice(args[0], force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace prompts already in your pack")
	return cmd
}

type importItem struct{ file, text string }

func (a *app) importVoice(dir string, force bool) error {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return fmt.Errorf("import: %s is not a folder", quoteName(dir))
	}
	var items []importItem
	mpath := filepath.Join(dir, "manifest.json")
	b, err := readRegular(mpath, maxImportManifest)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("import: %w", quoteNamesIn(err, mpath))
	}
	if err == nil {
		m, err := readImportManifest(b, mpath)
		if err != nil {
			return quoteNamesIn(err, mpath)
		}
		for _, c := range m.Clips {
			text := c.Text
			if text == "" {
				text = c.Phrase
			}
			items = append(items, importItem{filepath.Join(dir, c.File), text})
		}
	} else {
		files, _ := filepath.Glob(filepath.Join(dir, "*.[wW][aA][vV]"))
		sort.Strings(files)
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
			items = append(items, importItem{f, strings.NewReplacer("-", " ", "_", " ").Replace(name)})
		}
	}
	if len(items) == 0 {
		return fmt.Errorf("import: no WAV files in %s", quoteName(dir))
	}
	var clips []*voice.Clip
	var problems []string
	for _, it := range items {
		c, err := bake.Prepare(it.file, it.text, voice.DefaultRate)
		if err != nil {
			problems = append(problems, quoteNamesIn(err, it.file).Error())
			continue
		}
		if c.Phrase == "" {
			problems = append(problems, fmt.Sprintf("%s: no phrase in its name", quoteName(it.file)))
			continue
		}
		clips = append(clips, c)
	}
	for _, p := range problems {
		fmt.Fprintf(a.std.Err, "coach: not imported: %s\n", escapeLine(p))
	}
	if len(clips) == 0 {
		return errQuiet
	}
	out := a.userPackDir()
	written, skipped, err := voice.SaveDir(out, "recorded", clips, force)
	if err != nil {
		return fmt.Errorf("import into %s: %w", quoteName(out), quoteNamesIn(err, out))
	}
	fmt.Fprintf(a.std.Out, "imported %d prompts into %s", len(written), quoteName(out))
	if len(skipped) > 0 {
		fmt.Fprintf(a.std.Out, "; kept %d you already had (--force replaces them): %s", len(skipped), strings.Join(skipped, ", "))
	}
	fmt.Fprintln(a.std.Out)
	if len(problems) > 0 {
		return errQuiet
	}
	return nil
}

// maxImportManifest bounds the manifest of recordings to import: a few
// hundred clips take a few tens of KiB.
const maxImportManifest = 1 << 20

// readRegular reads a regular file of at most limit bytes. Anything else is
// refused at once: opening a FIFO for reading waits for a writer, forever
// if none comes, and a device may never end.
func readRegular(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, not a regular file; only files are read", path, voice.FileKind(st.Mode()))
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d KiB", path, limit>>10)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d KiB", path, limit>>10)
	}
	return b, nil
}

// readImportManifest reads a manifest whose clips may omit frames and
// whose rate is the recordings' (they are converted anyway).
func readImportManifest(b []byte, name string) (*voice.Manifest, error) {
	var probe struct {
		Rate int `json:"rate"`
	}
	_ = json.Unmarshal(b, &probe)
	if probe.Rate == 0 {
		b = bytes.Replace(b, []byte("{"), []byte(fmt.Sprintf(`{"rate":%d,`, voice.DefaultRate)), 1)
	}
	return voice.ReadManifest(bytes.NewReader(b), name)
}

func (a *app) voiceListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every prompt and the pack it is spoken from",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			pack, err := a.pack()
			if err != nil {
				return err
			}
			type row struct {
				Phrase string  `json:"phrase"`
				Pack   string  `json:"pack"`
				Secs   float64 `json:"seconds"`
			}
			var rows []row
			for _, p := range pack.Phrases() {
				n, _ := pack.Frames(p)
				src := pack.Source(p)
				if src != "default" {
					src = "yours (" + src + ")"
				}
				rows = append(rows, row{p, src, float64(n) / float64(pack.Rate())})
			}
			if asJSON {
				enc := json.NewEncoder(a.std.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(newTextWriter(a.std.Out), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PHRASE\tPACK\tLENGTH")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%.2fs\n", r.Phrase, r.Pack, r.Secs)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

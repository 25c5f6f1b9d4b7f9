package coach

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// BuiltinPrefix marks built-in scripts' file names in errors and listings.
const BuiltinPrefix = "builtin:"

// LoadBuiltin loads every routine in fsys (*.yaml; the built-ins are
// scripts.FS), sorted by id. The domain takes the files as a parameter so it
// imports nothing of this module.
func LoadBuiltin(fsys fs.FS) ([]*Routine, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list built-in scripts: %w", err)
	}
	var out []*Routine
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read built-in script: %w", err)
		}
		r, err := load(path.Join("scripts", name), data, fsys, path.Dir(name))
		if err != nil {
			return nil, err
		}
		r.File = BuiltinPrefix + name
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// mute is a voice that can say nothing, so compiling against it collects
// every clause a routine needs into MissingPhrasesError.
type mute struct{ rate int }

func (m mute) Rate() int               { return m.rate }
func (mute) Frames(string) (int, bool) { return 0, false }

// SpokenPhrases lists every clause r can say in any variant (and the generic
// vocabulary is separate, see Vocabulary): the prompts a pack must hold.
func SpokenPhrases(r *Routine) ([]string, error) {
	seen := map[string]bool{}
	variants := []string{""}
	for _, e := range r.Exercises {
		variants = append(variants, mapKeys(e.Variants)...)
	}
	for _, v := range variants {
		_, err := Compile(r, mute{24000}, Options{Variant: v})
		var miss *MissingPhrasesError
		switch {
		case err == nil:
		case asMissing(err, &miss):
			for _, p := range miss.Phrases {
				seen[p] = true
			}
		default:
			return nil, err
		}
	}
	// Every rep count and "next up" the options could produce.
	return sortedKeys(seen), nil
}

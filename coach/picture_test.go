package coach

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/coach-dev/coach/scripts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withImage is the minimal script with an image line at 7:12.
func withImage(image string) string {
	return strings.Replace(minimal, "    name: A\n", "    name: A\n    image: "+image+"\n", 1)
}

// scriptDir writes a script naming image into a folder holding the test
// pictures (and a picture one byte over the limit), and returns its path.
func scriptDir(t *testing.T, image string) string {
	t.Helper()
	dir := t.TempDir()
	ents, err := os.ReadDir("testdata/pictures")
	require.NoError(t, err)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "images"), 0o755))
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata/pictures", e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "images", e.Name()), b, 0o644))
	}
	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, MaxPictureSize-7)...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "images", "big.png"), big, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "images", "limit.png"), big[:MaxPictureSize], 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "images", "folder.png"), 0o755))
	path := filepath.Join(dir, "t.yaml")
	require.NoError(t, os.WriteFile(path, []byte(withImage(image)), 0o644))
	return path
}

func TestPicturesLoadBesideTheScript(t *testing.T) {
	for _, tt := range []struct {
		image, name, contentType string
	}{
		{"images/ok.svg", "images/a.svg", "image/svg+xml"},
		{"images/ok.png", "images/a.png", "image/png"},
		{"images/ok.jpg", "images/a.jpg", "image/jpeg"},
		{"images/ok.gif", "images/a.gif", "image/gif"},
		{"images/limit.png", "images/a.png", "image/png"},
		{"./images/../images/ok.svg", "images/a.svg", "image/svg+xml"},
	} {
		t.Run(tt.image, func(t *testing.T) {
			path := scriptDir(t, tt.image)
			r, err := LoadFile(path)
			require.NoError(t, err)
			p := r.Exercises[0].Picture
			require.NotNil(t, p)
			assert.Equal(t, tt.name, p.Name)
			assert.Equal(t, tt.contentType, p.ContentType)
			want, err := os.ReadFile(filepath.Join(filepath.Dir(path), filepath.FromSlash(r.Exercises[0].Image)))
			require.NoError(t, err)
			assert.Equal(t, want, p.Data)
		})
	}
}

func TestPictureProblemsAreReportedAtTheImageField(t *testing.T) {
	for _, tt := range []struct {
		name, image, want string
		schema            bool // the JSON Schema rejects it too (it cannot see files)
	}{
		{"missing file", "images/nope.png", `:7:12: image "images/nope.png": no such file next to the script`, false},
		{"wrong type", "images/photo-named.png", `:7:12: image "images/photo-named.png" holds a JPEG picture, not a PNG as its name says`, false},
		{"not a picture", "images/notes.svg", `:7:12: image "images/notes.svg" does not hold an SVG picture`, false},
		{"over 2 MB", "images/big.png", `:7:12: image "images/big.png" is larger than 2 MB; make it smaller`, false},
		{"a folder", "images/folder.png", `:7:12: image "images/folder.png": is a folder, not a picture`, false},
		{"unknown extension", "images/ok.bmp", `:7:12: image "images/ok.bmp" must be an SVG, PNG, JPEG or GIF file (.svg, .png, .jpg, .jpeg or .gif)`, true},
		{"no extension", "images/ok", `:7:12: image "images/ok" must be an SVG, PNG, JPEG or GIF file (.svg, .png, .jpg, .jpeg or .gif)`, true},
		{"absolute", "/etc/ok.png", `:7:12: image "/etc/ok.png" must be a file in the script's folder or below it, such as images/open-books.svg`, true},
		{"outside", "../ok.png", `:7:12: image "../ok.png" must be a file in the script's folder or below it, such as images/open-books.svg`, true},
		{"drive letter", `C:\ok.png`, `:7:12: image "C:\\ok.png" must be a file in the script's folder or below it, such as images/open-books.svg`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := scriptDir(t, tt.image)
			_, err := LoadFile(path)
			require.Error(t, err)
			assert.Contains(t, strings.Split(err.Error(), "\n"), path+tt.want)
			if tt.schema {
				inst, ok := instance(t, []byte(withImage(tt.image)))
				require.True(t, ok)
				assert.Error(t, compileSchema(t).Validate(inst), "the schema rejects it too")
			}
		})
	}
}

func TestSchemaAcceptsImages(t *testing.T) {
	for _, image := range []string{"images/ok.svg", "ok.PNG", "a/b/photo.jpeg", "x.gif", "x.jpg"} {
		inst, ok := instance(t, []byte(withImage(image)))
		require.True(t, ok)
		assert.NoError(t, compileSchema(t).Validate(inst), image)
	}
}

// Every built-in exercise has its own picture, embedded, and the state
// names it (and the next one's, for the rest's preview).
func TestBuiltinPictures(t *testing.T) {
	rs, err := LoadBuiltin(scripts.FS)
	require.NoError(t, err)
	for _, r := range rs {
		for _, e := range r.Exercises {
			require.NotNil(t, e.Picture, "%s/%s has a picture", r.ID, e.ID)
			assert.Equal(t, "images/"+e.ID+".svg", e.Picture.Name)
			assert.Equal(t, "image/svg+xml", e.Picture.ContentType)
			assert.Contains(t, string(e.Picture.Data), "<title>", "the drawing says what it shows")
		}
		tl, err := Compile(r, fakeVoice{}, Options{})
		require.NoError(t, err)
		assert.Len(t, tl.Pictures(), len(r.Exercises))
		first := tl.StateAt(tl.Exercises[0].Start)
		require.NotNil(t, first.Exercise)
		assert.Equal(t, "images/"+r.Exercises[0].ID+".svg", first.Exercise.Image)
		assert.Equal(t, "images/"+r.Exercises[1].ID+".svg", first.NextImage)
	}
}

// A missing picture is reported in the same pass as the script's other
// problems, so an author fixes them all at once.
func TestPictureProblemsComeWithTheOthers(t *testing.T) {
	path := scriptDir(t, "images/nope.png")
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(src), "reps: 2", "reps: 0", 1)), 0o644))
	_, err = LoadFile(path)
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	assert.Contains(t, lines, path+`:7:12: image "images/nope.png": no such file next to the script`)
	assert.Contains(t, lines, path+`:8:11: reps must be between 1 and 50, not 0`)
}

// Any image path and any file content: loading never panics, every problem
// is located at the image field, and a picture that is accepted holds what
// its extension says.
func FuzzPicture(f *testing.F) {
	for _, name := range []string{"ok.svg", "ok.png", "ok.jpg", "ok.gif", "photo-named.png", "notes.svg"} {
		b, err := os.ReadFile(filepath.Join("testdata/pictures", name))
		require.NoError(f, err)
		f.Add(name, b)
	}
	f.Add("../x.png", []byte("\x89PNG\r\n\x1a\n"))
	f.Add(`C:\x.gif`, []byte("GIF89a"))
	f.Add("x.SVG", []byte("\xef\xbb\xbf  <!-- c --><svg/>"))
	f.Fuzz(func(t *testing.T, image string, data []byte) {
		quoted, _ := json.Marshal(image)
		src := withImage(string(quoted))
		fsys := fstest.MapFS{}
		if p := path.Clean(strings.ReplaceAll(image, `\`, "/")); fs.ValidPath(p) && p != "." {
			fsys[p] = &fstest.MapFile{Data: data}
		}
		r, err := load("t.yaml", []byte(src), fsys, ".")
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				require.True(t, strings.HasPrefix(line, "t.yaml:"), "located: %q", line)
			}
			return
		}
		p := r.Exercises[0].Picture
		if p == nil {
			return
		}
		require.Equal(t, pictureTypes[strings.ToLower(path.Ext(r.Exercises[0].Image))], p.ContentType)
		require.Equal(t, p.ContentType, sniffPicture(p.Data))
		require.LessOrEqual(t, len(p.Data), MaxPictureSize)
	})
}

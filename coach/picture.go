package coach

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxPictureSize is the largest picture a script may name: enough for a
// detailed photo, small enough for a phone on a slow network.
const MaxPictureSize = 2 << 20

// pictureTypes maps the extensions a picture may have to what it is served as.
var pictureTypes = map[string]string{
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
}

// image reads an exercise's image field: a relative path with a picture's
// extension. The file itself is checked by LoadPictures.
func (l *loader) image(n *yaml.Node) string {
	s := l.text(n, "image")
	if s == "" {
		return ""
	}
	p := strings.ReplaceAll(s, `\`, "/")
	if path.IsAbs(p) || strings.Contains(p, ":") || !fs.ValidPath(path.Clean(p)) || strings.HasPrefix(path.Clean(p), "../") || path.Clean(p) == ".." {
		l.errorf(n, "image %q must be a file in the script's folder or below it, such as images/open-books.svg", s)
		return ""
	}
	if _, ok := pictureTypes[strings.ToLower(path.Ext(p))]; !ok {
		l.errorf(n, "image %q must be an SVG, PNG, JPEG or GIF file (.svg, .png, .jpg, .jpeg or .gif)", s)
		return ""
	}
	return path.Clean(p)
}

// loadPictures reads the picture of every exercise that names one, from dir
// in fsys (the script's folder), and checks it: it is a file, at most
// MaxPictureSize, whose content is the kind its extension says. Each
// problem is reported at the image field.
func loadPictures(r *Routine, fsys fs.FS, dir string) ErrorList {
	var errs ErrorList
	for _, e := range r.Exercises {
		if e.Image == "" {
			continue
		}
		p := e.pos["image"]
		fail := func(format string, args ...any) {
			errs = append(errs, &Error{File: r.File, Line: p.line, Col: p.col, Msg: fmt.Sprintf(format, args...)})
		}
		data, err := readPicture(fsys, path.Join(dir, e.Image))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fail("image %q: no such file next to the script", e.Image)
			continue
		case errors.Is(err, errTooBig):
			fail("image %q is larger than %d MB; make it smaller", e.Image, MaxPictureSize>>20)
			continue
		case err != nil:
			fail("image %q: %v", e.Image, err)
			continue
		}
		ext := strings.ToLower(path.Ext(e.Image))
		want := pictureTypes[ext]
		if got := sniffPicture(data); got != want {
			if got == "" {
				fail("image %q does not hold %s picture", e.Image, kindOf(want))
			} else {
				fail("image %q holds %s picture, not %s as its name says", e.Image, kindOf(got), kindOf(want))
			}
			continue
		}
		e.Picture = &Picture{Name: "images/" + e.ID + ext, ContentType: want, Data: data}
	}
	return errs
}

var errTooBig = errors.New("too big")

func readPicture(fsys fs.FS, name string) ([]byte, error) {
	// Stat before opening: opening a FIFO would wait for a writer.
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	switch {
	case st.IsDir():
		return nil, errors.New("is a folder, not a picture")
	case !st.Mode().IsRegular():
		return nil, errors.New("is not a regular file")
	case st.Size() > MaxPictureSize:
		return nil, errTooBig
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPictureSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxPictureSize {
		return nil, errTooBig
	}
	return data, nil
}

// sniffPicture names the kind of picture data holds, by its first bytes;
// "" if none coach shows.
func sniffPicture(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "image/gif"
	}
	// SVG is XML text: an <svg element near the start, after any XML
	// declaration, comments or doctype.
	head := data[:min(len(data), 4096)]
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimSpace(head); bytes.HasPrefix(t, []byte("<")) && bytes.Contains(t, []byte("<svg")) {
		return "image/svg+xml"
	}
	return ""
}

// Pictures are the pictures of a timeline's exercises by their address.
func (t *Timeline) Pictures() map[string]*Picture {
	out := map[string]*Picture{}
	for _, e := range t.Exercises {
		if e.Picture != nil {
			out[e.Picture.Name] = e.Picture
		}
	}
	return out
}

// address is where the page finds the picture, "" for none.
func (p *Picture) address() string {
	if p == nil {
		return ""
	}
	return p.Name
}

// kindOf names a picture type for a person: "a PNG", "an SVG".
func kindOf(contentType string) string {
	k := strings.ToUpper(strings.TrimSuffix(strings.TrimPrefix(contentType, "image/"), "+xml"))
	if k == "SVG" {
		return "an SVG"
	}
	return "a " + k
}

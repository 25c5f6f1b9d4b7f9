package companion

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"time"

	"github.com/coach-dev/coach/coach"
)

// servePicture serves the exercises' pictures. A user's SVG is served so
// that, even opened on its own, it can run nothing in the page's origin.
func servePicture(pictures map[string]*coach.Picture) http.HandlerFunc {
	etags := make(map[string]string, len(pictures))
	for name, p := range pictures {
		sum := sha256.Sum256(p.Data)
		etags[name] = `"` + hex.EncodeToString(sum[:12]) + `"`
	}
	return func(w http.ResponseWriter, r *http.Request) {
		name := "images/" + r.PathValue("name")
		p := pictures[name]
		if p == nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", p.ContentType)
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
		h.Set("ETag", etags[name])
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(p.Data))
	}
}

// serveManifest serves the web app manifest with its own type (Go's table
// of types does not know .webmanifest).
func serveManifest(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(pageFS, "page/manifest.webmanifest")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/manifest+json")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

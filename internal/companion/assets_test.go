package companion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"testing"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/scripts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// Each built-in exercise's picture is served at the address the state
// names, as the picture it is, and nothing else is.
func TestPicturesAreServed(t *testing.T) {
	rs, err := coach.LoadBuiltin(scripts.FS)
	require.NoError(t, err)
	pics := map[string]*coach.Picture{}
	for _, r := range rs {
		for _, e := range r.Exercises {
			require.NotNil(t, e.Picture, e.ID)
			pics[e.Picture.Name] = e.Picture
		}
	}
	s := startServer(t, Options{Pictures: pics}, nil)
	for name, p := range pics {
		resp, body := get(t, "http://"+local(s)+"/"+name)
		assert.Equal(t, http.StatusOK, resp.StatusCode, name)
		assert.Equal(t, "image/svg+xml", resp.Header.Get("Content-Type"), name)
		assert.Equal(t, p.Data, body, name)
		assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "sandbox", "a picture opened on its own runs nothing")
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		req, _ := http.NewRequest(http.MethodGet, "http://"+local(s)+"/"+name, nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		again, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		again.Body.Close()
		assert.Equal(t, http.StatusNotModified, again.StatusCode, "a page that has it keeps it")
	}
	for _, name := range []string{"images/nope.svg", "images/", "images/..%2fapp.js", "images/shoulder-rolls.png"} {
		resp, _ := get(t, "http://"+local(s)+"/"+name)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, name)
	}
}

// The page can be added to a home screen: its manifest is served as one
// and names icons that exist at the sizes it says.
func TestManifestAndIcons(t *testing.T) {
	s := startServer(t, Options{}, nil)
	resp, body := get(t, "http://"+local(s)+"/manifest.webmanifest")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/manifest+json", resp.Header.Get("Content-Type"))
	var m struct {
		Name, ShortName, StartURL, Display string
		Icons                              []struct{ Src, Sizes, Type string }
	}
	require.NoError(t, json.Unmarshal(body, &m))
	assert.NotEmpty(t, m.Name)
	require.NotEmpty(t, m.Icons)
	for _, ic := range m.Icons {
		resp, body := get(t, "http://"+local(s)+"/"+ic.Src)
		require.Equal(t, http.StatusOK, resp.StatusCode, ic.Src)
		assert.Contains(t, resp.Header.Get("Content-Type"), ic.Type, ic.Src)
		if ic.Type == "image/png" {
			cfg, err := png.DecodeConfig(bytes.NewReader(body))
			require.NoError(t, err, ic.Src)
			assert.Equal(t, ic.Sizes, fmt.Sprintf("%dx%d", cfg.Width, cfg.Height), ic.Src)
		}
	}
	page, _ := get(t, "http://"+local(s)+"/")
	assert.Contains(t, page.Header.Get("Content-Security-Policy"), "manifest-src 'self'", "the page may load its manifest")
}

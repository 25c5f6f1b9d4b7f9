package companion

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// The page can pause, skip and stop a session, so who may load it matters:
//
//   - Host: only the server's own names are answered (localhost, 127.0.0.1,
//     [::1], the bound address, the machine's hostname, and off loopback the
//     machine's interface addresses). A page on evil.example whose DNS
//     answer is rebound to 127.0.0.1 still sends "Host: evil.example" and
//     gets 421, as does our name on another port.
//   - Origin: a websocket handshake from a browser must come from the page
//     itself (Origin's host equals Host); any other site gets 403. Browsers
//     do not apply CORS to websockets, so this check is the one that counts.
//   - Token: off loopback every request (page, websocket, history) needs
//     the token, as ?token= or the cookie the page gets with it; compared in
//     constant time; without it 401. A page loaded with ?token= is
//     redirected to its address without it once the cookie is set, and
//     --open hands the browser a one-time link, never the token.
//   - Framing is refused (a page cannot be clicked through an invisible
//     frame), and nothing but GET is served.

// isLoopback reports whether a listen host only accepts this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newToken is 128 random bits in hex.
func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// hostSet is the names the server answers to, lower case, without port
// or brackets.
type hostSet map[string]bool

func ownHosts(bound string) hostSet {
	hs := hostSet{}
	add := func(h string) {
		if h != "" {
			hs[strings.ToLower(strings.TrimSuffix(h, "."))] = true
		}
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		add(h)
	}
	if name, err := os.Hostname(); err == nil {
		add(name)
		if !strings.Contains(name, ".") {
			add(name + ".local") // mDNS, how phones usually reach a laptop by name
		}
	}
	ip := net.ParseIP(bound)
	switch {
	case bound == "" || (ip != nil && ip.IsUnspecified()):
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok {
					add(n.IP.String())
				}
			}
		}
	case ip != nil:
		add(ip.String())
	default:
		add(bound) // a name, e.g. --companion mybox.lan:8765
	}
	return hs
}

// allows reports whether a Host header ("name", "name:port", "[::1]:port")
// is one of ours, on our port: a browser always names the port it
// connects to (but 80), so another port means the request was meant for
// another server.
func (hs hostSet) allows(hostport, port string) bool {
	h, p := hostport, "80"
	if hh, pp, err := net.SplitHostPort(hostport); err == nil {
		h, p = hh, pp
	}
	h = strings.TrimSuffix(strings.Trim(strings.ToLower(h), "[]"), ".")
	return h != "" && hs[h] && p == port
}

// malformedPath reports a request path no file can have: not UTF-8, or
// with a control character. (The file server answered those with 500.)
func malformedPath(p string) bool {
	return !utf8.ValidString(p) || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// sameOrigin accepts a websocket handshake only from the page itself. A
// request without Origin is not from a browser (browsers always send it on
// websockets); the Host and token checks still apply to it.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// tokenOK compares in constant time (for equal lengths; the length of a
// 32-digit token is no secret).
func tokenOK(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// guard wraps every handler with the Host, method, path and token checks
// and the headers that keep the page to itself.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hosts.allows(r.Host, s.port) {
			http.Error(w, "misdirected request: this server does not answer to "+r.Host, http.StatusMisdirectedRequest)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if malformedPath(r.URL.Path) {
			http.Error(w, "malformed path", http.StatusBadRequest)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if s.token != "" && !s.authorize(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authorize checks the token off loopback. The token in the address (from
// the printed URL or the QR code) is swapped for a cookie, and the page is
// sent to the same address without it, so the token leaves the address bar
// and the browser's history. A one-time link from OpenURL does the same.
// It reports whether the request may go on; if not, it has answered.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	if nonce, ok := strings.CutPrefix(r.URL.Path, openPath); ok {
		if !s.useNonce(nonce) {
			http.Error(w, "this link was for one use only, and has been used or has expired: open the address coach printed", http.StatusUnauthorized)
			return false
		}
		s.setCookie(w)
		s.redirect(w, r, "/", "")
		return false
	}
	q := r.URL.Query()
	fromQuery := q.Has("token")
	got := q.Get("token")
	if !fromQuery {
		if c, err := r.Cookie(s.cookie); err == nil {
			got = c.Value
		}
	}
	if !tokenOK(got, s.token) {
		http.Error(w, "this page needs the access token: open the address coach printed (with ?token=)", http.StatusUnauthorized)
		return false
	}
	s.setCookie(w)
	if fromQuery && !websocket.IsWebSocketUpgrade(r) {
		q.Del("token")
		// Cleaned: "//evil.example" would send the browser to another site.
		s.redirect(w, r, path.Clean("/"+r.URL.Path), q.Encode())
		return false
	}
	return true
}

func (s *Server) setCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// redirect sends the browser to path?query on this server. The answer is
// not stored (it sets the cookie) and names no other site.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, path, query string) {
	u := url.URL{Path: path, RawQuery: query}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// openPath is the prefix of OpenURL's one-time links.
const openPath = "/open/"

// nonceLife is how long a one-time link works: long enough for a browser
// to start.
const nonceLife = 2 * time.Minute

type nonce struct {
	value   string
	expires time.Time
}

// OpenURL is an address to hand to a browser on this machine. Where a
// token is needed it carries, instead of the token, a one-time nonce that
// works once within two minutes and is then worth nothing: a command line
// (xdg-open's, the browser's) is readable by every user in ps, the token
// must not be there.
func (s *Server) OpenURL() (string, error) {
	if s.token == "" {
		return s.URL(), nil
	}
	n, err := newToken()
	if err != nil {
		return "", fmt.Errorf("companion: %w", err)
	}
	s.nonceMu.Lock()
	now := time.Now()
	s.nonces = slices.DeleteFunc(s.nonces, func(x nonce) bool { return now.After(x.expires) })
	s.nonces = append(s.nonces, nonce{n, now.Add(nonceLife)})
	s.nonceMu.Unlock()
	u, _ := url.Parse(s.URL())
	u.Path, u.RawQuery = openPath+n, ""
	return u.String(), nil
}

// useNonce spends a one-time nonce; it reports whether it was valid.
func (s *Server) useNonce(got string) bool {
	s.nonceMu.Lock()
	defer s.nonceMu.Unlock()
	now := time.Now()
	for i, x := range s.nonces {
		if tokenOK(got, x.value) {
			s.nonces = slices.Delete(s.nonces, i, i+1)
			return now.Before(x.expires)
		}
	}
	return false
}

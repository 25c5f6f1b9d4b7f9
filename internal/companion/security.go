package companion

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// The page can pause, skip and stop a session, so who may load it matters:
//
//   - Host: only the server's own names are answered (localhost, 127.0.0.1,
//     [::1], the bound address, the machine's hostname, and off loopback the
//     machine's interface addresses). A page on evil.example whose DNS
//     answer is rebound to 127.0.0.1 still sends "Host: evil.example" and
//     gets 421.
//   - Origin: a websocket handshake from a browser must come from the page
//     itself (Origin's host equals Host); any other site gets 403. Browsers
//     do not apply CORS to websockets, so this check is the one that counts.
//   - Token: off loopback every request (page, websocket, history) needs
//     the token, as ?token= or the cookie the page gets with it; compared in
//     constant time; without it 401.
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
// is one of ours.
func (hs hostSet) allows(hostport string) bool {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.Trim(strings.ToLower(h), "[]"), ".")
	return h != "" && hs[h]
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

// guard wraps every handler with the Host, method and token checks and
// the headers that keep the page to itself.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hosts.allows(r.Host) {
			http.Error(w, "misdirected request: this server does not answer to "+r.Host, http.StatusMisdirectedRequest)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if s.token != "" {
			got := r.URL.Query().Get("token")
			if got == "" {
				if c, err := r.Cookie(s.cookie); err == nil {
					got = c.Value
				}
			}
			if !tokenOK(got, s.token) {
				http.Error(w, "this page needs the access token: open the address coach printed (with ?token=)", http.StatusUnauthorized)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		next.ServeHTTP(w, r)
	})
}

package companion

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// do sends a request to the server's real address with the given Host
// header and extra headers, and returns the status and body.
func do(t *testing.T, s *Server, method, path, host string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+local(s)+path, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	if host != "" {
		req.Host = host
	}
	resp, err := noRedirects.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// noRedirects is a client that shows a redirect rather than following it.
var noRedirects = &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

// handshake dials /ws with the given Host and Origin and returns the
// status (101 on success).
func handshake(t *testing.T, s *Server, query, host, origin string, header http.Header) int {
	t.Helper()
	h := http.Header{}
	for k, v := range header {
		h[k] = v
	}
	if host != "" {
		h.Set("Host", host)
	}
	if origin != "" {
		h.Set("Origin", origin)
	}
	d := &websocket.Dialer{HandshakeTimeout: 5 * time.Second, NetDial: func(network, _ string) (net.Conn, error) {
		return net.Dial(network, local(s)) // the Host header may name anything; connect here
	}}
	c, resp, err := d.Dial(wsURL(s, query), h)
	if err == nil {
		c.Close()
		return http.StatusSwitchingProtocols
	}
	require.NotNil(t, resp, "handshake: %v", err)
	return resp.StatusCode
}

func TestHostAndOrigin(t *testing.T) {
	s := startServer(t, Options{}, nil)
	_, port, _ := net.SplitHostPort(s.Addr())
	name, _ := os.Hostname()
	self := "127.0.0.1:" + port
	tests := []struct {
		name         string
		host, origin string
		page, ws     int
	}{
		{"the bound address", self, "http://" + self, 200, 101},
		{"localhost", "localhost:" + port, "http://localhost:" + port, 200, 101},
		{"IPv6 loopback", "[::1]:" + port, "http://[::1]:" + port, 200, 101},
		{"the machine's name", name + ":" + port, "http://" + name + ":" + port, 200, 101},
		{"upper case", "LOCALHOST:" + port, "http://localhost:" + port, 200, 101},
		{"not a browser (no Origin)", self, "", 200, 101},
		{"DNS rebinding", "evil.example:" + port, "http://evil.example:" + port, 421, 421},
		{"our address, another port", "127.0.0.1:1", "", 421, 421},
		{"our name, another port", "localhost:" + strconv.Itoa(portOf(t, s.Addr())+1), "http://localhost:" + port, 421, 421},
		{"our name, no port (port 80)", "localhost", "", 421, 421},
		{"our address, port with a leading zero", "127.0.0.1:0" + port, "", 421, 421},
		{"rebinding, our address as a subdomain", "127.0.0.1.evil.example:" + port, "", 421, 421},
		{"cross-origin page", self, "http://evil.example", 200, 403},
		{"cross-origin, another port here", self, "http://127.0.0.1:1", 200, 403},
		{"origin on another of our names", self, "http://localhost:" + port, 200, 403},
		{"opaque origin", self, "null", 200, 403},
		{"file origin", self, "file://", 200, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _ := do(t, s, "GET", "/", tt.host, nil)
			assert.Equal(t, tt.page, code, "page")
			assert.Equal(t, tt.ws, handshake(t, s, "", tt.host, tt.origin, nil), "websocket")
		})
	}
}

func TestPageHeadersAndMethods(t *testing.T) {
	s := startServer(t, Options{}, nil)
	resp, err := http.Get("http://" + s.Addr() + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "connect-src 'self'")
	assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	assert.Contains(t, string(body), `aria-live="polite"`)
	assert.NotContains(t, string(body), "http://", "no external assets")
	assert.NotContains(t, string(body), "https://", "no external assets")

	for _, path := range []string{"/app.js", "/app.css"} {
		code, body := do(t, s, "GET", path, "", nil)
		assert.Equal(t, 200, code, path)
		assert.NotContains(t, body, "https://", "%s: no external assets", path)
	}
	for _, method := range []string{"POST", "PUT", "DELETE"} {
		code, _ := do(t, s, method, "/", "", nil)
		assert.Equal(t, 405, code, method)
	}
	code, _ := do(t, s, "GET", "/history", "", nil)
	assert.Equal(t, 404, code, "no history without a store")
}

func TestLANModeNeedsTheToken(t *testing.T) {
	s := startServer(t, Options{Addr: "0.0.0.0:0"}, nil)
	assert.True(t, s.LAN())
	require.Regexp(t, `^[0-9a-f]{32}$`, s.Token(), "a random 128-bit token")
	assert.Contains(t, s.URL(), "?token="+s.Token())
	assert.NotContains(t, s.URL(), "0.0.0.0", "the URL names an address a phone can reach")
	other := startServer(t, Options{Addr: "0.0.0.0:0"}, nil)
	assert.NotEqual(t, s.Token(), other.Token())

	tok := s.Token()
	cookie := func(v string) http.Header { return http.Header{"Cookie": {s.cookie + "=" + v}} }
	tests := []struct {
		name   string
		query  string
		header http.Header
		code   int
	}{
		{"no token", "", nil, 401},
		{"wrong token", "?token=wrong", nil, 401},
		{"empty token", "?token=", nil, 401},
		{"a prefix of the token", "?token=" + tok[:31], nil, 401},
		{"the token and more", "?token=" + tok + "0", nil, 401},
		{"upper-cased token", "?token=" + strings.ToUpper(tok), nil, 401},
		{"wrong cookie", "", cookie("wrong"), 401},
		{"another server's cookie name", "", http.Header{"Cookie": {"coach_token_1=" + tok}}, 401},
		{"right token: to the cookie, and away from the address", "?token=" + tok, nil, 303},
		{"right cookie", "", cookie(tok), 200},
		{"right cookie, wrong token in the address", "?token=wrong", cookie(tok), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, s, "GET", "/"+tt.query, "", tt.header)
			assert.Equal(t, tt.code, code, "page")
			if code == 401 {
				assert.NotContains(t, body, tok, "a refusal never leaks the token")
			}
			ws := handshake(t, s, strings.TrimPrefix(tt.query, "?"), "", "", tt.header)
			if tt.code == 200 || tt.code == 303 {
				assert.Equal(t, 101, ws, "websocket")
			} else {
				assert.Equal(t, tt.code, ws, "websocket")
			}
		})
	}

	// The token in the URL sets a cookie and sends the browser to the same
	// address without the token, so it leaves the address bar and history;
	// the page's own websocket and reloads work with the cookie.
	resp, err := noRedirects.Get("http://" + local(s) + "/?token=" + tok)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/", resp.Header.Get("Location"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	set := tokenCookie(resp, s.cookie)
	require.NotNil(t, set)
	assert.Equal(t, tok, set.Value)
	assert.True(t, set.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, set.SameSite)
	// Other parts of the address stay.
	resp, err = noRedirects.Get("http://" + local(s) + "/app.js?v=2&token=" + tok + "&w=a%20b")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/app.js?v=2&w=a+b", resp.Header.Get("Location"))
	// Never to another site: a path that reads as one is cleaned.
	for _, p := range []string{"//evil.example/", "//evil.example", "/\\evil.example", "/./..//evil.example"} {
		c, err := net.Dial("tcp", local(s))
		require.NoError(t, err)
		fmt.Fprintf(c, "GET %s?token=%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", p, tok, local(s))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err, p)
		resp.Body.Close()
		c.Close()
		loc := resp.Header.Get("Location")
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, p)
		assert.True(t, strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") && !strings.HasPrefix(loc, "/\\"), "%s redirects to %q", p, loc)
	}

	// The token does not excuse a foreign Host or Origin.
	code, _ := do(t, s, "GET", "/?token="+tok, "evil.example", nil)
	assert.Equal(t, 421, code)
	assert.Equal(t, 403, handshake(t, s, "token="+tok, "", "http://evil.example", nil))

	qr, err := s.QR()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(qr, "\n"), "\n")
	assert.Greater(t, len(lines), 15, "a QR code")
	for _, l := range lines[1:] {
		assert.Equal(t, len([]rune(lines[0])), len([]rune(l)), "a square of equal lines")
	}
}

// tokenCookie is the cookie named name that resp sets, or nil.
func tokenCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestOpenURLIsOneTime: --open hands the browser a link with a nonce, not
// the token (a command line is public in ps); it works once, within its
// life, and then the page runs on the cookie.
func TestOpenURLIsOneTime(t *testing.T) {
	s := startServer(t, Options{Addr: "0.0.0.0:0"}, nil)
	open, err := s.OpenURL()
	require.NoError(t, err)
	assert.NotContains(t, open, s.Token())
	u, err := url.Parse(open)
	require.NoError(t, err)
	assert.Regexp(t, `^/open/[0-9a-f]{32}$`, u.Path)
	other, err := s.OpenURL()
	require.NoError(t, err)
	assert.NotEqual(t, open, other, "each link is new")

	path := u.Path
	resp, err := noRedirects.Get("http://" + local(s) + path)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/", resp.Header.Get("Location"))
	set := tokenCookie(resp, s.cookie)
	require.NotNil(t, set, "the link sets the cookie")
	assert.Equal(t, s.Token(), set.Value)
	code, _ := do(t, s, "GET", "/", "", http.Header{"Cookie": {s.cookie + "=" + set.Value}})
	assert.Equal(t, 200, code, "the page, on the cookie")

	code, body := do(t, s, "GET", path, "", nil)
	assert.Equal(t, 401, code, "a second use")
	assert.NotContains(t, body, s.Token())
	code, _ = do(t, s, "GET", "/open/"+strings.Repeat("0", 32), "", nil)
	assert.Equal(t, 401, code, "a made-up link")
	code, _ = do(t, s, "GET", "/open/", "", nil)
	assert.Equal(t, 401, code, "no nonce")

	// An unused link expires.
	late, err := s.OpenURL()
	require.NoError(t, err)
	s.nonceMu.Lock()
	for i := range s.nonces {
		s.nonces[i].expires = time.Now().Add(-time.Second)
	}
	s.nonceMu.Unlock()
	lu, _ := url.Parse(late)
	code, _ = do(t, s, "GET", lu.Path, "", nil)
	assert.Equal(t, 401, code, "an expired link")

	// Without a token there is nothing to hide: the page's own address.
	plain := startServer(t, Options{}, nil)
	open, err = plain.OpenURL()
	require.NoError(t, err)
	assert.Equal(t, plain.URL(), open)
}

func TestMalformedPathIs400(t *testing.T) {
	s := startServer(t, Options{}, nil)
	for _, p := range []string{"/%ff", "/%c0%af", "/app.js%ff", "/%00", "/a%0ab", "/%1b[2J", "/%7f"} {
		c, err := net.Dial("tcp", s.Addr())
		require.NoError(t, err)
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", p, s.Addr())
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err, p)
		resp.Body.Close()
		c.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, p)
	}
	for _, p := range []string{"/nothing-here", "/app.js/x", "/..%2f..%2fetc%2fpasswd"} {
		code, _ := do(t, s, "GET", p, "", nil)
		assert.Equal(t, 404, code, p)
	}
}

func TestLoopbackWithAGivenTokenEnforcesIt(t *testing.T) {
	s := startServer(t, Options{Token: "s3cret"}, nil)
	assert.False(t, s.LAN())
	code, _ := do(t, s, "GET", "/", "", nil)
	assert.Equal(t, 401, code)
	code, _ = do(t, s, "GET", "/?token=s3cret", "", nil)
	assert.Equal(t, 303, code)

	plain := startServer(t, Options{}, nil)
	assert.Empty(t, plain.Token(), "loopback needs no token by default")
	assert.NotContains(t, plain.URL(), "token")
}

func TestFrames(t *testing.T) {
	ctl := &fakeController{}
	s := startServer(t, Options{Controller: ctl}, nil)
	c := dial(t, s, nil)
	require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","command":"pause"}`)))
	require.Eventually(t, func() bool { return len(ctl.got()) == 1 }, 2*time.Second, time.Millisecond)

	tests := []struct{ send, want string }{
		{`{"type":"command","command":"explode"}`, `unknown command "explode"`},
		{`{"type":"command","command":"paus"}`, `(did you mean "pause"?)`},
		{`{"type":"command"}`, `unknown command ""`},
		{`{"type":"command","command":"rate-11"}`, `unknown command "rate-11"`},
		{`not json`, "malformed message"},
		{``, "malformed message"},
		{`{"type":"command","command":"pause"`, "malformed message"},
		{`{"type":"command","command":"pause"}{"type":"command","command":"stop"}`, "one JSON object per frame"},
		{`{"type":"command","command":5}`, "malformed message"},
		{`["pause"]`, "malformed message"},
		{`{"type":"hello"}`, `unknown message type "hello"`},
		{`{"command":"pause"}`, `unknown message type ""`},
	}
	for _, tt := range tests {
		require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(tt.send)))
		m := read(t, c)
		assert.Equal(t, typeError, m.Type, tt.send)
		assert.Contains(t, m.Message, tt.want, tt.send)
	}
	// The connection stayed: commands still work, exactly the keyboard's.
	for _, cmd := range []string{"resume", "toggle", "next", "back", "repeat", "pain", "rate-4", "stop"} {
		require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","command":"`+cmd+`"}`)))
	}
	want := []coach.Command{coach.CmdPause, coach.CmdResume, coach.CmdToggle, coach.CmdNext, coach.CmdBack,
		coach.CmdRepeat, coach.CmdPain, coach.Rate(4), coach.CmdStop}
	require.Eventually(t, func() bool { return len(ctl.got()) == len(want) }, 2*time.Second, time.Millisecond)
	assert.Equal(t, want, ctl.got())

	// A frame of exactly 4 KiB is read; one byte more closes the connection
	// with 1009 (message too big) and is not acted on.
	pad := func(n int) []byte {
		b := []byte(`{"type":"command","command":"next","pad":"`)
		b = append(b, strings.Repeat("x", n-len(b)-2)...)
		return append(b, `"}`...)
	}
	require.NoError(t, c.WriteMessage(websocket.TextMessage, pad(maxMessage)))
	require.Eventually(t, func() bool { return len(ctl.got()) == len(want)+1 }, 2*time.Second, time.Millisecond)
	require.NoError(t, c.WriteMessage(websocket.TextMessage, pad(maxMessage+1)))
	var err error
	for err == nil {
		_, err = readMsg(c, 5*time.Second)
	}
	assert.True(t, websocket.IsCloseError(err, websocket.CloseMessageTooBig), "closed with 1009: %v", err)
	assert.Len(t, ctl.got(), len(want)+1)
	waitClients(t, s, 0)
}

// TestFramesThatAreNoCommands: a command is JSON text. A binary frame is
// refused with 1003 and invalid UTF-8 with 1007 (RFC 6455 8.1), and neither
// reaches the session.
func TestFramesThatAreNoCommands(t *testing.T) {
	tests := []struct {
		name string
		kind int
		data []byte
		code int
	}{
		{"binary", websocket.BinaryMessage, []byte{0xff, 0x00}, websocket.CloseUnsupportedData},
		{"a command in a binary frame", websocket.BinaryMessage, []byte(`{"type":"command","command":"stop"}`), websocket.CloseUnsupportedData},
		{"invalid UTF-8", websocket.TextMessage, []byte("{\"type\":\"command\",\"command\":\"stop\xff\"}"), websocket.CloseInvalidFramePayloadData},
		{"a lone surrogate", websocket.TextMessage, []byte("\xed\xa0\x80"), websocket.CloseInvalidFramePayloadData},
		{"overlong encoding", websocket.TextMessage, []byte("\xc0\xaf"), websocket.CloseInvalidFramePayloadData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctl := &fakeController{}
			s := startServer(t, Options{Controller: ctl}, nil)
			c := dial(t, s, nil)
			require.NoError(t, c.WriteMessage(tt.kind, tt.data))
			var err error
			for err == nil {
				_, err = readMsg(c, 5*time.Second)
			}
			assert.True(t, websocket.IsCloseError(err, tt.code), "closed with %d: %v", tt.code, err)
			assert.Empty(t, ctl.got(), "nothing reached the session")
			waitClients(t, s, 0)
		})
	}
}

func TestBusySessionSaysSo(t *testing.T) {
	ctl := &fakeController{refuse: true}
	s := startServer(t, Options{Controller: ctl}, nil)
	c := dial(t, s, nil)
	require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","command":"next"}`)))
	m := read(t, c)
	assert.Equal(t, typeError, m.Type)
	assert.Contains(t, m.Message, "not taking commands")

	// No controller at all (a server not attached yet) answers the same.
	bare := startServer(t, Options{}, nil)
	c = dial(t, bare, nil)
	require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(`{"type":"command","command":"next"}`)))
	assert.Equal(t, typeError, read(t, c).Type)
}

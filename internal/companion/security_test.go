package companion

import (
	"io"
	"net"
	"net/http"
	"os"
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
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

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
		{"right token", "?token=" + tok, nil, 200},
		{"right cookie", "", cookie(tok), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, s, "GET", "/"+tt.query, "", tt.header)
			assert.Equal(t, tt.code, code, "page")
			if code == 401 {
				assert.NotContains(t, body, tok, "a refusal never leaks the token")
			}
			ws := handshake(t, s, strings.TrimPrefix(tt.query, "?"), "", "", tt.header)
			if tt.code == 200 {
				assert.Equal(t, 101, ws, "websocket")
			} else {
				assert.Equal(t, tt.code, ws, "websocket")
			}
		})
	}

	// The token in the URL sets a cookie, so the page's own websocket and
	// reloads work without it in the address bar.
	resp, err := http.Get("http://" + local(s) + "/?token=" + tok)
	require.NoError(t, err)
	resp.Body.Close()
	var set *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == s.cookie {
			set = c
		}
	}
	require.NotNil(t, set)
	assert.Equal(t, tok, set.Value)
	assert.True(t, set.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, set.SameSite)

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

func TestLoopbackWithAGivenTokenEnforcesIt(t *testing.T) {
	s := startServer(t, Options{Token: "s3cret"}, nil)
	assert.False(t, s.LAN())
	code, _ := do(t, s, "GET", "/", "", nil)
	assert.Equal(t, 401, code)
	code, _ = do(t, s, "GET", "/?token=s3cret", "", nil)
	assert.Equal(t, 200, code)

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
	// Binary frames are read the same way.
	require.NoError(t, c.WriteMessage(websocket.BinaryMessage, []byte{0xff, 0x00}))
	assert.Equal(t, typeError, read(t, c).Type)

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

package companion

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/gorilla/websocket"
	qrcode "github.com/skip2/go-qrcode"
)

//go:embed page
var pageFS embed.FS

// DefaultAddr is loopback: other machines need --companion 0.0.0.0:8765
// and the token.
const DefaultAddr = "127.0.0.1:8765"

// portTries is how many ports after a busy one are tried.
const portTries = 20

const tokenCookie = "coach_token"

// Options configure a server.
type Options struct {
	Addr       string     // host:port; a busy port moves to the next free one
	Token      string     // access token for non-loopback addresses; generated if empty
	Controller Controller // where page commands go
	// History, if set, answers GET /history for the page's last-days strip.
	History func() (any, error)
}

// Server is the companion web server.
type Server struct {
	Hub   *Hub
	ln    net.Listener
	srv   *http.Server
	token string // "" on loopback
	hosts map[string]bool
	ctl   atomic.Pointer[controllerBox]
	up    websocket.Upgrader
}

// New binds the address (or the next free port) and prepares the server.
func New(opt Options) (*Server, error) {
	if opt.Addr == "" {
		opt.Addr = DefaultAddr
	}
	host, portStr, err := net.SplitHostPort(opt.Addr)
	if err != nil {
		return nil, fmt.Errorf("companion address %q: %w", opt.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("companion address %q: bad port", opt.Addr)
	}
	var ln net.Listener
	for i := 0; i <= portTries; i++ {
		ln, err = net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port+i)))
		if err == nil || port == 0 {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("companion: %w", err)
	}
	s := &Server{Hub: NewHub(), ln: ln, hosts: map[string]bool{}}
	s.ctl.Store(&controllerBox{opt.Controller})
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	if !loopback {
		s.token = opt.Token
		if s.token == "" {
			b := make([]byte, 16)
			if _, err := rand.Read(b); err != nil {
				ln.Close()
				return nil, fmt.Errorf("companion token: %w", err)
			}
			s.token = hex.EncodeToString(b)
		}
	}
	s.allowHosts(host)
	s.up = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 4096, CheckOrigin: s.sameOrigin}
	mux := http.NewServeMux()
	page, _ := fs.Sub(pageFS, "page")
	mux.Handle("GET /", http.FileServerFS(page))
	mux.HandleFunc("GET /ws", s.serveWS)
	if opt.History != nil {
		mux.HandleFunc("GET /history", func(w http.ResponseWriter, r *http.Request) {
			v, err := opt.History()
			if err != nil {
				http.Error(w, "history unavailable", http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(v)
		})
	}
	s.srv = &http.Server{Handler: s.guard(mux), ReadHeaderTimeout: 5 * time.Second}
	return s, nil
}

// allowHosts lists the names this server answers to; any other Host header
// is refused, so a DNS-rebinding page cannot reach it.
func (s *Server) allowHosts(bound string) {
	add := func(h string) { s.hosts[strings.ToLower(h)] = true }
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		add(h)
	}
	if name, err := os.Hostname(); err == nil {
		add(name)
		add(name + ".local")
	}
	ip := net.ParseIP(bound)
	if ip != nil && ip.IsUnspecified() {
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok {
					add(n.IP.String())
				}
			}
		}
	} else if bound != "" {
		add(bound)
	}
}

func (s *Server) hostAllowed(hostport string) bool {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	h = strings.Trim(strings.ToLower(h), "[]")
	return s.hosts[h]
}

// sameOrigin refuses cross-origin websocket handshakes.
func (s *Server) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser; the Host and token checks still apply
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// guard checks the Host header and, off loopback, the token.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r.Host) {
			http.Error(w, "unknown host", http.StatusForbidden)
			return
		}
		if s.token != "" {
			got := r.URL.Query().Get("token")
			if got == "" {
				if c, err := r.Cookie(tokenCookie); err == nil {
					got = c.Value
				}
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
				http.Error(w, "this page needs the access token coach printed", http.StatusUnauthorized)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		}
		w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		http.Error(w, "cross-origin websocket refused", http.StatusForbidden)
		return
	}
	conn, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c := newClient(conn)
	s.Hub.register(c)
	go c.writePump()
	go func() {
		c.readPump(s.ctl.Load().Controller)
		s.Hub.unregister(c)
	}()
}

// Start serves until ctx ends or Close.
func (s *Server) Start(ctx context.Context) {
	go s.srv.Serve(s.ln)
	go func() {
		<-ctx.Done()
		s.Close()
	}()
}

// Addr is the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the page's address, with the token off loopback.
func (s *Server) URL() string {
	host, port, _ := net.SplitHostPort(s.Addr())
	ip := net.ParseIP(host)
	if ip != nil && ip.IsUnspecified() {
		host = lanIP()
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/"}
	if s.token != "" {
		u.RawQuery = "token=" + s.token
	}
	return u.String()
}

// lanIP picks an address another device on the network can reach.
func lanIP() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return "127.0.0.1"
}

// Token is the access token ("" on loopback).
func (s *Server) Token() string { return s.token }

// QR is the URL as a QR code drawn with terminal characters.
func (s *Server) QR() (string, error) {
	q, err := qrcode.New(s.URL(), qrcode.Medium)
	if err != nil {
		return "", err
	}
	return q.ToSmallString(false), nil
}

// Close stops serving and disconnects every page.
func (s *Server) Close() error {
	s.Hub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return s.srv.Close()
	}
	return err
}

// Attach wires a session: every changed state goes to the pages, each new
// line heard becomes a cue event, and page commands reach the session.
func (s *Server) Attach(sess *coach.Session) {
	s.ctl.Store(&controllerBox{sess})
	last := ""
	sess.OnState(func(st coach.State) {
		s.Hub.Publish(st)
		if st.Caption != "" && st.Caption != last {
			s.Hub.PublishCue(st.Caption, st.ElapsedMS, st.Seq)
		}
		last = st.Caption
	})
}

// controllerBox lets the controller be swapped atomically (Attach may come
// after Start).
type controllerBox struct{ Controller }

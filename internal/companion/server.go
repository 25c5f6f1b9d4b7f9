package companion

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/gorilla/websocket"
)

//go:embed page
var pageFS embed.FS

// DefaultAddr is loopback: other machines need --companion 0.0.0.0:8765
// and the token.
const DefaultAddr = "127.0.0.1:8765"

// portTries is how many ports after a busy one are tried.
const portTries = 20

// endGrace is how long a server whose context ends waits for the session's
// last (stopped) state before it hangs up, so pages can show the summary.
const endGrace = 500 * time.Millisecond

// Options configure a server.
type Options struct {
	// Addr is host:port (default DefaultAddr). If the port is busy the
	// next free one up to +20 is used; URL and Addr tell which.
	Addr string
	// Token is the access token. Off loopback it is required, and generated
	// (128 random bits) if empty; on loopback a given token is enforced too.
	Token string
	// Controller receives page commands; Attach sets it to the session.
	Controller Controller
	// History, if set, answers GET /history for the page's last-days strip.
	History func() (any, error)
	// Hello is sent to every page first. Its Controls default to the
	// domain's table and its Phases to the domain's labels.
	Hello Hello
	// Pictures are the exercises' pictures by address (images/NAME, as the
	// state names them): Timeline.Pictures.
	Pictures map[string]*coach.Picture
}

// Server is the companion web server: GET / (the page), GET /ws (the
// websocket), GET /history (optional).
type Server struct {
	hub    *Hub
	hello  *frame
	ln     net.Listener
	srv    *http.Server
	token  string // "" when not required
	cookie string
	lan    bool
	hosts  hostSet
	port   string // the bound port; a Host header must name it

	nonceMu sync.Mutex
	nonces  []nonce // OpenURL's one-time links
	ctl     atomic.Pointer[controllerBox]
	up      websocket.Upgrader

	started   atomic.Bool
	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// controllerBox lets the controller be swapped atomically (Attach may come
// after Start).
type controllerBox struct{ Controller }

// New binds the address (or the next free port) and prepares the server;
// Start serves it.
func New(opt Options) (*Server, error) {
	return newServer(opt, defaultTiming)
}

func newServer(opt Options, t timing) (*Server, error) {
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
	for i := 0; i <= portTries && port+i <= 65535; i++ {
		ln, err = net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port+i)))
		if err == nil || port == 0 || !addrInUse(err) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("companion: %w", err)
	}
	s := &Server{ln: ln, lan: !isLoopback(host), hosts: ownHosts(host), closing: make(chan struct{})}
	s.token = opt.Token
	if s.lan && s.token == "" {
		if s.token, err = newToken(); err != nil {
			ln.Close()
			return nil, fmt.Errorf("companion token: %w", err)
		}
	}
	_, boundPort, _ := net.SplitHostPort(ln.Addr().String())
	s.port = boundPort
	s.cookie = "coach_token_" + boundPort // cookies ignore ports; two servers must not share one
	s.hub = newHub(t)
	if opt.Hello.Controls == nil {
		opt.Hello.Controls = coach.Controls
	}
	if opt.Hello.Phases == nil {
		opt.Hello.Phases = coach.PhaseLabels()
	}
	s.hello = newFrame(encodeHello(opt.Hello))
	s.ctl.Store(&controllerBox{opt.Controller})
	s.up = websocket.Upgrader{
		ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{},
		HandshakeTimeout: 5 * time.Second,
		CheckOrigin:      sameOrigin,
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			http.Error(w, reason.Error(), status)
		},
	}
	mux := http.NewServeMux()
	page, _ := fs.Sub(pageFS, "page")
	mux.Handle("GET /", http.FileServerFS(page))
	mux.HandleFunc("GET /ws", s.serveWS)
	mux.HandleFunc("GET /images/{name}", servePicture(opt.Pictures))
	mux.HandleFunc("GET /manifest.webmanifest", serveManifest)
	mux.HandleFunc("GET /history", func(w http.ResponseWriter, r *http.Request) {
		if opt.History == nil {
			http.NotFound(w, r)
			return
		}
		v, err := opt.History()
		if err != nil {
			http.Error(w, "history unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	})
	s.srv = &http.Server{Handler: s.guard(mux), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	return s, nil
}

// addrInUse reports whether Listen failed because the port is taken (as
// opposed to, say, an address that is not this machine's).
func addrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), "address already in use") ||
		strings.Contains(err.Error(), "Only one usage of each socket address")
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-origin websocket refused", http.StatusForbidden)
		return
	}
	conn, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c := newClient(conn, s.hub.t, s.hello)
	if !s.hub.register(c) {
		c.write(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "coach has stopped"))
		conn.Close()
		return
	}
	go c.writePump(s.hub.bye, s.hub.writers.Done)
	go func() {
		c.readPump(s.controller)
		s.hub.unregister(c)
	}()
}

func (s *Server) controller() Controller { return s.ctl.Load().Controller }

// Start serves in the background until ctx ends or Close is called. When
// ctx ends, the server waits briefly for the session's final state so the
// pages can show their summary, then closes.
func (s *Server) Start(ctx context.Context) error {
	select {
	case <-s.closing:
		return errors.New("companion: server is closed")
	default:
	}
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("companion: already started")
	}
	go s.srv.Serve(s.ln)
	go func() {
		select {
		case <-ctx.Done():
			select {
			case <-s.hub.Ended():
			case <-time.After(endGrace):
			}
			s.Close()
		case <-s.closing:
		}
	}()
	return nil
}

// Publish sends a state to every page. It never blocks and never waits on
// the network; call it from the session's OnState (Attach does).
func (s *Server) Publish(st coach.State) { s.hub.Publish(st) }

// Summary sends every page, now and as it connects, the session's record
// once it has ended; history (streak, this week) is added when kept.
func (s *Server) Summary(rec coach.Record, history any) error {
	b, err := encodeSummary(rec, history)
	if err != nil {
		return fmt.Errorf("companion summary: %w", err)
	}
	s.hub.publishSummary(newFrame(b))
	return nil
}

// Attach wires a session: every changed state goes to the pages (each new
// caption also as a cue event), and page commands go to the session.
func (s *Server) Attach(sess *coach.Session) {
	s.ctl.Store(&controllerBox{sess})
	sess.OnState(s.hub.Publish)
}

// Addr is the bound address, host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// LAN reports whether the server listens beyond this machine.
func (s *Server) LAN() bool { return s.lan }

// Token is the access token, "" when none is required.
func (s *Server) Token() string { return s.token }

// Clients is the number of connected pages.
func (s *Server) Clients() int { return s.hub.Clients() }

// URL is the page's address, with ?token= when one is required. On a
// wildcard address (0.0.0.0, ::) it names this machine's LAN address, so
// the URL (and its QR code) works from a phone.
func (s *Server) URL() string {
	host, port, _ := net.SplitHostPort(s.Addr())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = lanIP()
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/"}
	if s.token != "" {
		u.RawQuery = url.Values{"token": {s.token}}.Encode()
	}
	return u.String()
}

// lanIP picks an address another device on the network can reach: a
// private IPv4 address of an interface that is up, else any non-loopback
// IPv4 address, else loopback.
func lanIP() string {
	var fallback string
	ifaces, _ := net.Interfaces()
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok || n.IP.To4() == nil || n.IP.IsLinkLocalUnicast() {
				continue
			}
			if n.IP.IsPrivate() {
				return n.IP.String()
			}
			if fallback == "" {
				fallback = n.IP.String()
			}
		}
	}
	if fallback != "" {
		return fallback
	}
	return "127.0.0.1"
}

// Close sends every page the last state and a close frame (waiting at most
// a second for slow ones), then stops serving. It is safe to call more than
// once, concurrently, and without Start.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.hub.Close()
		if !s.started.Load() {
			s.closeErr = s.ln.Close()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.closeErr = s.srv.Close()
		}
	})
	return s.closeErr
}

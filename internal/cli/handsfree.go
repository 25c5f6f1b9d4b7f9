package cli

import (
	"context"
	"fmt"

	"github.com/coach-dev/coach/internal/listen"
	"github.com/coach-dev/coach/internal/mpris"
)

// startHandsFree puts the session on the session bus as a media player
// (headset and keyboard media keys) unless --no-media-keys, and listens
// for spoken commands with --listen. Neither is needed: when one cannot
// start, a line says why and the session goes on. The returned function
// stops both.
func (r *runner) startHandsFree(ctx context.Context) (stop func()) {
	var closers []func() error
	if !r.f.noMediaKeys {
		p, err := mpris.Start(ctx, r.sess.Send, mpris.Options{Timeline: r.p.tl})
		if err != nil {
			r.warn(fmt.Sprintf("media keys off: %v", err))
		} else {
			r.sess.OnState(p.State)
			closers = append(closers, p.Close)
		}
	}
	if r.f.listen {
		l, err := listen.Start(ctx, r.sess.Send, listen.Options{Timeline: r.p.tl, Heard: r.sess.Heard, OnHeard: r.heard})
		if err != nil {
			r.warn(fmt.Sprintf("not listening: %v", err))
		} else {
			r.sess.OnState(l.State)
			closers = append(closers, l.Close)
		}
	}
	return func() {
		for _, c := range closers {
			if err := c(); err != nil {
				r.warn(err.Error())
			}
		}
	}
}

// heard shows a spoken command where the session is shown.
func (r *runner) heard(h listen.Heard) {
	r.view.Log(h.Text())
	if r.srv != nil {
		r.srv.Heard(h.Command, h.Text())
	}
}

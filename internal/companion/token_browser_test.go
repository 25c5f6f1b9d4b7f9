package companion

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// headlessChromium starts a headless Chromium with a fresh profile for the
// test and returns a context that drives one tab of it.
func headlessChromium(t *testing.T) context.Context {
	t.Helper()
	var bin string
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			bin = path
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; .ci/run must install it")
		}
		t.Skip("chromium is not installed (make test installs it)")
	}
	profile, err := os.MkdirTemp("", "coach-chromium-")
	require.NoError(t, err)
	t.Cleanup(func() {
		for range 20 { // Chromium's helpers may write to it for a moment after it quits
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	tctx, tcancel := context.WithTimeout(bctx, 60*time.Second)
	t.Cleanup(func() { tcancel(); bcancel(); acancel() })
	return tctx
}

// addresses is what the tab's address bar shows and the address of each
// entry of its back/forward history. (An entry also remembers what the user
// typed, the address they were given; that one is theirs.)
func addresses(t *testing.T, ctx context.Context) (string, []string) {
	t.Helper()
	var href string
	var entries []*page.NavigationEntry
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Evaluate(`location.href`, &href),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			_, entries, err = page.GetNavigationHistory().Do(ctx)
			return err
		})))
	var hist []string
	for _, e := range entries {
		hist = append(hist, e.URL)
	}
	return href, hist
}

// TestTokenLeavesTheAddressBar opens the LAN address with its token, as a
// phone does from the QR code, and the one-time link --open uses, in a real
// browser: the page connects its websocket, and neither the address bar nor
// the history keeps the token.
func TestTokenLeavesTheAddressBar(t *testing.T) {
	s := startServer(t, Options{Addr: "0.0.0.0:0"}, nil)
	tok := s.Token()
	require.Contains(t, s.URL(), tok)

	ctx := headlessChromium(t)
	require.NoError(t, chromedp.Run(ctx, chromedp.Navigate(s.URL())))
	waitClients(t, s, 1) // the page's websocket got in, on the cookie
	href, hist := addresses(t, ctx)
	assert.NotContains(t, href, tok, "the address bar")
	for _, h := range hist {
		assert.NotContains(t, h, tok, "the history")
	}
	require.NoError(t, chromedp.Run(ctx, chromedp.Reload()))
	require.Eventually(t, func() bool { return s.Clients() == 1 }, 10*time.Second, 10*time.Millisecond, "a reload works on the cookie")

	// The one-time link: a second tab, a fresh start.
	open, err := s.OpenURL()
	require.NoError(t, err)
	ctx2 := headlessChromium(t)
	require.NoError(t, chromedp.Run(ctx2, chromedp.Navigate(open)))
	waitClients(t, s, 2)
	href, _ = addresses(t, ctx2)
	assert.NotContains(t, href, "/open/", "the spent link left the address bar")
}

// Package browsertest drives a real headless Chromium from Go tests: the
// pages taskmock writes or serves are checked as a person's browser shows
// them. chromedp, the Go ecosystem's driver of the Chrome DevTools
// Protocol, is used here only; tests use the Browser type.
//
// A test that needs a browser calls New, which skips the test when no
// Chromium is installed (CI installs Debian's chromium package, so there
// the tests run).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Browser is one headless Chromium tab.
type Browser struct {
	ctx context.Context
	tb  testing.TB

	mu       sync.Mutex
	requests []string // the URLs the page asked for
}

// Timeout bounds each action of a Browser.
const Timeout = 30 * time.Second

// Path returns the Chromium to run: $TASKMOCK_CHROMIUM, else the first of
// chromium, chromium-browser, google-chrome on PATH; "" when none.
func Path() string {
	if p := os.Getenv("TASKMOCK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium for the test, closed at its end, or
// skips the test when none is installed.
func New(tb testing.TB) *Browser {
	tb.Helper()
	path := Path()
	if path == "" {
		tb.Skip("no Chromium on PATH (apt-get install chromium, or set TASKMOCK_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI containers run as root
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	b := &Browser{ctx: ctx, tb: tb}
	// The first call starts the browser: no timeout on it, which would
	// stop the browser when it ends.
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			b.mu.Lock()
			b.requests = append(b.requests, e.Request.URL)
			b.mu.Unlock()
		}
	})
	if err != nil {
		tb.Fatalf("starting Chromium %s: %v", path, err)
	}
	return b
}

func (b *Browser) do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// must fails the test on err.
func (b *Browser) must(what string, err error) {
	b.tb.Helper()
	if err != nil {
		b.tb.Fatalf("browser: %s: %v", what, err)
	}
}

// Open loads url and waits for its body.
func (b *Browser) Open(url string) {
	b.tb.Helper()
	b.must("open "+url, b.do(chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body"))))
}

// Eval evaluates a JavaScript expression in the page and returns its
// value, decoded from JSON into T.
func Eval[T any](b *Browser, expr string) T {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	b.must("eval "+expr, err)
	return v
}

// Click clicks the first visible element matching a CSS selector.
func (b *Browser) Click(selector string) {
	b.tb.Helper()
	b.must("click "+selector, b.do(chromedp.WaitVisible(chromedp.CSS(selector)), chromedp.Click(chromedp.CSS(selector))))
}

// Press types keys into the focused element as a person would, one key
// event each: "\t" is Tab, "\r" Enter (see chromedp's kb package).
func (b *Browser) Press(keys string) {
	b.tb.Helper()
	b.must("press "+strconv.Quote(keys), b.do(chromedp.KeyEvent(keys)))
}

// WaitVisible waits until an element matching a CSS selector is visible.
func (b *Browser) WaitVisible(selector string) {
	b.tb.Helper()
	b.must("wait for "+selector, b.do(chromedp.WaitVisible(chromedp.CSS(selector))))
}

// Screenshot writes a PNG of the whole page to path.
func (b *Browser) Screenshot(path string) {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	b.must("screenshot", err)
	b.must("screenshot", os.WriteFile(path, png, 0o644))
}

// Requests lists the URLs the pages asked for, in order, the pages
// themselves included.
func (b *Browser) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// Package browser starts Debian's chromium headless for tests and
// benchmarks of the estate page, through the DevTools protocol
// (github.com/chromedp/chromedp), with a fresh profile and everything that
// would reach the network switched off.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/chromedp/chromedp"
)

// RequireEnv, when set to 1, makes a missing browser a failure instead of
// a skip: CI sets it, so that it cannot skip the browser test silently.
const RequireEnv = "CURATOR_REQUIRE_BROWSER"

// PathEnv overrides where chromium is.
const PathEnv = "CURATOR_CHROMIUM"

// Find returns the chromium executable: $CURATOR_CHROMIUM, else chromium
// (Debian's package), chromium-browser or google-chrome on PATH.
func Find() (string, error) {
	if p := os.Getenv(PathEnv); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH (install Debian's chromium: apt-get install chromium; .ci/chromium.sh does it in CI), and $" + PathEnv + " is not set")
}

// Flags are the switches chromium starts with: headless, no sandbox (CI
// runs as root), no GPU, and nothing that calls home — this machine's
// network is closed and a test must not depend on it.
var Flags = []chromedp.ExecAllocatorOption{
	chromedp.Flag("headless", true),
	chromedp.NoSandbox,
	chromedp.DisableGPU,
	chromedp.Flag("disable-quic", true),
	chromedp.NoFirstRun,
	chromedp.NoDefaultBrowserCheck,
	chromedp.Flag("disable-background-networking", true),
	chromedp.Flag("disable-component-update", true),
	chromedp.Flag("disable-sync", true),
	chromedp.Flag("disable-default-apps", true),
	chromedp.Flag("disable-extensions", true),
	chromedp.Flag("disable-dev-shm-usage", true),
	chromedp.Flag("hide-scrollbars", true),
	chromedp.Flag("mute-audio", true),
}

// Start starts chromium with a fresh profile in userDataDir and a window
// of width × height, and returns the context of its first tab; cancel
// stops the browser.
func Start(ctx context.Context, path, userDataDir string, width, height int) (context.Context, context.CancelFunc, error) {
	opts := append([]chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.UserDataDir(userDataDir), chromedp.WindowSize(width, height)}, Flags...)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tctx, cancelTab := chromedp.NewContext(actx)
	// Start the browser now, so that a failure to start is this call's.
	if err := chromedp.Do(tctx); err != nil {
		cancelTab()
		cancelAlloc()
		return nil, nil, fmt.Errorf("start %s: %w", path, err)
	}
	return tctx, func() { cancelTab(); cancelAlloc() }, nil
}

// WaitFor evaluates expr every 50 ms until it returns true, or fails
// after within. (chromedp's Poll builds its predicate with new Function,
// which the page's Content-Security-Policy rightly forbids.)
func WaitFor(ctx context.Context, expr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return nil
		}
		lastErr = err
		if time.Now().After(deadline) {
			if lastErr != nil {
				return fmt.Errorf("%s: not true within %s: %w", expr, within, lastErr)
			}
			return fmt.Errorf("%s: not true within %s", expr, within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

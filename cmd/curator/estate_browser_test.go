package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/curator-dev/curator/internal/browser"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "rewrite the estate page's screenshots under docs/")

// findBrowser returns chromium's path, or skips the test saying why —
// unless CURATOR_REQUIRE_BROWSER=1 (CI), where a missing browser fails.
func findBrowser(t *testing.T) string {
	t.Helper()
	path, err := browser.Find()
	if err != nil {
		if os.Getenv(browser.RequireEnv) == "1" {
			t.Fatalf("%s=1 and %v", browser.RequireEnv, err)
		}
		t.Skipf("skipped: %v", err)
	}
	return path
}

// TestShowEstateSnapshot writes the quickstart's estate page after an
// apply with show --estate and opens the file in chromium: it shows the
// matrices with its stylesheet applied (allowed by the CSP's hash) and
// runs no script.
func TestShowEstateSnapshot(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	expect(t, curator(t, state, "apply", "--auto-approve", "../../examples/quickstart"), 0, "Apply complete")
	r := curator(t, state, "show", "--estate", "-o", "html", "../../examples/quickstart")
	expect(t, r, 0)
	for _, s := range []string{"contoso_images", "finance-backend", "2 × Standard_LRS", "★</span> latest", "No pending plan."} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("the snapshot lacks %q", s)
		}
	}
	expect(t, curator(t, state, "show", "--estate", "-o", "json", "../../examples/quickstart"), 1, "--estate writes html")
	// A repository of configurations: one page, a section each, with
	// what its pending plan creates.
	repo := curator(t, state, "show", "--estate", "-o", "html", "../../examples/repo")
	expect(t, repo, 0, "<h2>images-dev</h2>", "<h2>images-prod</h2>", "Pending plan:")
	file := filepath.Join(t.TempDir(), "estate.html")
	if err := os.WriteFile(file, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}

	bctx, stop, err := browser.Start(context.Background(), findBrowser(t), t.TempDir(), 1280, 900)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+file)); err != nil {
		t.Fatal(err)
	}
	// The stylesheet sets the body's margin to 0 (a browser's default is
	// 8px): it applies only if the CSP allows it.
	if err := browser.WaitFor(bctx, `getComputedStyle(document.body).margin === '0px' && document.scripts.length === 0 && document.querySelectorAll('details.gallery table.matrix').length === 2`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// cellSeen is one cell of the page's matrices as the browser shows it.
type cellSeen struct {
	Region, State, Text string
}

type rowSeen struct {
	Version string
	Cells   []cellSeen
}

type imageSeen struct {
	Image string
	Rows  []rowSeen
}

// matrices reads every open definition's matrix from the page.
const matrices = `Array.from(document.querySelectorAll('details.image')).map(d => ({
  Image: d.querySelector('summary .name').textContent,
  Rows: Array.from(d.querySelectorAll('tbody tr')).map(tr => ({
    Version: tr.querySelector('.vname').textContent,
    Cells: Array.from(tr.querySelectorAll('td')).map(td => ({Region: td.dataset.region, State: td.dataset.state, Text: td.textContent.replace(/\s+/g, ' ').trim()}))
  }))
}))`

func cellOf(t *testing.T, seen []imageSeen, image, version, region string) cellSeen {
	t.Helper()
	for _, im := range seen {
		for _, r := range im.Rows {
			for _, c := range r.Cells {
				if im.Image == image && r.Version == version && c.Region == region {
					return c
				}
			}
		}
	}
	t.Fatalf("the page shows no cell for %s %s in %s: %+v", image, version, region, seen)
	return cellSeen{}
}

// TestEstatePageInBrowser drives chromium over the live page of a watch
// applying the quickstart: the matrices show the applied estate (states,
// replicas, latest marks); a new version appears, replicates and becomes
// latest without the page reloading; and a hostile gallery description
// renders as text with no script run. With -update-screenshots it writes
// the README's screenshots.
func TestEstatePageInBrowser(t *testing.T) {
	path := findBrowser(t)
	cfg := t.TempDir()
	quickstart, err := os.ReadFile("../../examples/quickstart/curator.cue")
	if err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(cfg, "curator.cue"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(string(quickstart))
	state := filepath.Join(t.TempDir(), "state")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errw syncBuffer
	done := make(chan int)
	go func() {
		done <- runContext(ctx, []string{"--state", state, "--replication-rate", "10", "watch", "--apply", "--listen", "127.0.0.1:0", cfg}, strings.NewReader(""), &out, &errw)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("watch exited %d: %s", code, errw.String())
		}
	}()
	waitFor(t, &out, "Apply complete: 7 done", 1, 60*time.Second)
	addr := regexp.MustCompile(`on (http://[0-9.:]+)`).FindStringSubmatch(errw.String())
	if addr == nil {
		t.Fatalf("watch did not say where it serves:\n%s", errw.String())
	}

	bctx, stop, err := browser.Start(context.Background(), path, t.TempDir(), 1280, 900)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var dialogs atomic.Int32
	chromedp.Listen(bctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go chromedp.Do(bctx, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
				_, err := cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
				return chromedp.Void{}, err
			})
		}
	})
	wait := func(expr string, within time.Duration) {
		t.Helper()
		if err := browser.WaitFor(bctx, expr, within); err != nil {
			html, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
			t.Fatalf("%v\nthe page:\n%s\nwatch said:\n%s", err, html, out.String())
		}
	}
	eval := func(expr string, v any) {
		t.Helper()
		b, err := chromedp.Run(bctx, chromedp.Evaluate[[]byte](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
	}
	screenshot := func(name string) {
		t.Helper()
		if !*updateScreenshots {
			return
		}
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("../../docs", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("../../docs", name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	if err := chromedp.Do(bctx, chromedp.Navigate(addr[1]+"/")); err != nil {
		t.Fatal(err)
	}
	// A mark that a reload would lose.
	wait(`(window.curatorTestMark = 'kept') === 'kept'`, 5*time.Second)
	wait(`document.querySelectorAll('details.gallery').length === 1`, 10*time.Second)
	// Open the gallery (its definitions load), then every definition.
	wait(`(document.querySelector('details.gallery').open = true) && document.querySelectorAll('details.image').length === 2`, 10*time.Second)
	wait(`(document.querySelectorAll('details.image').forEach(d => d.open = true), true)`, time.Second)

	var seen []imageSeen
	eval(matrices, &seen)
	for _, want := range []struct {
		image, version, region, state string
		text                          []string
		notText                       string
	}{
		{"finance-backend", "1.1.0", "westeurope", "completed", []string{"completed", "2 × Standard_LRS", "latest"}, ""},
		{"finance-backend", "1.1.0", "northeurope", "completed", []string{"1 × Standard_ZRS", "latest"}, ""},
		{"finance-backend", "1.0.0", "westeurope", "completed", []string{"1 × Standard_LRS"}, "latest"},
		{"finance-backend", "1.0.0", "northeurope", "none", []string{"—"}, ""},
		{"finance-frontend", "2.0.0", "eastus", "completed", []string{"latest"}, ""},
	} {
		c := cellOf(t, seen, want.image, want.version, want.region)
		if c.State != want.state {
			t.Errorf("%s %s in %s: state %q, want %q (%q)", want.image, want.version, want.region, c.State, want.state, c.Text)
		}
		for _, s := range want.text {
			if !strings.Contains(c.Text, s) {
				t.Errorf("%s %s in %s shows %q, want it to say %q", want.image, want.version, want.region, c.Text, s)
			}
		}
		if want.notText != "" && strings.Contains(c.Text, want.notText) {
			t.Errorf("%s %s in %s shows %q, which must not say %q", want.image, want.version, want.region, c.Text, want.notText)
		}
	}
	screenshot("estate-quickstart.png")

	// A new version: it appears, replicates (the page follows its
	// progress) and, once the apply is done and the cloud read again,
	// becomes latest — all without a reload.
	write(strings.Replace(string(quickstart), `		versions: "1.1.0": {`, `		versions: "1.2.0": {
			source: managedImage: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/builds/providers/Microsoft.Compute/images/backend-120"
			sizeGB: 60
			regions: {
				westeurope: replicas: 2
				northeurope: {replicas: 1, storage: "Standard_ZRS"}
				eastus: {}
			}
		}
		versions: "1.1.0": {`, 1))
	wait(`Array.from(document.querySelectorAll('details.image tbody tr')).some(tr => tr.querySelector('.vname').textContent === '1.2.0' && tr.querySelector('td[data-state=replicating]'))`, 30*time.Second)
	screenshot("estate-replicating.png")
	wait(`Array.from(document.querySelectorAll('details.image tbody tr')).some(tr => tr.querySelector('.vname').textContent === '1.2.0' && tr.querySelectorAll('td[data-state=completed]').length === 3 && tr.querySelectorAll('td .mark.latest').length === 3)`, 60*time.Second)
	eval(matrices, &seen)
	for _, region := range []string{"westeurope", "northeurope", "eastus"} {
		if c := cellOf(t, seen, "finance-backend", "1.2.0", region); !strings.Contains(c.Text, "latest") {
			t.Errorf("1.2.0 in %s shows %q: not marked latest", region, c.Text)
		}
	}
	if c := cellOf(t, seen, "finance-backend", "1.1.0", "westeurope"); strings.Contains(c.Text, "latest") {
		t.Errorf("1.1.0 in westeurope still marked latest: %q", c.Text)
	}

	// A hostile description is text: no element is made of it and no
	// script runs.
	const hostile = `<img src=x onerror=alert(1)>`
	write(strings.Replace(string(quickstart), `"Golden images for Contoso's platform teams"`, "\""+hostile+"\"", 1))
	wait(`document.querySelector('details.gallery .desc') !== null && document.querySelector('details.gallery .desc').textContent === '`+hostile+`'`, 30*time.Second)
	var imgs int
	eval(`document.querySelectorAll('img').length`, &imgs)
	if imgs != 0 {
		t.Errorf("the page holds %d img elements: the description was parsed as HTML", imgs)
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d dialogs opened: a script ran", n)
	}
	var mark string
	eval(`window.curatorTestMark || ''`, &mark)
	if mark != "kept" {
		t.Error("the page reloaded: it should update in place")
	}

	// On a phone the page fits the screen's width (a matrix scrolls in
	// its own box), and in print the open matrices show and the live
	// status does not.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	wait(`document.documentElement.scrollWidth <= window.innerWidth + 1`, 5*time.Second)
	if err := chromedp.Do(bctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	wait(`getComputedStyle(document.getElementById('live')).display === 'none' && document.querySelector('table.matrix').getBoundingClientRect().height > 0`, 5*time.Second)
}

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/curator-dev/curator/estateview"
	"github.com/curator-dev/curator/examples/gen/estate"
	"github.com/curator-dev/curator/internal/browser"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/schema"
)

// pageRows measures the estate page of an estate of shape
// "galleries,definitions,versions": the size and time of every JSON and
// HTML answer (the index, each gallery), and in chromium the first
// contentful paint of the page and the time to open the largest gallery.
// The actual state is the configuration as applied — marked as managed,
// every version provisioned — built in memory: the page's cost is the
// view's, whichever reader produced the state.
func pageRows(shape string) error {
	var g, d, v int
	if _, err := fmt.Sscanf(shape, "%d,%d,%d", &g, &d, &v); err != nil {
		return fmt.Errorf("-page %q: want galleries,definitions,versions: %w", shape, err)
	}
	dir, err := os.MkdirTemp("", "curator-bench-page-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := estate.Write(dir, estate.Options{Galleries: g, Definitions: d, Versions: v, Regions: 3, Shares: 1, Seed: 1, Name: "page", Target: "local: {}"}); err != nil {
		return err
	}
	desired, diags := schema.Load(os.DirFS(dir))
	if diags.HasErrors() {
		return schema.Err(diags)
	}
	actual := appliedState(desired)
	plan, _ := planner.Compute(*desired, *actual, planner.Options{Now: time.Now()})
	c := estateview.Configuration{Key: desired.Name, Name: desired.Name, Source: dir, Target: "local", Revision: "bench", Desired: desired, Actual: actual, Plan: plan,
		Last: &estateview.Reconcile{Outcome: "no changes", Trigger: "start", At: time.Now()}}

	mux := http.NewServeMux()
	estateview.NewServer(estateview.Static{c}).Register(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String() + "/"

	fetch := func(path string) (int, time.Duration, error) {
		t0 := time.Now()
		resp, err := http.Get(base + path)
		if err != nil {
			return 0, 0, err
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return int(n), time.Since(t0), err
	}
	fmt.Printf("Estate page of %d galleries × %d definitions × %d versions (3 regions each), served from memory:\n\n", g, d, v)
	fmt.Println("| answer | largest | time of the largest |")
	fmt.Println("|---|---:|---:|")
	for _, row := range []struct{ name, path string }{{"page `/`", ""}, {"`/api/estate` (index JSON)", "api/estate"}} {
		n, dt, err := fetch(row.path)
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %s | %s |\n", row.name, kb(n), ms(dt))
	}
	var largest string
	for _, kind := range []struct{ name, prefix string }{{"one gallery, JSON", "api/estate/gallery?"}, {"one gallery, HTML fragment", "estate/gallery?"}} {
		most, at := 0, time.Duration(0)
		for name := range actual.Galleries {
			q := "configuration=" + c.Key + "&gallery=" + name
			n, dt, err := fetch(kind.prefix + q)
			if err != nil {
				return err
			}
			if n > most {
				most, at, largest = n, dt, name
			}
		}
		fmt.Printf("| %s (of %d) | %s | %s |\n", kind.name, len(actual.Galleries), kb(most), ms(at))
	}
	fmt.Println()

	path, err := browser.Find()
	if err != nil {
		fmt.Printf("Browser measurements skipped: %v\n\n", err)
		return nil
	}
	profile, err := os.MkdirTemp("", "curator-bench-chromium-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	bctx, stop, err := browser.Start(context.Background(), path, profile, 1280, 900)
	if err != nil {
		return err
	}
	defer stop()
	if err := chromedp.Do(bctx, chromedp.Navigate(base)); err != nil {
		return err
	}
	if err := browser.WaitFor(bctx, `performance.getEntriesByName('first-contentful-paint').length > 0`, 30*time.Second); err != nil {
		return err
	}
	fcp, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`performance.getEntriesByName('first-contentful-paint')[0].startTime`))
	if err != nil {
		return err
	}
	defs := len(actual.Galleries[largest].Images)
	t0 := time.Now()
	open := fmt.Sprintf(`(() => { const d = Array.from(document.querySelectorAll('details.gallery')).find(d => d.querySelector('summary .name').textContent === %q); d.open = true; return true })()`, largest)
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](open)); err != nil {
		return err
	}
	if err := browser.WaitFor(bctx, fmt.Sprintf(`document.querySelectorAll('details.image').length === %d`, defs), 60*time.Second); err != nil {
		return err
	}
	opened := time.Since(t0)
	fmt.Println("| in chromium (headless, 1280 × 900) | time |")
	fmt.Println("|---|---:|")
	fmt.Printf("| first contentful paint of `/` | %s |\n", ms(time.Duration(fcp*float64(time.Millisecond))))
	fmt.Printf("| open the largest gallery (%d definitions): fetch, parse, insert | %s |\n\n", defs, ms(opened))
	return nil
}

// appliedState is desired as the cloud holds it once applied: every
// resource marked as managed by the configuration, every version
// provisioned and replicated, every share described as curator's.
func appliedState(desired *model.State) *model.State {
	mark := func(tags map[string]string) map[string]string {
		out := map[string]string{model.ManagedByTag: desired.Name}
		for k, v := range tags {
			out[k] = v
		}
		return out
	}
	shares := func(in map[string]*model.Share) map[string]*model.Share {
		out := map[string]*model.Share{}
		for k, s := range in {
			c := *s
			c.Description = model.ShareDescription(desired.Name)
			out[k] = &c
		}
		return out
	}
	a := &model.State{Galleries: map[string]*model.Gallery{}}
	for gname, g := range desired.Galleries {
		ag := *g
		ag.Tags, ag.Shares, ag.Images = mark(g.Tags), shares(g.Shares), map[string]*model.ImageDefinition{}
		for iname, img := range g.Images {
			ai := *img
			ai.Tags, ai.Shares, ai.Versions = mark(img.Tags), shares(img.Shares), map[string]*model.ImageVersion{}
			for vname, ver := range img.Versions {
				av := *ver
				av.Tags = mark(ver.Tags)
				av.Observed = &model.VersionObserved{ProvisioningState: "Succeeded", AggregatedState: "Completed", PublishedDate: "2026-01-01T00:00:00Z"}
				ai.Versions[vname] = &av
			}
			ag.Images[iname] = &ai
		}
		a.Galleries[gname] = &ag
	}
	return a
}

func kb(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.2f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.0f KB", float64(n)/1024)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

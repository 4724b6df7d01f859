package estateview_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	stdhtml "html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/curator-dev/curator/estateview"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/planner/plannertest"
)

// estate is the planner's small estate, applied, then changed behind
// curator's back and in the configuration so that every kind of cell
// shows: a version replicating, one failed, one excluded from latest in a
// region, one past its end of life, an unmanaged one, and a pending plan
// that creates a version and adds a region.
func estate(t *testing.T) estateview.Configuration {
	t.Helper()
	desired := plannertest.Desired()
	actual := plannertest.Applied(desired)
	web := actual.Galleries["acme"].Images["web"]
	web.Versions["1.1.0"].Observed = &model.VersionObserved{ProvisioningState: "Updating", AggregatedState: "InProgress", Replication: map[string]model.RegionReplication{
		"westeurope": {State: "Completed", Progress: 100},
		"eastus":     {State: "Replicating", Progress: 40},
	}}
	web.Versions["1.0.0"].EndOfLife = "2026-01-01"
	web.Versions["0.9.0"] = &model.ImageVersion{Location: "westeurope", Replicas: 1, Storage: "Standard_LRS",
		Regions:  map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}, "northeurope": {Replicas: 1, Storage: "Premium_LRS", ExcludeFromLatest: true}},
		Observed: &model.VersionObserved{ProvisioningState: "Failed", AggregatedState: "Failed", Replication: map[string]model.RegionReplication{"northeurope": {State: "Failed", Details: "The storage account quota is exceeded. sig=SECRETSIGNATURE"}}}}
	// Declared: 1.0.0 (past its end of life) and 1.1.0 as applied, a new
	// 1.2.0, and 1.1.0 gains northeurope.
	d := desired.Galleries["acme"].Images["web"]
	d.Versions["1.0.0"].EndOfLife = "2026-01-01"
	d.Versions["1.1.0"].Regions["northeurope"] = model.TargetRegion{Replicas: 1, Storage: "Standard_LRS"}
	d.Versions["1.2.0"] = plannertest.Version(map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}})
	plan, _ := planner.Compute(desired, actual, planner.Options{Now: plannertest.Now})
	return estateview.Configuration{Key: "finance", Name: plannertest.Config, Source: "testdata", Target: "local", Revision: "abc",
		Last:    &estateview.Reconcile{Outcome: "planned", At: plannertest.Now, Error: "lease: https://acct.blob.core.windows.net/c/lock?sv=1&sig=SECRETSIGNATURE failed"},
		Desired: &desired, Actual: &actual, Plan: plan}
}

func TestGalleryMatrix(t *testing.T) {
	c := estate(t)
	g, ok := estateview.Gallery(&c, "acme", plannertest.Now)
	if !ok {
		t.Fatal("no gallery acme")
	}
	if len(g.Images) != 1 {
		t.Fatalf("%d definitions, want 1", len(g.Images))
	}
	web := g.Images[0]
	if got, want := strings.Join(web.Regions, ","), "eastus,northeurope,westeurope"; got != want {
		t.Errorf("regions %s, want %s", got, want)
	}
	var names []string
	for _, v := range web.Versions {
		names = append(names, v.Name+":"+v.Ownership.Kind)
	}
	if got, want := strings.Join(names, " "), "1.2.0:planned 1.1.0:managed 1.0.0:managed 0.9.0:unmanaged"; got != want {
		t.Errorf("rows %s, want %s (newest first)", got, want)
	}
	cell := func(version, region string) estateview.Cell {
		for _, v := range web.Versions {
			for _, c := range v.Cells {
				if v.Name == version && c.Region == region {
					return c
				}
			}
		}
		t.Fatalf("no cell %s %s", version, region)
		return estateview.Cell{}
	}
	for _, tc := range []struct {
		version, region, state string
		progress, replicas     int
		latest, excluded       bool
		change, title          string
	}{
		{"1.1.0", "westeurope", "completed", 100, 2, true, false, "", "completed in westeurope; 2 replicas of Standard_LRS; latest here is 1.1.0"},
		{"1.1.0", "eastus", "replicating", 40, 1, true, false, "", "replicating to eastus, 40%; 1 replica of Standard_ZRS; latest here is 1.1.0"},
		{"1.1.0", "northeurope", "planned", 0, 1, false, false, "+", "to be replicated to northeurope; 1 replica of Standard_LRS; plan: add 1 Standard_LRS"},
		{"1.0.0", "westeurope", "completed", 0, 1, false, false, "", "completed in westeurope; 1 replica of Standard_LRS"},
		{"1.0.0", "eastus", "none", 0, 0, false, false, "", "not replicated to eastus"},
		{"0.9.0", "northeurope", "failed", 0, 1, false, true, "", "failed in northeurope; The storage account quota is exceeded. sig=REDACTED; 1 replica of Premium_LRS; excluded from latest"},
		{"1.2.0", "westeurope", "planned", 0, 1, false, false, "", "to be replicated to westeurope; 1 replica of Standard_LRS"},
	} {
		c := cell(tc.version, tc.region)
		change := ""
		if c.Change != nil {
			change = c.Change.Symbol
		}
		if c.State != tc.state || c.Progress != tc.progress || c.Replicas != tc.replicas || c.Latest != tc.latest || c.Excluded != tc.excluded || change != tc.change || c.Title != tc.title {
			t.Errorf("%s in %s:\n got %+v (change %q)\nwant state %s progress %d replicas %d latest %v excluded %v change %q title %q", tc.version, tc.region, c, change, tc.state, tc.progress, tc.replicas, tc.latest, tc.excluded, tc.change, tc.title)
		}
	}
	if v := web.Versions[2]; v.EndOfLife == nil || v.EndOfLife.Status != "past" {
		t.Errorf("1.0.0's end of life %+v, want past", v.EndOfLife)
	}
	if v := web.Versions[0]; v.Change == nil || v.Change.Symbol != "+" {
		t.Errorf("1.2.0's change %+v, want a create", v.Change)
	}
	if web.Latest != "1.1.0" {
		t.Errorf("latest %q, want 1.1.0 (0.9.0 is lower, 1.2.0 does not exist yet)", web.Latest)
	}
	if len(g.Shares) != 1 || g.Shares[0].Ownership.Kind != "managed" {
		t.Errorf("gallery shares %+v, want the one managed share", g.Shares)
	}
}

func TestEndOfLifeNear(t *testing.T) {
	c := estate(t)
	c.Actual.Galleries["acme"].Images["web"].Versions["1.1.0"].EndOfLife = plannertest.Now.Add(10 * 24 * time.Hour).Format(time.DateOnly)
	g, _ := estateview.Gallery(&c, "acme", plannertest.Now)
	if e := g.Images[0].Versions[1].EndOfLife; e == nil || e.Status != "near" {
		t.Errorf("end of life in 10 days: %+v, want near", e)
	}
}

// hostile is a configuration whose every name and description is an
// attack on the page.
func hostile() estateview.Configuration {
	const x = `<img src=x onerror=alert(1)>`
	actual := model.State{Galleries: map[string]*model.Gallery{
		`g"><script>alert(2)</script>`: {Location: "westeurope", Description: x, Tags: map[string]string{model.ManagedByTag: "c"},
			Images: map[string]*model.ImageDefinition{`i'><svg onload=alert(3)>`: {Publisher: x, Description: x, Versions: map[string]*model.ImageVersion{
				"1.0.0": {Regions: map[string]model.TargetRegion{`r"><b>`: {Replicas: 1, Storage: x}}, Observed: &model.VersionObserved{ProvisioningState: "Failed", Replication: map[string]model.RegionReplication{`r"><b>`: {State: "Failed", Details: x}}}},
			}}}},
	}}
	return estateview.Configuration{Key: `k"<`, Name: `</title><script>alert(4)</script>`, Source: x, Actual: &actual,
		Last: &estateview.Reconcile{Outcome: "error", Error: x}}
}

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func serve(t *testing.T, src estateview.Configurations) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	estateview.NewServer(src).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestHostileNamesAreText renders the page, a gallery and the snapshot of
// a configuration made of attacks: none of them may come out as markup.
func TestHostileNamesAreText(t *testing.T) {
	c := hostile()
	srv := serve(t, estateview.Static{c})
	var gallery string
	for name := range c.Actual.Galleries {
		gallery = name
	}
	_, page := get(t, srv, "/")
	resp, body := get(t, srv, "/estate/gallery?configuration="+urlQuery(c.Key)+"&gallery="+urlQuery(gallery))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("gallery: %d %s", resp.StatusCode, body)
	}
	var snap bytes.Buffer
	if err := estateview.WriteSnapshot(&snap, []estateview.Configuration{c}, plannertest.Now); err != nil {
		t.Fatal(err)
	}
	for name, html := range map[string]string{"page": page, "gallery": body, "snapshot": snap.String()} {
		for _, bad := range []string{"<img", "<script>alert", "<svg", "<b>", "onerror=alert(1)>"} {
			if strings.Contains(html, bad) {
				t.Errorf("the %s holds %q unescaped", name, bad)
			}
		}
		if !strings.Contains(html, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("the %s does not show the description as text", name)
		}
	}
	if n := strings.Count(page, "<script"); n != 1 || !strings.Contains(page, `<script src="assets/page.js" defer></script>`) {
		t.Errorf("the page has %d script elements; want only its own file", n)
	}
	_, js := get(t, srv, "/api/estate")
	if strings.Contains(js, "<img") {
		t.Error("the JSON holds markup unescaped")
	}
}

func urlQuery(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", " ", "%20", "#", "%23", `"`, "%22", "<", "%3C", ">", "%3E", "'", "%27").Replace(s)
}

func TestServerIsReadOnlyAndLockedDown(t *testing.T) {
	srv := serve(t, estateview.Static{estate(t)})
	for _, path := range []string{"/", "/assets/page.js", "/assets/page.css", "/estate/index", "/estate/gallery?configuration=finance&gallery=acme", "/estate/plan?configuration=finance", "/api/estate", "/api/estate/gallery?configuration=finance&gallery=acme"} {
		resp, body := get(t, srv, path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
			continue
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if csp != estateview.CSP || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", path)
		}
		if strings.Contains(body, "SECRETSIGNATURE") {
			t.Errorf("GET %s shows a secret", path)
		}
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		req, _ := http.NewRequest(method, srv.URL+"/api/estate", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s /api/estate: %d, want 405", method, resp.StatusCode)
		}
	}
	for _, path := range []string{"/estate/gallery?configuration=finance&gallery=nope", "/api/estate/gallery?configuration=nope&gallery=acme", "/nope"} {
		if resp, _ := get(t, srv, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestEstateJSON(t *testing.T) {
	srv := serve(t, estateview.Static{estate(t)})
	_, body := get(t, srv, "/api/estate")
	var e estateview.Estate
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Configurations) != 1 {
		t.Fatalf("%d configurations", len(e.Configurations))
	}
	c := e.Configurations[0]
	if c.Plan == nil || c.Plan.Create != 1 || c.Plan.Update != 1 || c.Plan.TextURL != "estate/plan?configuration=finance" {
		t.Errorf("plan %+v", c.Plan)
	}
	if len(c.Galleries) != 1 || c.Galleries[0].Versions != 3 || c.Galleries[0].States["replicating"] != 1 || c.Galleries[0].States["failed"] != 1 {
		t.Errorf("galleries %+v", c.Galleries)
	}
	if c.Last == nil || !strings.Contains(c.Last.Error, "sig=REDACTED") {
		t.Errorf("last reconcile %+v: the signature must be redacted", c.Last)
	}
	_, body = get(t, srv, "/"+c.Galleries[0].URL)
	var g estateview.GalleryView
	if err := json.Unmarshal([]byte(body), &g); err != nil {
		t.Fatalf("%s: %v", c.Galleries[0].URL, err)
	}
	if len(g.Images) != 1 || len(g.Images[0].Versions) != 4 {
		t.Errorf("gallery %+v", g)
	}
}

// TestSnapshotNeedsNoScript checks the snapshot: no script, its own
// stylesheet allowed by hash, everything it shows inside it.
func TestSnapshotNeedsNoScript(t *testing.T) {
	var b bytes.Buffer
	if err := estateview.WriteSnapshot(&b, []estateview.Configuration{estate(t)}, plannertest.Now); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if strings.Contains(html, "<script") || strings.Contains(html, "src=") || strings.Contains(html, "<link") {
		t.Error("the snapshot loads or runs something")
	}
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(html)
	if style == nil {
		t.Fatal("no stylesheet")
	}
	sum := sha256.Sum256([]byte(style[1]))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(stdhtml.UnescapeString(html), "style-src "+want) {
		t.Errorf("the CSP does not allow the stylesheet by its hash %s", want)
	}
	for _, s := range []string{"1.2.0", "replicating", "40%", "Plan: 1 to create"} {
		if !strings.Contains(html, s) {
			t.Errorf("the snapshot lacks %q", s)
		}
	}
}

func TestEventsFollowChanges(t *testing.T) {
	live := estateview.NewLive()
	srv := serve(t, live)
	resp, err := http.Get(srv.URL + "/api/estate/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	buf := make([]byte, 256)
	read := func() string {
		n, err := resp.Body.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	}
	if got := read(); got != "event: estate\nid: 1\ndata: 1\n\n" {
		t.Errorf("first event %q", got)
	}
	live.Update("c", "src", func(c *estateview.Configuration) { c.Revision = "r2" })
	if got := read(); got != "event: estate\nid: 2\ndata: 2\n\n" {
		t.Errorf("event after a change %q", got)
	}
}

// TestLiveRemove: a configuration that left the repository leaves the page,
// and the page is told.
func TestLiveRemove(t *testing.T) {
	live := estateview.NewLive()
	live.Update("dev", "src", func(c *estateview.Configuration) {})
	live.Update("prod", "src", func(c *estateview.Configuration) {})
	gen, _ := live.Estate()
	changed := live.Changed()
	live.Remove("dev")
	select {
	case <-changed:
	default:
		t.Error("removing a configuration did not tell the page")
	}
	after, cs := live.Estate()
	if after <= gen || len(cs) != 1 || cs[0].Key != "prod" {
		t.Errorf("after removing dev: generation %d (was %d), configurations %v", after, gen, cs)
	}
	live.Remove("dev") // gone already: nothing changes
	if again, _ := live.Estate(); again != after {
		t.Errorf("removing an absent configuration changed the generation %d → %d", after, again)
	}
}

package planner_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/planner/plannertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var now = plannertest.Now

const (
	config    = plannertest.Config
	principal = plannertest.Principal
	imageID   = plannertest.ImageID
)

// The scenarios and their states live in plannertest, so that other
// packages' tests can put the same states in the emulator.
var (
	desired         = plannertest.Desired
	applied         = plannertest.Applied
	version         = plannertest.Version
	packerPublished = plannertest.PackerPublished
)

// scenario is one of plannertest's scenarios.
type scenario = plannertest.Scenario

func scenarios() []scenario { return plannertest.Scenarios() }

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./planner -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func compute(s scenario) (*planner.Plan, diag.Diagnostics) {
	opts := s.Opts
	opts.Now = now
	opts.SourceRevision = "0123456789abcdef"
	return planner.Compute(s.Desired(), s.Actual(), opts)
}

func TestScenarios(t *testing.T) {
	for _, s := range scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			p, diags := compute(s)
			if len(s.Errors) == 0 && diags.HasErrors() {
				t.Fatalf("unexpected errors: %v", planner.Refused(diags))
			}
			for _, want := range s.Errors {
				if err := planner.Refused(diags); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("want an error mentioning %q, got %v", want, err)
				}
			}
			data, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", s.Name)
			golden(t, filepath.Join(dir, "plan.json"), append(data, '\n'))
			golden(t, filepath.Join(dir, "plan.txt"), []byte(planner.RenderText(p, false)))
			golden(t, filepath.Join(dir, "plan.md"), []byte(planner.RenderMarkdown(p)))

			// A saved plan renders exactly as the plan it was saved from.
			back, err := planner.DecodePlan(data)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := planner.RenderText(p, true), planner.RenderText(back, true); a != b {
				t.Errorf("text differs after a JSON round trip:\n%s", cmp.Diff(a, b))
			}
			if a, b := planner.RenderMarkdown(p), planner.RenderMarkdown(back); a != b {
				t.Errorf("markdown differs after a JSON round trip:\n%s", cmp.Diff(a, b))
			}
			again, _ := json.MarshalIndent(back, "", "  ")
			if diff := cmp.Diff(string(data), string(again)); diff != "" {
				t.Errorf("JSON differs after a round trip:\n%s", diff)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	for _, s := range scenarios() {
		p1, _ := compute(s)
		for i := 0; i < 5; i++ {
			p2, _ := compute(s)
			if planner.RenderText(p1, false) != planner.RenderText(p2, false) {
				t.Fatalf("%s: two plans of the same input differ", s.Name)
			}
			a, _ := json.Marshal(p1)
			b, _ := json.Marshal(p2)
			if string(a) != string(b) {
				t.Fatalf("%s: JSON differs between runs", s.Name)
			}
		}
	}
}

func TestDecide(t *testing.T) {
	p, _ := compute(scenarios()[0])
	for _, c := range p.Changes {
		if c.Action != planner.Create {
			t.Errorf("create-all: %s is %s", c.Address, c.Action)
		}
	}
	// Dependencies: versions wait for their definition, which waits for its gallery.
	deps := map[model.Address][]model.Address{}
	for _, c := range p.Changes {
		deps[c.Address] = c.DependsOn
	}
	if got := deps[model.VersionAddress("acme", "web", "1.0.0")]; len(got) != 1 || got[0] != model.ImageAddress("acme", "web") {
		t.Errorf("version depends on %v", got)
	}
	if got := deps[model.ImageAddress("acme", "web")]; len(got) != 1 || got[0] != model.GalleryAddress("acme") {
		t.Errorf("image depends on %v", got)
	}
}

func TestFingerprintIgnoresObservations(t *testing.T) {
	a, b := applied(desired()), applied(desired())
	b.Galleries["acme"].Images["web"].Versions["1.0.0"].Observed = &model.VersionObserved{AggregatedState: "InProgress", Replication: map[string]model.RegionReplication{"westeurope": {State: "Replicating", Progress: 40}}}
	if planner.Fingerprint(a) != planner.Fingerprint(b) {
		t.Error("replication progress changed the fingerprint")
	}
	b.Galleries["acme"].Description = "changed in the portal"
	if planner.Fingerprint(a) == planner.Fingerprint(b) {
		t.Error("a changed description kept the fingerprint")
	}
}

func TestLatest(t *testing.T) {
	vs := map[string]*model.ImageVersion{
		"1.9.0": {}, "1.10.0": {}, "2.0.0": {ExcludeFromLatest: true}, "1.10.1": {},
	}
	if got := planner.Latest(vs); got != "1.10.1" {
		t.Errorf("latest = %s", got)
	}
}

func TestLatestIn(t *testing.T) {
	in := func(regions ...string) map[string]model.TargetRegion {
		m := map[string]model.TargetRegion{}
		for _, r := range regions {
			m[r] = model.TargetRegion{Replicas: 1}
		}
		return m
	}
	vs := map[string]*model.ImageVersion{
		"1.0.0": {Regions: in("westeurope", "eastus")},
		"1.1.0": {Regions: map[string]model.TargetRegion{"westeurope": {Replicas: 1}, "eastus": {Replicas: 1, ExcludeFromLatest: true}}},
		"1.2.0": {Regions: in("westeurope"), ExcludeFromLatest: true},
		"1.3.0": {Regions: in("northeurope")},
	}
	for _, tc := range []struct{ region, want string }{
		{"westeurope", "1.1.0"}, // 1.2.0 is excluded as a whole
		{"eastus", "1.0.0"},     // 1.1.0 is excluded in eastus only
		{"northeurope", "1.3.0"},
		{"japaneast", ""}, // nothing is replicated there
	} {
		if got := planner.LatestIn(vs, tc.region); got != tc.want {
			t.Errorf("latest in %s = %q, want %q", tc.region, got, tc.want)
		}
	}
}

func FuzzDecodePlan(f *testing.F) {
	for _, s := range scenarios() {
		p, _ := compute(s)
		data, _ := json.Marshal(p)
		f.Add(data)
	}
	f.Add([]byte(`{"format_version":"2.0"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := planner.DecodePlan(data)
		if err != nil {
			return
		}
		_ = planner.RenderText(p, false)
		if md := planner.RenderMarkdown(p); len(md) >= planner.MarkdownLimit {
			t.Fatalf("a Markdown plan of %d bytes", len(md))
		}
		// What decodes encodes back to a plan that decodes the same.
		data2, err := json.Marshal(p)
		if err != nil {
			return // e.g. a value JSON cannot hold
		}
		back, err := planner.DecodePlan(data2)
		if err != nil {
			t.Fatalf("a re-encoded plan does not decode: %v", err)
		}
		if data3, _ := json.Marshal(back); string(data3) != string(data2) {
			t.Fatalf("JSON differs after a second round trip:\n%s\n%s", data2, data3)
		}
	})
}

// TestRefusedChangesStayInThePlan: a change a safety rule refuses is in the
// plan, marked with its rule, counted only as refused, explained in errors
// with what would allow it, and the plan is never "No changes" and never
// applicable.
func TestRefusedChangesStayInThePlan(t *testing.T) {
	for _, s := range scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			p, diags := compute(s)
			got := map[model.Address]planner.Rule{}
			for _, c := range p.Changes {
				if c.Refused != "" {
					got[c.Address] = c.Refused
				}
			}
			if len(s.Refused) == 0 {
				if p.Refused() || p.Err() != nil || len(got) > 0 || p.Summary.Refused != 0 {
					t.Fatalf("a valid plan is refused: %v %v", p.Err(), got)
				}
				return
			}
			for addr, rule := range s.Refused {
				if got[addr] != rule {
					t.Errorf("%s refused by %q, want %q", addr, got[addr], rule)
				}
			}
			if !p.Refused() || p.Err() == nil || !diags.HasErrors() {
				t.Fatal("a plan with refused changes is not refused")
			}
			if p.Summary.Refused != len(got) {
				t.Errorf("summary counts %d refused, the plan marks %d", p.Summary.Refused, len(got))
			}
			if counted := p.Summary.Create + p.Summary.Update + p.Summary.Replace + p.Summary.Delete + p.Summary.Adopt + p.Summary.SharesAdded + p.Summary.SharesRemoved; counted+len(got) != len(p.Changes) {
				t.Errorf("summary counts %d changes and %d refused, the plan has %d", counted, len(got), len(p.Changes))
			}
			for _, r := range p.Errors {
				if want, ok := s.Allow[r.Rule]; !ok || r.AllowFlag != want {
					t.Errorf("%s: %s is allowed by %q, want %q", r.Address, r.Rule, r.AllowFlag, want)
				}
				if r.AllowFlag != "" && r.AllowField == "" {
					t.Errorf("%s: %s names a flag but no configuration field", r.Address, r.Rule)
				}
			}
			text, md := planner.RenderText(p, false), planner.RenderMarkdown(p)
			for _, out := range []string{planner.SummaryLine(p), text, md} {
				if strings.Contains(out, "No changes") || !strings.Contains(out, "refused") {
					t.Errorf("a refused plan reads as if nothing were refused:\n%s", out)
				}
			}
			if !strings.Contains(md, "[!CAUTION]") {
				t.Error("the Markdown plan does not lead with the refusal")
			}
			for addr := range s.Refused {
				if !strings.Contains(text, string(addr)+" ") && !strings.Contains(text, string(addr)+"\n") {
					t.Errorf("the text plan does not show %s", addr)
				}
			}
			var doc struct {
				Errors []struct {
					Reason    string `json:"reason"`
					AllowedBy *struct {
						Flag string `json:"flag"`
					} `json:"allowed_by"`
				} `json:"errors"`
				ResourceChanges []struct {
					Address       string `json:"address"`
					Refused       bool   `json:"refused"`
					RefusedReason string `json:"refused_reason"`
				} `json:"resource_changes"`
			}
			data, _ := json.Marshal(p)
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Errors) != len(p.Errors) || len(doc.Errors) == 0 {
				t.Errorf("JSON errors[] has %d entries, want %d", len(doc.Errors), len(p.Errors))
			}
			for _, rc := range doc.ResourceChanges {
				if want := s.Refused[model.Address(rc.Address)]; want != "" && (!rc.Refused || rc.RefusedReason != string(want)) {
					t.Errorf("JSON %s: refused %v %q, want %q", rc.Address, rc.Refused, rc.RefusedReason, want)
				}
			}
		})
	}
}

func TestDecodePlanRefusesInconsistentRefusals(t *testing.T) {
	for name, doc := range map[string]string{
		"refused without reason": `{"format_version":"1.1","resource_changes":[{"address":"gallery/a","kind":"gallery","actions":["delete"],"gallery":"a","before":null,"after":null,"refused":true}]}`,
		"reason without refused": `{"format_version":"1.1","resource_changes":[{"address":"gallery/a","kind":"gallery","actions":["delete"],"gallery":"a","before":null,"after":null,"refused_reason":"too_many_deletes"}]}`,
		"error without reason":   `{"format_version":"1.1","errors":[{"address":"","summary":"Too many deletes","detail":""}]}`,
		"empty allowed_by":       `{"format_version":"1.1","errors":[{"address":"","reason":"too_many_deletes","summary":"Too many deletes","detail":"","allowed_by":{}}]}`,
	} {
		if _, err := planner.DecodePlan([]byte(doc)); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	// A saved plan whose refused change lost its errors entry is still refused.
	p, err := planner.DecodePlan([]byte(`{"format_version":"1.1","resource_changes":[{"address":"gallery/a","kind":"gallery","actions":["delete"],"gallery":"a","before":null,"after":null,"refused":true,"refused_reason":"too_many_deletes"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Refused() || p.Err() == nil {
		t.Error("a plan with a refused change decodes as applicable")
	}
}

// TestDecodePlanRefusesControlCharacters: a plan file is untrusted, and
// show prints its addresses, warnings and refusals as they are, so an
// escape sequence there is refused; a resource's own values (a
// description with a line break or an escape) are rendered quoted and
// stay allowed.
func TestDecodePlanRefusesControlCharacters(t *testing.T) {
	for name, tc := range map[string]struct {
		doc, where string
	}{
		"address":   {`{"format_version":"1.1","resource_changes":[{"address":"gallery/\u001b[2Ja","kind":"gallery","actions":["create"],"gallery":"a","before":null,"after":null}]}`, "plan.resource_changes[0].address"},
		"warning":   {`{"format_version":"1.1","warnings":["fine","\u001b]0;title\u0007"]}`, "plan.warnings[1]"},
		"source":    {`{"format_version":"1.1","source":"/x\r/y"}`, "plan.source"},
		"summary":   {`{"format_version":"1.1","errors":[{"address":"","reason":"too_many_deletes","summary":"Too many\u009b deletes","detail":""}]}`, "plan.errors[0].summary"},
		"allowed":   {`{"format_version":"1.1","errors":[{"address":"","reason":"too_many_deletes","summary":"s","detail":"","allowed_by":{"flag":"--x\u001b"}}]}`, "plan.errors[0].allowed_by.flag"},
		"unmanaged": {`{"format_version":"1.1","unmanaged":[{"address":"gallery/b","reason":"\u0000"}]}`, "plan.unmanaged[0].reason"},
	} {
		_, err := planner.DecodePlan([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.where) {
			t.Errorf("%s: %v, want a refusal naming %s", name, err, tc.where)
		}
	}
	ok := `{"format_version":"1.1","resource_changes":[{"address":"gallery/a","kind":"gallery","actions":["create"],"gallery":"a","before":null,"after":{"location":"westeurope","description":"two\nlines \u001b[31m"}}],"warnings":["a\n\tb"]}`
	if _, err := planner.DecodePlan([]byte(ok)); err != nil {
		t.Errorf("a description with control characters: %v", err)
	}
}

// Every change's before and after values are of the resource kind the
// change says.
func TestChangePayloadsMatchTheirKind(t *testing.T) {
	for _, s := range scenarios() {
		plan, _ := compute(s)
		for _, c := range plan.Changes {
			for _, r := range []model.Resource{c.Before, c.After} {
				if r != nil && r.ResourceKind() != string(c.Kind) {
					t.Errorf("%s: %s change carries a %s", s.Name, c.Kind, r.ResourceKind())
				}
			}
		}
	}
}

// TestFailedReplicationIsReported: a version whose replication to a region
// failed is not what the configuration asks for there, and a plan that
// says only "No changes" hides it; the plan warns, naming the region and
// the service's details, in every rendering.
func TestFailedReplicationIsReported(t *testing.T) {
	for _, tc := range []struct {
		name     string
		observed *model.VersionObserved
		want     string
	}{
		{"one region failed", &model.VersionObserved{ProvisioningState: "Failed", AggregatedState: "Failed", Replication: map[string]model.RegionReplication{
			"westeurope": {State: "Completed", Progress: 100},
			"eastus":     {State: "Failed", Details: "the region could not accept the copy"},
		}}, "gallery/acme/image/web/version/1.1.0: Replication failed: replication to eastus failed (the region could not accept the copy)"},
		{"failed without details", &model.VersionObserved{ProvisioningState: "Failed", AggregatedState: "Failed", Replication: map[string]model.RegionReplication{
			"westeurope": {State: "Failed"},
		}}, "gallery/acme/image/web/version/1.1.0: Replication failed: replication to westeurope failed;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := applied(desired())
			a.Galleries["acme"].Images["web"].Versions["1.1.0"].Observed = tc.observed
			p, _ := planner.Compute(desired(), a, planner.Options{Now: now})
			data, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			for name, out := range map[string]string{"text": planner.RenderText(p, false), "markdown": planner.RenderMarkdown(p), "json": string(data)} {
				if !strings.Contains(out, tc.want) {
					t.Errorf("%s plan lacks %q:\n%s", name, tc.want, out)
				}
			}
		})
	}
}

// TestNoChangesCountsInEnglish: one resource matches, several match.
func TestNoChangesCountsInEnglish(t *testing.T) {
	for _, tc := range []struct {
		noop int
		want string
	}{
		{1, "No changes. 1 resource matches the configuration."},
		{7, "No changes. 7 resources match the configuration."},
	} {
		p := &planner.Plan{Summary: planner.Summary{NoOp: tc.noop}}
		if got := planner.SummaryLine(p); got != tc.want {
			t.Errorf("%d no-ops: %q, want %q", tc.noop, got, tc.want)
		}
	}
}

// The summary counts what the renderings show: a new gallery's sharing
// profile is shown as "+" and counted as a create.
func TestSummaryCountsWhatIsShown(t *testing.T) {
	d := desired()
	d.Galleries["acme"].Sharing = &model.Sharing{Permission: "Groups", Subscriptions: []string{"22222222-2222-2222-2222-222222222222"}}
	p, diags := planner.Compute(d, model.State{}, planner.Options{Now: now})
	if err := planner.Refused(diags); err != nil {
		t.Fatal(err)
	}
	plus := 0
	for _, c := range p.Changes {
		if c.Action == planner.Create && c.Kind != planner.KindShare {
			plus++
		}
	}
	if p.Summary.Create != plus || p.Summary.Update != 0 {
		t.Errorf("summary: %d to create, %d to update; the plan shows %d creates", p.Summary.Create, p.Summary.Update, plus)
	}
}

// A version whose size is unknown (no sizeGB, none reported by the cloud)
// costs nothing in the figures; the summary says how many were left out
// and what to do, and the JSON keeps the count, so an estimate of $0.00
// never reads as free.
func TestCostCountsVersionsOfUnknownSize(t *testing.T) {
	for _, tc := range []struct {
		unsized []string
		want    string
	}{
		{nil, "egress."},
		{[]string{"1.0.0"}, "egress (1 version of unknown size not counted: give it sizeGB)."},
		{[]string{"1.0.0", "1.1.0"}, "egress (2 versions of unknown size not counted: give them sizeGB)."},
	} {
		d := desired()
		for _, v := range tc.unsized {
			d.Galleries["acme"].Images["web"].Versions[v].SizeGB = 0
		}
		p, diags := planner.Compute(d, model.State{}, planner.Options{Now: now})
		if err := planner.Refused(diags); err != nil {
			t.Fatal(err)
		}
		if p.Cost.Unsized != len(tc.unsized) {
			t.Errorf("%v: %d unsized, want %d", tc.unsized, p.Cost.Unsized, len(tc.unsized))
		}
		if got := planner.SummaryLine(p); !strings.HasSuffix(got, tc.want) {
			t.Errorf("%v: summary %q, want it to end %q", tc.unsized, got, tc.want)
		}
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := planner.DecodePlan(data)
		if err != nil {
			t.Fatal(err)
		}
		if back.Cost != p.Cost {
			t.Errorf("%v: cost %+v read back as %+v", tc.unsized, p.Cost, back.Cost)
		}
	}
}

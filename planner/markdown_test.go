package planner_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
)

// generated is the estate examples/gen/estate writes, built in memory (the
// same names, spread and regions, without evaluating CUE): galleries
// gallery_000…, definitions image-0000… spread over them, versions 1.x.y
// spread over the definitions, each in the first regions of estate.Regions.
func generated(galleries, definitions, versions, regions int, nameLen int) model.State {
	targets := []string{"westeurope", "northeurope", "eastus", "eastus2", "westus2", "uksouth", "francecentral", "swedencentral"}
	long := func(s string) string {
		if len(s) >= nameLen {
			return s
		}
		return s + strings.Repeat("x", nameLen-len(s))
	}
	st := model.State{Name: "generated", Target: model.Target{Local: &model.LocalTarget{}}, Prune: true, MaxDeletes: versions + definitions + galleries, Galleries: map[string]*model.Gallery{}}
	for g := range galleries {
		gal := &model.Gallery{Location: "westeurope", Description: fmt.Sprintf("Generated gallery %d", g), Images: map[string]*model.ImageDefinition{},
			Shares: map[string]*model.Share{"readers-0": {PrincipalID: fmt.Sprintf("%08d-0000-0000-0000-000000000000", g), PrincipalType: "Group", Role: "Compute Gallery Image Reader"}}}
		st.Galleries[long(fmt.Sprintf("gallery_%03d", g))] = gal
		for d := definitions * g / galleries; d < definitions*(g+1)/galleries; d++ {
			img := &model.ImageDefinition{Publisher: "Contoso", Offer: fmt.Sprintf("Offer%04d", d/10), SKU: fmt.Sprintf("sku-%d", d%10), OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V2", Versions: map[string]*model.ImageVersion{}}
			gal.Images[long(fmt.Sprintf("image-%04d", d))] = img
			lo, hi := versions*d/definitions, versions*(d+1)/definitions
			for v := lo; v < hi; v++ {
				n := v - lo
				rs := map[string]model.TargetRegion{}
				for r := range regions {
					rs[targets[r]] = model.TargetRegion{Replicas: 1 + (v+r)%3, Storage: "Standard_LRS"}
				}
				img.Versions[fmt.Sprintf("1.%d.%d", n/10, n%10)] = &model.ImageVersion{
					Source:   &model.Source{ManagedImage: fmt.Sprintf("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/images/providers/Microsoft.Compute/images/image-%04d-%d", d, n)},
					Location: "westeurope", Replicas: 1, Storage: "Standard_LRS", Regions: rs, SizeGB: float64(5 + v%60),
				}
			}
		}
	}
	return st
}

var omission = regexp.MustCompile(`(?m)^# … and (\d+) more changes? in this gallery: (.*)$`)

// checkMarkdown asserts what every Markdown plan keeps: under the limit,
// the summary first, refusals before any gallery, every gallery named, and
// every change either shown or counted.
func checkMarkdown(t *testing.T, p *planner.Plan, md string) {
	t.Helper()
	if n := len([]rune(md)); n >= planner.MarkdownLimit {
		t.Fatalf("the Markdown plan is %d characters, GitHub's limit is %d", n, planner.MarkdownLimit)
	}
	if !strings.Contains(strings.SplitN(md, "\n", 4)[2], planner.SummaryLine(p)) {
		t.Error("the summary is not first")
	}
	firstGallery := strings.Index(md, "<details><summary><code>gallery/")
	if p.Refused() {
		caution := strings.Index(md, "[!CAUTION]")
		if caution < 0 || (firstGallery >= 0 && caution > firstGallery) {
			t.Error("the refusals do not come before the galleries")
		}
	}
	shown := map[string]int{}
	perGallery := map[string]int{}
	for _, c := range p.Changes {
		perGallery[c.Gallery]++
		if strings.Contains(md, " "+string(c.Address)+" ") || strings.Contains(md, " "+string(c.Address)+"\n") {
			shown[c.Gallery]++
		}
	}
	// Left-out changes are counted inside their gallery's section.
	omitted := map[string]int{}
	for _, section := range strings.Split(md, "<details><summary><code>gallery/")[1:] {
		g, _, _ := strings.Cut(section, "</code>")
		for _, m := range omission.FindAllStringSubmatch(section, -1) {
			n, _ := strconv.Atoi(m[1])
			omitted[g] += n
		}
	}
	for g, n := range perGallery {
		if !strings.Contains(md, "<code>gallery/"+g+"</code>") {
			t.Errorf("gallery %s is not named", g)
			continue
		}
		if shown[g]+omitted[g] != n {
			t.Errorf("gallery %s: %d changes shown and %d counted as left out, of %d", g, shown[g], omitted[g], n)
		}
	}
}

// TestMarkdownOfAGeneratedEstate: 1,000 definitions and 10,000 versions in
// 10 galleries, all to create — 82,332 characters before the Markdown plan
// was bounded, with no gallery shown.
func TestMarkdownOfAGeneratedEstate(t *testing.T) {
	p, diags := planner.Compute(generated(10, 1000, 10000, 3, 0), model.State{}, planner.Options{Now: now})
	if diags.HasErrors() {
		t.Fatal(planner.Refused(diags))
	}
	if len(p.Changes) != 11020 {
		t.Fatalf("%d changes, want 11,020", len(p.Changes))
	}
	md := planner.RenderMarkdown(p)
	checkMarkdown(t, p, md)
	t.Logf("%d changes: %d characters", len(p.Changes), len([]rune(md)))
	m := omission.FindStringSubmatch(md)
	if m == nil || !strings.Contains(m[2], "create") {
		t.Errorf("no per-gallery count of what is left out: %v", m)
	}
	if !strings.Contains(md, "more warnings: see the job log or the JSON plan") {
		t.Error("1,000 latest moves are not bounded with a count")
	}
	// The versions × regions table: its head, as many rows as its budget
	// allows, and the rest counted.
	table := regexp.MustCompile(`(?s)<summary>Replication of the 10000 versions this plan touches</summary>\n\n\| version \| eastus \| northeurope \| westeurope \|\n\|---\|---\|---\|---\|\n(.*?)\| … and (\d+) more versions \|`).FindStringSubmatch(md)
	if table == nil {
		t.Fatal("no bounded replication table")
	}
	rows := strings.Count(table[1], "\n")
	if more, _ := strconv.Atoi(table[2]); rows == 0 || rows+more != 10000 {
		t.Errorf("the table shows %d rows and counts %s more, want 10,000 in all", rows, table[2])
	}
	if !strings.Contains(table[1], "| + `gallery_000/image-0000` 1.0.0 | +3 LRS | +2 LRS | +1 LRS |") {
		t.Errorf("the first row is not the first version with its regions:\n%.400s", table[1])
	}
}

// TestMarkdownWorstCase: 100 galleries (the service's limit per region) with
// names of 80 characters, refusals, thousands of long warnings and
// unmanaged resources.
func TestMarkdownWorstCase(t *testing.T) {
	desired := generated(100, 1000, 5000, 8, 80)
	desired.Name = config // applied marks what it copies as managed by config
	actual := model.State{Galleries: map[string]*model.Gallery{}}
	i := 0
	for name, g := range desired.Galleries {
		i++
		if i%2 == 0 {
			continue // to create
		}
		// Exists with every version published by someone else: adoption refused.
		a := applied(model.State{Galleries: map[string]*model.Gallery{name: g}})
		for _, img := range a.Galleries[name].Images {
			for _, v := range img.Versions {
				v.Tags = map[string]string{"built-by": "packer"}
			}
		}
		a.Galleries[name].Images[strings.Repeat("u", 80)] = &model.ImageDefinition{Publisher: "Someone", Offer: "Else", SKU: "x", OSType: "Linux"}
		actual.Galleries[name] = a.Galleries[name]
	}
	p, _ := planner.Compute(desired, actual, planner.Options{Now: now})
	if !p.Refused() {
		t.Fatal("the adoptions are not refused")
	}
	for i := range 5000 {
		p.Warnings = append(p.Warnings, diag.Diagnostic{Severity: diag.Warning, Summary: fmt.Sprintf("warning %d: %s", i, strings.Repeat("ω", 600))})
	}
	md := planner.RenderMarkdown(p)
	checkMarkdown(t, p, md)
	t.Logf("%d changes, %d refusals, %d warnings, %d unmanaged: %d characters", len(p.Changes), len(p.Errors), len(p.Warnings), len(p.Unmanaged), len([]rune(md)))
	for _, want := range []string{"more refusals: see the job log", "more warnings: see the job log", "unmanaged resources"} {
		if !strings.Contains(md, want) {
			t.Errorf("missing %q", want)
		}
	}
}

// TestMarkdownWithMoreGalleriesThanFit: past what sections can frame, the
// galleries are listed with their counts, still under the limit.
func TestMarkdownWithMoreGalleriesThanFit(t *testing.T) {
	p, _ := planner.Compute(generated(1000, 1000, 0, 1, 80), model.State{}, planner.Options{Now: now})
	md := planner.RenderMarkdown(p)
	if n := len([]rune(md)); n >= planner.MarkdownLimit {
		t.Fatalf("%d characters", n)
	}
	for _, want := range []string{"Changes by gallery", "more galleries: see the job log"} {
		if !strings.Contains(md, want) {
			t.Errorf("missing %q", want)
		}
	}
}

// TestCreateShowsWhatItCreates: a create shows the properties a reviewer
// must see in every rendering — what the image runs on and how it is
// secured, and how a version is replicated, encrypted, protected and kept
// out of "latest" — not only its identifier, source and regions.
func TestCreateShowsWhatItCreates(t *testing.T) {
	des := "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/k/providers/Microsoft.Compute/diskEncryptionSets/des"
	for _, tc := range []struct {
		name   string
		change func(g *model.Gallery, d *model.ImageDefinition, v *model.ImageVersion)
		want   string
	}{
		{"soft delete", func(g *model.Gallery, _ *model.ImageDefinition, _ *model.ImageVersion) { g.SoftDelete = true }, "softDelete: true"},
		{"architecture", func(_ *model.Gallery, d *model.ImageDefinition, _ *model.ImageVersion) { d.Architecture = "Arm64" }, `architecture: "Arm64"`},
		{"security type", func(_ *model.Gallery, d *model.ImageDefinition, _ *model.ImageVersion) {
			d.SecurityType = "TrustedLaunch"
		}, `securityType: "TrustedLaunch"`},
		{"features", func(_ *model.Gallery, d *model.ImageDefinition, _ *model.ImageVersion) {
			d.Features = map[string]string{"IsAcceleratedNetworkSupported": "True"}
		}, `features: {"IsAcceleratedNetworkSupported":"True"}`},
		{"definition end of life", func(_ *model.Gallery, d *model.ImageDefinition, _ *model.ImageVersion) { d.EndOfLife = "2030-01-01" }, `endOfLife: "2030-01-01"`},
		{"shallow", func(_ *model.Gallery, _ *model.ImageDefinition, v *model.ImageVersion) { v.ReplicationMode = "Shallow" }, `replicationMode: "Shallow"`},
		{"excluded from latest", func(_ *model.Gallery, _ *model.ImageDefinition, v *model.ImageVersion) { v.ExcludeFromLatest = true }, "excludeFromLatest: true"},
		{"excluded from latest in a region", func(_ *model.Gallery, _ *model.ImageDefinition, v *model.ImageVersion) {
			r := v.Regions["westeurope"]
			r.ExcludeFromLatest = true
			v.Regions["westeurope"] = r
		}, "regions.westeurope.excludeFromLatest: true"},
		{"encryption in a region", func(_ *model.Gallery, _ *model.ImageDefinition, v *model.ImageVersion) {
			r := v.Regions["westeurope"]
			r.Encryption = &model.Encryption{OSDisk: des}
			v.Regions["westeurope"] = r
		}, `regions.westeurope.encryption: {"osDisk":"` + des + `"}`},
		{"edge zone", func(_ *model.Gallery, _ *model.ImageDefinition, v *model.ImageVersion) {
			v.EdgeZones = map[string]model.EdgeZone{"microsoftlosangeles1": {Region: "westus", Replicas: 1, Storage: "StandardSSD_LRS"}}
		}, `edgeZones.microsoftlosangeles1: {"region":"westus","replicas":1,"storage":"StandardSSD_LRS"}`},
		{"safety profile", func(_ *model.Gallery, _ *model.ImageDefinition, v *model.ImageVersion) {
			v.Safety = &model.Safety{BlockDeletionBeforeEndOfLife: true}
		}, `safety: {"allowDeletionOfReplicatedLocations":false,"blockDeletionBeforeEndOfLife":true}`},
		{"version end of life", func(_ *model.Gallery, _ *model.ImageDefinition, v *model.ImageVersion) { v.EndOfLife = "2029-06-30" }, `endOfLife: "2029-06-30"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := desired()
			g := d.Galleries["acme"]
			img := g.Images["web"]
			tc.change(g, img, img.Versions["1.0.0"])
			p, diags := planner.Compute(d, model.State{}, planner.Options{Now: now})
			if diags.HasErrors() {
				t.Fatal(planner.Refused(diags))
			}
			for name, out := range map[string]string{"text": planner.RenderText(p, false), "markdown": planner.RenderMarkdown(p)} {
				if !strings.Contains(out, tc.want) {
					t.Errorf("%s plan lacks %q:\n%s", name, tc.want, out)
				}
			}
		})
	}
}

// TestMarkdownIdentifierStaysInItsBlock: a publisher, offer or SKU is
// free text; one with a line break, a code fence or a terminal escape is
// written quoted, so it can neither close the plan's code block and write
// the pull-request comment nor drive a terminal.
func TestMarkdownIdentifierStaysInItsBlock(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, hostile := range []string{
		"P\n```\n</details>\n\n**No changes.** <!--",
		"P\r\n```",
		"P\x1b]8;;https://attacker.example\x07link",
	} {
		desired := model.State{Name: "md", Target: model.Target{Local: &model.LocalTarget{}}, Galleries: map[string]*model.Gallery{"g": {
			Location: "westeurope",
			Images:   map[string]*model.ImageDefinition{"web": {Publisher: hostile, Offer: "O", SKU: "S", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V1"}},
		}}}
		p, _ := planner.Compute(desired, model.State{}, planner.Options{Now: now})
		for name, out := range map[string]string{"markdown": planner.RenderMarkdown(p), "text": planner.RenderText(p, false)} {
			if strings.Contains(out, "\n```\n</details>\n\n**No changes.**") || strings.Contains(out, "\x1b") || strings.Contains(out, "\r") {
				t.Errorf("%s: the publisher %q is written raw:\n%s", name, hostile, out)
			}
			if !strings.Contains(out, "identifier: "+strconv.Quote(hostile)[:3]) {
				t.Errorf("%s: the publisher %q is not written quoted:\n%s", name, hostile, out)
			}
		}
	}
}

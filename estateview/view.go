package estateview

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
)

// Estate is the page's index: every configuration with its galleries
// summarised (their definitions are in a GalleryView each, loaded when a
// gallery is opened). It is what /api/estate answers.
type Estate struct {
	Generation     uint64              `json:"generation"`
	At             time.Time           `json:"at"`
	Configurations []ConfigurationView `json:"configurations"`
}

// ConfigurationView is one configuration above its galleries.
type ConfigurationView struct {
	Key      string         `json:"key"`
	Name     string         `json:"name"`
	Source   string         `json:"source,omitempty"`
	Target   string         `json:"target,omitempty"`
	Revision string         `json:"revision,omitempty"`
	Last     *ReconcileView `json:"lastReconcile,omitempty"`
	// Running is why the reconcile running now started.
	Running   string           `json:"running,omitempty"`
	Plan      *PlanView        `json:"plan,omitempty"`
	Galleries []GallerySummary `json:"galleries"`
	// Read says whether the actual state is known.
	Read bool `json:"read"`
}

// ReconcileView is how the last reconcile ended.
type ReconcileView struct {
	Outcome         string    `json:"outcome"`
	OK              bool      `json:"ok"`
	Trigger         string    `json:"trigger,omitempty"`
	At              time.Time `json:"at"`
	DurationSeconds float64   `json:"durationSeconds"`
	Error           string    `json:"error,omitempty"`
	Applied         int       `json:"applied,omitempty"`
	Failed          int       `json:"failed,omitempty"`
	NotLeader       bool      `json:"notLeader,omitempty"`
}

// PlanView is the pending plan: its counts, its refusals and its changes
// (the drift, when the watch only plans).
type PlanView struct {
	Summary  string         `json:"summary"`
	Create   int            `json:"create"`
	Update   int            `json:"update"`
	Replace  int            `json:"replace"`
	Delete   int            `json:"delete"`
	Adopt    int            `json:"adopt"`
	Refused  int            `json:"refused"`
	Refusals []RefusalView  `json:"refusals,omitempty"`
	Changes  []ChangeView   `json:"changes,omitempty"`
	More     int            `json:"moreChanges,omitempty"`
	Latest   []LatestChange `json:"latest,omitempty"`
	// Unmanaged counts the resources in scope curator does not manage.
	Unmanaged int `json:"unmanaged,omitempty"`
	// TextURL is the plan's text rendering ("" in a snapshot, which
	// carries the text itself).
	TextURL string `json:"textUrl,omitempty"`
	Text    string `json:"-"`
}

// RefusalView is one reason the plan may not be applied.
type RefusalView struct {
	Address string `json:"address,omitempty"`
	Summary string `json:"summary"`
	Detail  string `json:"detail,omitempty"`
	Allow   string `json:"allow,omitempty"`
}

// ChangeView is one change of the pending plan.
type ChangeView struct {
	Address string   `json:"address"`
	Action  string   `json:"action"`
	Symbol  string   `json:"symbol"`
	Reason  string   `json:"reason,omitempty"`
	Fields  []string `json:"fields,omitempty"`
	Refused string   `json:"refused,omitempty"`
}

// LatestChange is where `latest` of a definition moves.
type LatestChange struct {
	Image  string `json:"image"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// GallerySummary is a gallery as the index shows it, closed.
type GallerySummary struct {
	Name        string         `json:"name"`
	Location    string         `json:"location,omitempty"`
	Description string         `json:"description,omitempty"`
	Ownership   Ownership      `json:"ownership"`
	Change      *CellChange    `json:"change,omitempty"`
	Sharing     string         `json:"sharing,omitempty"`
	Shares      []ShareView    `json:"shares,omitempty"`
	Definitions int            `json:"definitions"`
	Versions    int            `json:"versions"`
	States      map[string]int `json:"states,omitempty"`
	// URL is the gallery's JSON.
	URL string `json:"url,omitempty"`
	// Body is the gallery opened, in a snapshot (the live page loads it
	// when the gallery is opened).
	Body *GalleryView `json:"-"`
}

// GalleryView is one gallery opened: its definitions and their matrices.
type GalleryView struct {
	Configuration string `json:"configuration"`
	GallerySummary
	Images []DefinitionView `json:"images"`
}

// DefinitionView is one image definition and its versions × regions.
type DefinitionView struct {
	Name        string      `json:"name"`
	Publisher   string      `json:"publisher,omitempty"`
	Offer       string      `json:"offer,omitempty"`
	SKU         string      `json:"sku,omitempty"`
	OSType      string      `json:"osType,omitempty"`
	OSState     string      `json:"osState,omitempty"`
	Generation  string      `json:"hyperVGeneration,omitempty"`
	Description string      `json:"description,omitempty"`
	EndOfLife   *EndOfLife  `json:"endOfLife,omitempty"`
	Ownership   Ownership   `json:"ownership"`
	Change      *CellChange `json:"change,omitempty"`
	Shares      []ShareView `json:"shares,omitempty"`
	// Latest is the version `latest` resolves to where no region says
	// otherwise.
	Latest   string       `json:"latest,omitempty"`
	Regions  []string     `json:"regions"`
	Versions []VersionRow `json:"versions"`
}

// VersionRow is one image version: a row of the matrix, one cell per
// region of the definition's Regions.
type VersionRow struct {
	Name              string      `json:"name"`
	State             string      `json:"state,omitempty"`
	Published         string      `json:"published,omitempty"`
	EndOfLife         *EndOfLife  `json:"endOfLife,omitempty"`
	ExcludeFromLatest bool        `json:"excludeFromLatest,omitempty"`
	Ownership         Ownership   `json:"ownership"`
	Change            *CellChange `json:"change,omitempty"`
	Cells             []Cell      `json:"cells"`
}

// Cell is one version in one target region.
type Cell struct {
	Region string `json:"region"`
	// State is completed, replicating, failed, unknown, planned (the
	// pending plan adds it), or none (not a target region of the
	// version).
	State    string `json:"state"`
	Progress int    `json:"progress,omitempty"`
	// Details is the service's message, for a failure.
	Details  string `json:"details,omitempty"`
	Replicas int    `json:"replicas,omitempty"`
	Storage  string `json:"storage,omitempty"`
	// Excluded: the version is excluded from latest in this region (or
	// as a whole).
	Excluded bool `json:"excludedFromLatest,omitempty"`
	// Latest: `latest` resolves to this version in this region.
	Latest bool        `json:"latest,omitempty"`
	Change *CellChange `json:"change,omitempty"`
	// Title is the cell in words, for the title attribute and screen
	// readers.
	Title string `json:"title"`
}

// CellChange is what the pending plan does to a resource or a region.
type CellChange struct {
	Symbol string `json:"symbol"`
	Text   string `json:"text"`
	// Refused is the rule refusing it ("" when none does).
	Refused string `json:"refused,omitempty"`
}

// EndOfLife is a date and how close it is.
type EndOfLife struct {
	Date string `json:"date"`
	// Status is "past", "near" (within NearEndOfLife) or "".
	Status string `json:"status,omitempty"`
}

// Ownership tells curator's resources from others': "managed" (carries
// this configuration's mark), "adopted" (marked, taken over from whoever
// made it), "unmanaged" (exists without the mark: never touched),
// "planned" (the pending plan creates it).
type Ownership struct {
	Kind  string `json:"kind"`
	Title string `json:"title,omitempty"`
}

// ShareView is a role assignment at a gallery or definition.
type ShareView struct {
	Principal string      `json:"principalId"`
	Type      string      `json:"principalType,omitempty"`
	Role      string      `json:"role"`
	Ownership Ownership   `json:"ownership"`
	Change    *CellChange `json:"change,omitempty"`
}

// NearEndOfLife is how soon an end of life is marked near.
const NearEndOfLife = 30 * 24 * time.Hour

// maxChanges bounds the changes listed in the index; the plan's text has
// them all.
const maxChanges = 200

// view is one configuration's values, indexed for building.
type view struct {
	c       *Configuration
	now     time.Time
	changes map[model.Address]*planner.Change
}

func newView(c *Configuration, now time.Time) *view {
	v := &view{c: c, now: now, changes: map[model.Address]*planner.Change{}}
	if c.Plan != nil {
		for _, ch := range c.Plan.Changes {
			v.changes[ch.Address] = ch
		}
	}
	return v
}

// Build turns configurations into the index. planURL and galleryURL make
// the links (nil for none, as in a snapshot).
func Build(gen uint64, configs []Configuration, now time.Time, links Links) *Estate {
	e := &Estate{Generation: gen, At: now.UTC(), Configurations: make([]ConfigurationView, 0, len(configs))}
	for i := range configs {
		e.Configurations = append(e.Configurations, newView(&configs[i], now).index(links))
	}
	return e
}

// Links makes the URLs of the page; a nil func makes none.
type Links struct {
	Plan    func(config string) string
	Gallery func(config, gallery string) string
}

func (v *view) index(links Links) ConfigurationView {
	c := v.c
	cv := ConfigurationView{Key: c.Key, Name: c.Name, Source: c.Source, Target: c.Target, Revision: c.Revision, Running: c.Running, Read: c.Actual != nil, Galleries: []GallerySummary{}}
	if l := c.Last; l != nil {
		cv.Last = &ReconcileView{Outcome: l.Outcome, OK: l.Error == "", Trigger: l.Trigger, At: l.At.UTC(), DurationSeconds: l.Duration.Seconds(), Error: scrub(l.Error), Applied: l.Applied, Failed: l.Failed, NotLeader: l.NotLeader}
	}
	if p := c.Plan; p != nil {
		cv.Plan = planView(p)
		if links.Plan != nil {
			cv.Plan.TextURL = links.Plan(c.Key)
		}
	}
	for _, name := range v.galleryNames() {
		s := v.gallerySummary(name, true)
		if links.Gallery != nil {
			s.URL = links.Gallery(c.Key, name)
		}
		cv.Galleries = append(cv.Galleries, s)
	}
	return cv
}

func planView(p *planner.Plan) *PlanView {
	s := p.Summary
	pv := &PlanView{Summary: planner.SummaryLine(p), Create: s.Create, Update: s.Update, Replace: s.Replace, Delete: s.Delete, Adopt: s.Adopt, Refused: s.Refused, Unmanaged: len(p.Unmanaged)}
	for _, r := range p.Errors {
		allow := strings.Join(slices.DeleteFunc([]string{r.AllowFlag, r.AllowField}, func(s string) bool { return s == "" }), " or ")
		pv.Refusals = append(pv.Refusals, RefusalView{Address: string(r.Address), Summary: r.Summary, Detail: scrub(r.Detail), Allow: allow})
	}
	for i, ch := range p.Changes {
		if i == maxChanges {
			pv.More = len(p.Changes) - i
			break
		}
		cv := ChangeView{Address: string(ch.Address), Action: ch.Action.String(), Symbol: ch.Action.Symbol(), Reason: string(ch.Reason), Refused: string(ch.Refused)}
		for _, f := range ch.Fields {
			cv.Fields = append(cv.Fields, fmt.Sprintf("%s: %s → %s", f.Path, short(f.Before), short(f.After)))
		}
		pv.Changes = append(pv.Changes, cv)
	}
	for _, l := range p.Latest {
		pv.Latest = append(pv.Latest, LatestChange{Image: string(l.Image), Before: l.Before, After: l.After})
	}
	return pv
}

// short renders a field's value on one line, clipped.
func short(v any) string {
	s := fmt.Sprint(v)
	if v == nil {
		s = "(none)"
	}
	if len(s) > 120 {
		s = s[:117] + "…"
	}
	return s
}

// galleryNames are the galleries of the actual state and those the plan
// creates, sorted.
func (v *view) galleryNames() []string {
	names := map[string]bool{}
	if v.c.Actual != nil {
		for n := range v.c.Actual.Galleries {
			names[n] = true
		}
	}
	for a, ch := range v.changes {
		if ch.Kind == planner.KindGallery && ch.Action == planner.Create {
			g, _, _, _ := a.Parts()
			names[g] = true
		}
	}
	return slices.Sorted(maps.Keys(names))
}

// Gallery builds one gallery's view; ok is false when the configuration
// has no such gallery.
func Gallery(c *Configuration, name string, now time.Time) (*GalleryView, bool) {
	v := newView(c, now)
	if !slices.Contains(v.galleryNames(), name) {
		return nil, false
	}
	gv := &GalleryView{Configuration: c.Key, GallerySummary: v.gallerySummary(name, true), Images: []DefinitionView{}}
	actual, desired, planned := v.gallery(name)
	for _, iname := range imageNames(actual, planned, v.changes, name) {
		gv.Images = append(gv.Images, v.definition(name, iname, actual, desired, planned))
	}
	return gv, true
}

// gallery returns the gallery as read, as declared, and as the plan
// creates it (each may be nil).
func (v *view) gallery(name string) (actual, desired *model.Gallery, planned *planner.Change) {
	if v.c.Actual != nil {
		actual = v.c.Actual.Galleries[name]
	}
	if v.c.Desired != nil {
		desired = v.c.Desired.Galleries[name]
	}
	return actual, desired, v.changes[model.GalleryAddress(name)]
}

func (v *view) gallerySummary(name string, count bool) GallerySummary {
	actual, desired, ch := v.gallery(name)
	g := actual
	if g == nil && ch != nil {
		g, _ = ch.After.(*model.Gallery)
	}
	s := GallerySummary{Name: name, Change: v.change(model.GalleryAddress(name))}
	if g == nil {
		return s
	}
	s.Location, s.Description = g.Location, g.Description
	s.Ownership = v.ownership(actual != nil, tagsOf(actual), desired != nil && desired.Adopt, ch)
	if g.Sharing != nil {
		s.Sharing = g.Sharing.Permission
		if n := len(g.Sharing.Subscriptions) + len(g.Sharing.Tenants); n > 0 {
			s.Sharing += fmt.Sprintf(" (%d subscriptions, %d tenants)", len(g.Sharing.Subscriptions), len(g.Sharing.Tenants))
		}
	}
	s.Shares = v.shares(model.GalleryAddress(name), sharesOf(actual))
	if count && actual != nil {
		s.States = map[string]int{}
		for _, img := range actual.Images {
			s.Definitions++
			s.Versions += len(img.Versions)
			for _, ver := range img.Versions {
				s.States[versionState(ver)]++
			}
		}
	}
	return s
}

func tagsOf(g *model.Gallery) map[string]string {
	if g == nil {
		return nil
	}
	return g.Tags
}

func sharesOf(g *model.Gallery) map[string]*model.Share {
	if g == nil {
		return nil
	}
	return g.Shares
}

// imageNames are the definitions of a gallery as read and as the plan
// creates them, sorted.
func imageNames(actual *model.Gallery, _ *planner.Change, changes map[model.Address]*planner.Change, gallery string) []string {
	names := map[string]bool{}
	if actual != nil {
		for n := range actual.Images {
			names[n] = true
		}
	}
	for a, ch := range changes {
		if ch.Kind == planner.KindImage && ch.Action == planner.Create && ch.Gallery == gallery {
			_, i, _, _ := a.Parts()
			names[i] = true
		}
	}
	return slices.Sorted(maps.Keys(names))
}

func (v *view) definition(gname, iname string, ag, dg *model.Gallery, _ *planner.Change) DefinitionView {
	var actual, desired *model.ImageDefinition
	if ag != nil {
		actual = ag.Images[iname]
	}
	if dg != nil {
		desired = dg.Images[iname]
	}
	addr := model.ImageAddress(gname, iname)
	ch := v.changes[addr]
	d := actual
	if d == nil && ch != nil {
		d, _ = ch.After.(*model.ImageDefinition)
	}
	dv := DefinitionView{Name: iname, Change: v.change(addr), Regions: []string{}, Versions: []VersionRow{}}
	if d == nil {
		return dv
	}
	dv.Publisher, dv.Offer, dv.SKU = d.Publisher, d.Offer, d.SKU
	dv.OSType, dv.OSState, dv.Generation, dv.Description = d.OSType, d.OSState, d.HyperVGeneration, d.Description
	dv.EndOfLife = v.endOfLife(d.EndOfLife)
	var tags map[string]string
	var actualShares map[string]*model.Share
	if actual != nil {
		tags, actualShares = actual.Tags, actual.Shares
	}
	dv.Ownership = v.ownership(actual != nil, tags, desired != nil && desired.Adopt, ch)
	dv.Shares = v.shares(addr, actualShares)

	// The versions as they stand: read, or created by the plan.
	versions := map[string]*model.ImageVersion{}
	if actual != nil {
		maps.Copy(versions, actual.Versions)
	}
	for a, vc := range v.changes {
		if vc.Kind == planner.KindVersion && vc.Gallery == gname && vc.Image == iname && vc.Action == planner.Create {
			if after, ok := vc.After.(*model.ImageVersion); ok {
				_, _, vname, _ := a.Parts()
				versions[vname] = after
			}
		}
	}
	regions := map[string]bool{}
	for vname, ver := range versions {
		for r := range ver.Regions {
			regions[r] = true
		}
		if vc := v.changes[model.VersionAddress(gname, iname, vname)]; vc != nil && vc.Replication != nil {
			for _, r := range vc.Replication.Added {
				regions[r.Region] = true
			}
		}
	}
	dv.Regions = slices.Sorted(maps.Keys(regions))
	// latest as the cloud resolves it now: among the versions that exist.
	existing := map[string]*model.ImageVersion{}
	if actual != nil {
		existing = actual.Versions
	}
	dv.Latest = planner.Latest(existing)
	latestIn := make(map[string]string, len(dv.Regions))
	for _, r := range dv.Regions {
		latestIn[r] = planner.LatestIn(existing, r)
	}
	names := slices.SortedFunc(maps.Keys(versions), func(a, b string) int { return model.CompareVersions(b, a) })
	for _, vname := range names {
		var dver *model.ImageVersion
		if desired != nil {
			dver = desired.Versions[vname]
		}
		_, exists := existing[vname]
		dv.Versions = append(dv.Versions, v.version(model.VersionAddress(gname, iname, vname), vname, versions[vname], exists, dver, dv.Regions, latestIn))
	}
	return dv
}

func (v *view) version(addr model.Address, name string, ver *model.ImageVersion, exists bool, desired *model.ImageVersion, regions []string, latestIn map[string]string) VersionRow {
	ch := v.changes[addr]
	adopted := desired != nil && (desired.Adopt || desired.Source == nil)
	row := VersionRow{Name: name, EndOfLife: v.endOfLife(ver.EndOfLife), ExcludeFromLatest: ver.ExcludeFromLatest,
		Ownership: v.ownership(exists, ver.Tags, adopted, ch), Change: v.change(addr), Cells: make([]Cell, 0, len(regions))}
	if exists {
		row.State = versionState(ver)
		if ver.Observed != nil {
			row.Published = ver.Observed.PublishedDate
		}
	}
	applying, isApplying := v.c.Applying[addr]
	if isApplying && applying.Status == "running" && !exists {
		row.State = "creating"
	}
	delta := map[string]planner.RegionChange{}
	deltaKind := map[string]string{}
	if ch != nil && ch.Replication != nil && ch.Action != planner.Create {
		for _, r := range ch.Replication.Added {
			delta[r.Region], deltaKind[r.Region] = r, "+"
		}
		for _, r := range ch.Replication.Removed {
			if deltaKind[r.Region] == "+" {
				deltaKind[r.Region] = "±" // a storage change: removed, then added
				continue
			}
			delta[r.Region], deltaKind[r.Region] = r, "-"
		}
		for _, r := range ch.Replication.Changed {
			delta[r.Region], deltaKind[r.Region] = r, "~"
		}
	}
	for _, r := range regions {
		tr, in := ver.Regions[r]
		cell := Cell{Region: r, State: "none"}
		if in {
			cell.Replicas, cell.Storage = tr.Replicas, tr.Storage
			cell.Excluded = tr.ExcludeFromLatest || ver.ExcludeFromLatest
			cell.Latest = exists && latestIn[r] == name
			switch {
			case !exists:
				cell.State = "planned"
			default:
				cell.State = "unknown"
			}
			if o := ver.Observed; o != nil && exists {
				if rr, ok := o.Replication[r]; ok {
					cell.setReplication(rr)
				} else if o.ProvisioningState == "Succeeded" {
					// The reader asks for per-region status only while a
					// version is not yet provisioned: a provisioned
					// version is replicated everywhere.
					cell.State = "completed"
				}
			}
			if isApplying {
				if rr, ok := applying.Replication[r]; ok {
					cell.setReplication(rr)
				}
			}
		}
		if k, ok := deltaKind[r]; ok {
			d := delta[r]
			cc := &CellChange{Symbol: k, Refused: string(ch.Refused)}
			switch k {
			case "+":
				cc.Text = fmt.Sprintf("add %d %s", d.AfterReplicas, d.AfterStorage)
				if !in {
					cell.State, cell.Replicas, cell.Storage = "planned", d.AfterReplicas, d.AfterStorage
				}
			case "-":
				cc.Text = "remove"
			case "±":
				cc.Text = fmt.Sprintf("storage %s → %s", d.BeforeStorage, d.AfterStorage)
			case "~":
				cc.Text = fmt.Sprintf("replicas %d → %d", d.BeforeReplicas, d.AfterReplicas)
			}
			cell.Change = cc
		} else if ch != nil && (ch.Action == planner.Delete || ch.Action == planner.Replace) && in {
			cell.Change = &CellChange{Symbol: ch.Action.Symbol(), Text: ch.Action.String(), Refused: string(ch.Refused)}
		}
		cell.Title = cell.describe(name)
		row.Cells = append(row.Cells, cell)
	}
	return row
}

// versionState is a version's replication as a whole: completed,
// replicating, failed or unknown — from the aggregated replication state
// when the reader has it, else from the provisioning state.
func versionState(v *model.ImageVersion) string {
	o := v.Observed
	if o == nil {
		return "unknown"
	}
	switch strings.ToLower(o.AggregatedState) {
	case "completed":
		return "completed"
	case "inprogress":
		return "replicating"
	case "failed":
		return "failed"
	}
	switch o.ProvisioningState {
	case "Succeeded":
		return "completed"
	case "Creating", "Updating", "Migrating":
		return "replicating"
	case "Failed":
		return "failed"
	}
	return "unknown"
}

func (c *Cell) setReplication(rr model.RegionReplication) {
	c.State = strings.ToLower(rr.State)
	if c.State == "" {
		c.State = "unknown"
	}
	c.Progress, c.Details = rr.Progress, scrub(rr.Details)
}

// describe says the cell in words.
func (c *Cell) describe(version string) string {
	var parts []string
	switch c.State {
	case "none":
		parts = append(parts, "not replicated to "+c.Region)
	case "replicating":
		parts = append(parts, fmt.Sprintf("replicating to %s, %d%%", c.Region, c.Progress))
	case "planned":
		parts = append(parts, "to be replicated to "+c.Region)
	default:
		parts = append(parts, c.State+" in "+c.Region)
	}
	if c.Details != "" {
		parts = append(parts, c.Details)
	}
	if c.Replicas > 0 {
		parts = append(parts, fmt.Sprintf("%d %s of %s", c.Replicas, plural(c.Replicas, "replica", "replicas"), c.Storage))
	}
	if c.Latest {
		parts = append(parts, "latest here is "+version)
	}
	if c.Excluded {
		parts = append(parts, "excluded from latest")
	}
	if c.Change != nil {
		s := "plan: " + c.Change.Text
		if c.Change.Refused != "" {
			s += " (refused: " + c.Change.Refused + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// change is what the pending plan does at addr, nil when nothing.
func (v *view) change(addr model.Address) *CellChange {
	ch := v.changes[addr]
	if ch == nil {
		return nil
	}
	cc := &CellChange{Symbol: ch.Action.Symbol(), Text: ch.Action.String(), Refused: string(ch.Refused)}
	if ch.Reason != "" {
		cc.Text += " (" + strings.ReplaceAll(string(ch.Reason), "_", " ") + ")"
	}
	if ap, ok := v.c.Applying[addr]; ok {
		cc.Text += ": " + ap.Status
	}
	return cc
}

// ownership classifies a resource: exists says it was read, tags are its
// tags, adopted that the configuration adopts it.
func (v *view) ownership(exists bool, tags map[string]string, adopted bool, ch *planner.Change) Ownership {
	name := v.c.Name
	switch {
	case !exists && ch != nil && ch.Action == planner.Create:
		return Ownership{Kind: "planned", Title: "the pending plan creates it"}
	case !exists:
		return Ownership{Kind: "unknown"}
	case tags[model.ManagedByTag] == name && adopted:
		return Ownership{Kind: "adopted", Title: "made by someone else and taken over by configuration " + name}
	case tags[model.ManagedByTag] == name:
		return Ownership{Kind: "managed", Title: "managed by configuration " + name}
	case ch != nil && ch.Action == planner.Adopt:
		return Ownership{Kind: "unmanaged", Title: "exists without curator's mark; the pending plan adopts it"}
	case tags[model.ManagedByTag] != "":
		return Ownership{Kind: "unmanaged", Title: "managed by another configuration, " + tags[model.ManagedByTag] + "; curator never touches it"}
	}
	return Ownership{Kind: "unmanaged", Title: "exists without curator's mark; curator never touches it"}
}

// shares lists the role assignments at scope: as read, and those the plan
// adds.
func (v *view) shares(scope model.Address, actual map[string]*model.Share) []ShareView {
	var out []ShareView
	seen := map[model.Address]bool{}
	mine := model.ShareDescription(v.c.Name)
	for _, s := range actual {
		addr := model.ShareAddress(scope, s.PrincipalID, s.Role)
		seen[addr] = true
		own := Ownership{Kind: "unmanaged", Title: "a role assignment curator did not make"}
		if s.Description == mine {
			own = Ownership{Kind: "managed", Title: "managed by configuration " + v.c.Name}
		}
		out = append(out, ShareView{Principal: s.PrincipalID, Type: s.PrincipalType, Role: s.Role, Ownership: own, Change: v.change(addr)})
	}
	prefix := "share/" + string(scope) + "/"
	for a, ch := range v.changes {
		if ch.Kind != planner.KindShare || seen[a] || !strings.HasPrefix(string(a), prefix) || strings.Count(string(a)[len(prefix):], "/") != 1 {
			continue
		}
		if s, ok := ch.After.(*model.Share); ok {
			out = append(out, ShareView{Principal: s.PrincipalID, Type: s.PrincipalType, Role: s.Role, Ownership: Ownership{Kind: "planned", Title: "the pending plan creates it"}, Change: v.change(a)})
		}
	}
	slices.SortFunc(out, func(a, b ShareView) int {
		return cmp.Or(cmp.Compare(a.Role, b.Role), cmp.Compare(a.Principal, b.Principal))
	})
	return out
}

// endOfLife marks a YYYY-MM-DD date past or near.
func (v *view) endOfLife(date string) *EndOfLife {
	if date == "" {
		return nil
	}
	e := &EndOfLife{Date: date}
	if t, err := time.Parse(time.DateOnly, date); err == nil {
		switch {
		case !t.After(v.now):
			e.Status = "past"
		case t.Sub(v.now) <= NearEndOfLife:
			e.Status = "near"
		}
	}
	return e
}

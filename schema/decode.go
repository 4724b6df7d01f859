package schema

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"cuelang.org/go/cue"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
)

// The raw* types mirror the CUE schema; they are decoded from one JSON export
// of the unified configuration and then checked and turned into the model.
//
// The export is of the user's value, so fields the schema defaults are
// absent when the user left them out; decode applies the same defaults as
// the schema (name, maxDeletes, hyperVGeneration, replicas, storage).
type rawConfig struct {
	Name       *string                `json:"name"`
	Target     *rawTarget             `json:"target"`
	Prune      bool                   `json:"prune"`
	MaxDeletes *int                   `json:"maxDeletes"`
	Galleries  map[string]*rawGallery `json:"galleries"`
}

type rawTarget struct {
	Local *model.LocalTarget `json:"local"`
	Azure *model.AzureTarget `json:"azure"`
}

type rawGallery struct {
	Location     string                  `json:"location"`
	Description  string                  `json:"description"`
	Tags         map[string]string       `json:"tags"`
	Sharing      *model.Sharing          `json:"sharing"`
	Shares       map[string]*model.Share `json:"shares"`
	Images       map[string]*rawImage    `json:"images"`
	SoftDelete   bool                    `json:"softDelete"`
	Adopt        bool                    `json:"adopt"`
	AllowReplace bool                    `json:"allowReplace"`
}

type rawImage struct {
	model.ImageDefinition
	// A feature (and the security type) is a value, or {value,
	// startsAtVersion}; these hide the model's plain fields.
	SecurityType json.RawMessage            `json:"securityType"`
	Features     map[string]json.RawMessage `json:"features"`
	Replication  *struct {
		Newest int                  `json:"newest"`
		Wide   map[string]rawRegion `json:"wide"`
		Narrow map[string]rawRegion `json:"narrow"`
	} `json:"replication"`
	Versions map[string]*rawVersion `json:"versions"`
}

type rawVersion struct {
	Source            *model.Source           `json:"source"`
	Location          string                  `json:"location"`
	Replicas          json.RawMessage         `json:"replicas"`
	Storage           string                  `json:"storage"`
	Regions           map[string]rawRegion    `json:"regions"`
	EdgeZones         map[string]rawEdge      `json:"edgeZones"`
	ReplicationMode   string                  `json:"replicationMode"`
	Safety            *rawSafety              `json:"safety"`
	ExcludeFromLatest bool                    `json:"excludeFromLatest"`
	EndOfLife         string                  `json:"endOfLife"`
	Tags              map[string]string       `json:"tags"`
	SizeGB            float64                 `json:"sizeGB"`
	Adopt             bool                    `json:"adopt"`
	AllowReplace      bool                    `json:"allowReplace"`
	Shares            map[string]*model.Share `json:"shares"`
	SecurityProfile   *struct {
		UEFISettings *model.UEFISettings `json:"uefiSettings"`
	} `json:"securityProfile"`
}

type rawRegion struct {
	Replicas          json.RawMessage   `json:"replicas"`
	Storage           string            `json:"storage"`
	ExcludeFromLatest bool              `json:"excludeFromLatest"`
	Encryption        *model.Encryption `json:"encryption"`
}

type rawEdge struct {
	Region     string            `json:"region"`
	Replicas   json.RawMessage   `json:"replicas"`
	Storage    string            `json:"storage"`
	Encryption *model.Encryption `json:"encryption"`
}

// rawSafety keeps "not written" apart from false: the service's default
// of allowDeletionOfReplicatedLocations is true.
type rawSafety struct {
	AllowDeletionOfReplicatedLocations *bool `json:"allowDeletionOfReplicatedLocations"`
	BlockDeletionBeforeEndOfLife       bool  `json:"blockDeletionBeforeEndOfLife"`
}

// Limits of the service per subscription and region.
const (
	MaxGalleries   = 100
	MaxDefinitions = 1000
	MaxVersions    = 10000
	MaxReplicas    = model.MaxReplicas
	// MaxTags is Azure's limit of tags on a resource, curator's ownership
	// tag included.
	MaxTags = 50
	// VMsPerReplica is the documents' sizing advice: "For every 50 VMs that
	// you create concurrently, we recommend that you keep one replica"
	// (Azure Compute Gallery overview, Scaling; the seeds said 20).
	VMsPerReplica = 50
	// MaxShareSubscriptions and MaxShareTenants are how many subscriptions
	// and tenants a directly shared gallery can be shared with: "You can
	// share up to 30 subscriptions and 5 tenants" (Share a gallery with all
	// users in a subscription or tenant, Limitations).
	MaxShareSubscriptions = 30
	MaxShareTenants       = 5
)

var (
	configNameRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	galleryNameRE   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$`)
	imageNameRE     = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9])?$`)
	edgeZoneRE      = regexp.MustCompile(`^[a-z0-9]{2,60}$`)
	versionNameRE   = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
	resourceGroupRE = regexp.MustCompile(`^[-\w._()]{1,90}$`)
	regionRE        = regexp.MustCompile(`^[a-z0-9]{2,40}$`)
)

type decoder struct {
	// user is the evaluated configuration, or none on the fast path.
	user      cue.Value
	positions positions
	diags     diag.Diagnostics
	// unindexed is set when a position was wanted that only the evaluated
	// configuration knows, and there is none.
	unindexed bool
	// data is the configuration as JSON; tree is it decoded, read only for
	// properties declared without a Go field of their own.
	data []byte
	tree map[string]any
}

// scalars checks the plain scalar properties of a resource kind's table in
// r, at the resource's labels, by their kind (a URI, a date), and reads
// those declared without a Go field of their own (model Extensions) from
// the configuration.
func (d *decoder) scalars(labels []string, table []model.Property, r any) {
	for _, p := range table {
		if !p.Scalar() {
			continue
		}
		path := at(labels, strings.Split(p.CUE, ".")...)
		if p.Ref == nil {
			if v, ok := d.lookup(path); ok {
				if err := p.SetValue(r, v); err != nil {
					d.errorf(path, "%v", err)
					continue
				}
			}
		}
		switch p.Kind {
		case model.URI:
			d.uri(path, p.Value(r).(string))
		case model.Date:
			d.date(path, p.Value(r).(string))
		}
	}
}

// lookup finds the value at labels in the configuration's data.
func (d *decoder) lookup(labels []string) (any, bool) {
	if d.tree == nil && (d.data == nil || json.Unmarshal(d.data, &d.tree) != nil) {
		return nil, false
	}
	var v any = d.tree
	for _, l := range labels {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[l]; !ok {
			return nil, false
		}
	}
	return v, true
}

// pos returns the user's position of a configuration path.
func (d *decoder) pos(labels ...string) model.Pos {
	if !d.user.Exists() {
		p, ok := d.positions[pathKey(labels)]
		d.unindexed = d.unindexed || !ok
		return p
	}
	return position(d.positions, d.user, labels)
}

func (d *decoder) errorf(labels []string, format string, args ...any) {
	d.diags = append(d.diags, diag.Diagnostic{Severity: diag.Error, Pos: d.pos(labels...), Path: pathString(labels), Summary: fmt.Sprintf(format, args...)})
}

func (d *decoder) warnf(labels []string, format string, args ...any) {
	d.diags = append(d.diags, diag.Diagnostic{Severity: diag.Warning, Pos: d.pos(labels...), Path: pathString(labels), Summary: fmt.Sprintf(format, args...)})
}

// pathString joins labels as CUE prints a path, quoting labels that are not
// identifiers.
func pathString(labels []string) string {
	var b strings.Builder
	for i, l := range labels {
		if i > 0 {
			b.WriteByte('.')
		}
		if isIdent(l) {
			b.WriteString(l)
		} else {
			b.WriteString(strconv.Quote(l))
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r == '$' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return s != ""
}

func at(base []string, more ...string) []string {
	out := make([]string, 0, len(base)+len(more))
	return append(append(out, base...), more...)
}

func (d *decoder) decode(raw *rawConfig) *model.State {
	st := &model.State{Name: model.DefaultName, Prune: raw.Prune, MaxDeletes: model.DefaultMaxDeletes, Galleries: map[string]*model.Gallery{}}
	if raw.Name != nil {
		st.Name = *raw.Name
	}
	if raw.MaxDeletes != nil {
		st.MaxDeletes = *raw.MaxDeletes
	}
	if !configNameRE.MatchString(st.Name) {
		d.errorf([]string{"name"}, "configuration name %q: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit", st.Name)
	}
	d.target(raw, st)
	for _, gname := range slices.Sorted(maps.Keys(raw.Galleries)) {
		// A nil entry (null, or a value of the wrong type) is only decoded
		// from a configuration the schema rejected: it was reported.
		if raw.Galleries[gname] == nil {
			continue
		}
		if g := d.gallery(gname, raw.Galleries[gname]); g != nil {
			st.Galleries[gname] = g
		}
	}
	d.limits(st)
	return st
}

func (d *decoder) target(raw *rawConfig, st *model.State) {
	switch {
	case raw.Target == nil || (raw.Target.Local == nil && raw.Target.Azure == nil):
		st.Target.Local = &model.LocalTarget{}
	case raw.Target.Local != nil && raw.Target.Azure != nil:
		d.errorf([]string{"target"}, "target names both local and azure: choose one")
		return
	default:
		st.Target.Local, st.Target.Azure = raw.Target.Local, raw.Target.Azure
	}
	for _, tp := range TargetProblems(st.Target) {
		d.errorf(append([]string{"target", st.Target.Kind()}, strings.Split(tp.Field, ".")...), "%s", tp.Message)
	}
}

// TargetProblem is a rule a target breaks: the field (its CUE path under
// target.local or target.azure, e.g. "lock.blob") and what is wrong.
type TargetProblem struct {
	Field, Message string
}

// TargetProblems checks a target as the loader does — wherever a target
// comes from (a configuration, or the flags of import, which writes it into
// one).
func TargetProblems(t model.Target) []TargetProblem {
	var out []TargetProblem
	add := func(field, format string, args ...any) {
		out = append(out, TargetProblem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if l := t.Local; l != nil {
		if l.Endpoint != "" {
			if u, err := url.Parse(l.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				add("endpoint", "endpoint %q is not an http(s) URL such as http://127.0.0.1:8443", l.Endpoint)
			} else if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
				// The URL is shown in every plan, plan file and estate
				// page: a password or token in it would be published.
				bare := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
				add("endpoint", "endpoint has a user, password, query or fragment (not repeated here): the emulator takes none in its URL (curator sends its token), and the endpoint is shown in every plan and on the estate page; write only its address: %q", bare.String())
			}
		}
		if l.Lock != nil {
			if l.Endpoint == "" {
				add("lock", "a blob lock needs an endpoint: the in-process emulator is locked by a file beside its state")
			} else if err := model.CheckLockBlob(l.Lock.Blob); err != nil {
				add("lock.blob", "%v", err)
			}
		}
		if l.Subscription != "" && !model.IsGUID(l.Subscription) {
			add("subscription", "subscription %q is not a GUID", l.Subscription)
		}
		if l.ResourceGroup != "" && !resourceGroupRE.MatchString(l.ResourceGroup) {
			add("resourceGroup", "resource group %q: use 1-90 letters, digits, '-', '_', '.', '(' or ')'", l.ResourceGroup)
		}
	}
	if a := t.Azure; a != nil {
		if !model.IsGUID(a.Subscription) {
			add("subscription", "subscription %q is not a GUID", a.Subscription)
		}
		if !resourceGroupRE.MatchString(a.ResourceGroup) || strings.HasSuffix(a.ResourceGroup, ".") {
			add("resourceGroup", "resource group %q: use 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'", a.ResourceGroup)
		}
		if a.Lock != nil {
			if err := model.CheckLockBlob(a.Lock.Blob); err != nil {
				add("lock.blob", "%v", err)
			}
		}
	}
	return out
}

func (d *decoder) region(labels []string, r string) string {
	n := model.NormalizeRegion(r)
	if !regionRE.MatchString(n) {
		d.errorf(labels, "region %q is not an Azure region name such as westeurope or \"West Europe\"", r)
	}
	return n
}

func (d *decoder) date(labels []string, s string) {
	if s == "" {
		return
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		if _, err2 := time.Parse(time.RFC3339, s); err2 != nil {
			d.errorf(labels, "%q is not a date: write YYYY-MM-DD (RFC 3339), e.g. 2028-01-01", s)
		}
	}
}

func (d *decoder) uri(labels []string, s string) {
	if s == "" {
		return
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		d.errorf(labels, "%q is not an http(s) URI", s)
	}
}

func (d *decoder) gallery(name string, rg *rawGallery) *model.Gallery {
	p := []string{"galleries", name}
	if !galleryNameRE.MatchString(name) {
		d.errorf(p, "gallery name %q: use 1-80 letters, digits, '_' or '.' (no '-'), starting and ending with a letter or digit", name)
	}
	g := &model.Gallery{
		Location:     d.region(at(p, "location"), rg.Location),
		Description:  rg.Description,
		Tags:         d.tags(at(p, "tags"), rg.Tags),
		Sharing:      rg.Sharing,
		SoftDelete:   rg.SoftDelete,
		Adopt:        rg.Adopt,
		AllowReplace: rg.AllowReplace,
		Pos:          d.pos(p...),
	}
	d.scalars(p, model.GalleryProperties, g)
	for _, cue := range []string{"softDeleteRetentionDays", "softDeleteGraceDays"} {
		if q, ok := model.PropertyByCUE(model.GalleryProperties, cue); ok && q.IsSet(g) && !g.SoftDelete {
			d.errorf(at(p, cue), "%s goes with softDelete: true", cue)
		}
	}
	d.sharing(at(p, "sharing"), g.Sharing)
	g.Shares = d.shares(at(p, "shares"), rg.Shares)
	g.Images = map[string]*model.ImageDefinition{}
	identities := map[string]string{}
	for _, iname := range slices.Sorted(maps.Keys(rg.Images)) {
		if rg.Images[iname] == nil {
			continue
		}
		img := d.image(p, g, iname, rg.Images[iname])
		g.Images[iname] = img
		if img.Publisher == "" || img.Offer == "" || img.SKU == "" {
			continue // missing, and reported by the schema
		}
		key := strings.ToLower(img.Publisher + "\x00" + img.Offer + "\x00" + img.SKU)
		if other, dup := identities[key]; dup {
			d.errorf(at(p, "images", iname), "image definitions %q and %q both have publisher/offer/SKU %s/%s/%s; the triple must be unique within a gallery (they may share one or two of the values)", other, iname, img.Publisher, img.Offer, img.SKU)
		} else {
			identities[key] = iname
		}
	}
	return g
}

func (d *decoder) sharing(labels []string, s *model.Sharing) {
	if s == nil {
		return
	}
	for i, id := range s.Subscriptions {
		if !model.IsGUID(id) {
			d.errorf(at(labels, "subscriptions", strconv.Itoa(i)), "subscription %q is not a GUID", id)
		}
	}
	for i, id := range s.Tenants {
		if !model.IsGUID(id) {
			d.errorf(at(labels, "tenants", strconv.Itoa(i)), "tenant %q is not a GUID", id)
		}
	}
	if len(s.Subscriptions) > MaxShareSubscriptions {
		d.errorf(at(labels, "subscriptions"), "%d subscriptions: a directly shared gallery can be shared with at most %d subscriptions and %d tenants (the service's limit)", len(s.Subscriptions), MaxShareSubscriptions, MaxShareTenants)
	}
	if len(s.Tenants) > MaxShareTenants {
		d.errorf(at(labels, "tenants"), "%d tenants: a directly shared gallery can be shared with at most %d subscriptions and %d tenants (the service's limit)", len(s.Tenants), MaxShareSubscriptions, MaxShareTenants)
	}
	switch s.Permission {
	case "Private":
		if len(s.Subscriptions)+len(s.Tenants) > 0 || s.Community != nil {
			d.errorf(labels, "a Private gallery is shared with no one: remove subscriptions, tenants and community, or set permission to Groups")
		}
	case "Groups":
		if len(s.Subscriptions)+len(s.Tenants) == 0 {
			d.errorf(labels, "permission Groups needs at least one subscription or tenant to share with")
		}
		if s.Community != nil {
			d.errorf(labels, "community information needs permission Community")
		}
	case "Community":
		if s.Community == nil {
			d.errorf(labels, "permission Community needs community: {publisherUri, publisherEmail, eula, prefix}")
		}
		if len(s.Subscriptions)+len(s.Tenants) > 0 {
			d.errorf(labels, "a Community gallery is shared with everyone: remove subscriptions and tenants")
		}
	}
	sort.Strings(s.Subscriptions)
	sort.Strings(s.Tenants)
}

func (d *decoder) shares(labels []string, shares map[string]*model.Share) map[string]*model.Share {
	if len(shares) == 0 {
		return nil
	}
	seen := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(shares)) {
		s := shares[name]
		if s == nil {
			delete(shares, name)
			continue
		}
		p := at(labels, name)
		s.Pos = d.pos(p...)
		if !model.IsGUID(s.PrincipalID) {
			d.errorf(at(p, "principalId"), "principal ID %q is not a GUID (the object ID of a user, group or service principal)", s.PrincipalID)
		}
		role, ok := model.RoleDefinitionID(s.Role)
		if !ok {
			d.errorf(at(p, "role"), "role %q is neither a built-in role name (%s) nor a role definition GUID", s.Role, strings.Join(slices.Sorted(maps.Keys(model.Roles)), ", "))
		}
		key := strings.ToLower(s.PrincipalID) + "/" + role
		if other, dup := seen[key]; dup && ok {
			d.errorf(p, "shares %q and %q assign the same role to the same principal", other, name)
		}
		seen[key] = name
	}
	return shares
}

func (d *decoder) image(gp []string, g *model.Gallery, name string, ri *rawImage) *model.ImageDefinition {
	p := at(gp, "images", name)
	if !imageNameRE.MatchString(name) {
		d.errorf(p, "image definition name %q: use 1-80 letters, digits, '-', '_' or '.', starting and ending with a letter or digit", name)
	}
	img := ri.ImageDefinition
	img.Pos = d.pos(p...)
	d.versionedFeatures(p, &img, ri)
	if img.HyperVGeneration == "" {
		img.HyperVGeneration = model.Lookup(model.ImageProperties, "hyperVGeneration").Default
	}
	d.identifier(p, &img)
	d.features(p, &img)
	d.scalars(p, model.ImageProperties, &img)
	img.Tags = d.tags(at(p, "tags"), img.Tags)
	if r := img.Recommended; r != nil {
		for field, rng := range map[string]*model.Range{"vCPUs": r.VCPUs, "memoryGB": r.MemoryGB} {
			if rng != nil && rng.Min > 0 && rng.Max > 0 && rng.Min > rng.Max {
				d.errorf(at(p, "recommended", field), "min %d is greater than max %d", rng.Min, rng.Max)
			}
		}
	}
	for i, t := range img.DisallowedDiskTypes {
		if t == "" {
			d.errorf(at(p, "disallowedDiskTypes", strconv.Itoa(i)), "empty disk type")
		}
	}
	img.Shares = d.shares(at(p, "shares"), img.Shares)

	// The replication policy decides the regions of versions that state none:
	// the newest N (by version, skipping those excluded from latest) wide,
	// the others narrow.
	wide := map[string]bool{}
	if pol := ri.Replication; pol != nil {
		if len(pol.Wide) == 0 || len(pol.Narrow) == 0 {
			d.errorf(at(p, "replication"), "a replication policy needs both wide and narrow regions")
		}
		names := slices.Sorted(maps.Keys(ri.Versions))
		sort.Slice(names, func(i, j int) bool { return model.CompareVersions(names[j], names[i]) < 0 })
		n := 0
		for _, v := range names {
			if ri.Versions[v] == nil || ri.Versions[v].ExcludeFromLatest {
				continue
			}
			if n < pol.Newest {
				wide[v] = true
			}
			n++
		}
	}
	img.Versions = map[string]*model.ImageVersion{}
	for _, vname := range slices.Sorted(maps.Keys(ri.Versions)) {
		rv := ri.Versions[vname]
		if rv == nil {
			continue
		}
		vp := at(p, "versions", vname)
		regions, regionsPath := rv.Regions, at(vp, "regions")
		if len(regions) == 0 && ri.Replication != nil {
			if wide[vname] {
				regions, regionsPath = ri.Replication.Wide, at(p, "replication", "wide")
			} else {
				regions, regionsPath = ri.Replication.Narrow, at(p, "replication", "narrow")
			}
		}
		img.Versions[vname] = d.version(vp, g, &img, vname, rv, regions, regionsPath)
	}
	return &img
}

// replicas decodes a replica count: an integer 1..10 or {concurrentVMs: N}.
func (d *decoder) replicas(labels []string, raw json.RawMessage) (int, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	var n float64
	if err := json.Unmarshal(raw, &n); err == nil {
		if n < 1 || n > MaxReplicas || n != math.Trunc(n) {
			d.errorf(labels, "replica count %v is out of range: a region holds 1 to %d replicas", n, MaxReplicas)
			return 1, true
		}
		return int(n), true
	}
	var load struct {
		ConcurrentVMs int `json:"concurrentVMs"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // closed, as the rest of the schema
	if err := dec.Decode(&load); err != nil || load.ConcurrentVMs < 1 {
		d.errorf(labels, "replicas must be 1..%d or {concurrentVMs: N} with N >= 1", MaxReplicas)
		return 1, true
	}
	count := (load.ConcurrentVMs + VMsPerReplica - 1) / VMsPerReplica
	if count > MaxReplicas {
		d.warnf(labels, "%d concurrent VMs call for %d replicas (one per %d); capped at the service's limit of %d", load.ConcurrentVMs, count, VMsPerReplica, MaxReplicas)
		count = MaxReplicas
	}
	return count, true
}

func (d *decoder) version(vp []string, g *model.Gallery, img *model.ImageDefinition, name string, rv *rawVersion, regions map[string]rawRegion, regionsPath []string) *model.ImageVersion {
	if problem := versionNameProblem(name); problem != "" {
		d.errorf(vp, "version name %s", problem)
	}
	storage := rv.Storage
	if storage == "" {
		storage = model.Lookup(model.VersionProperties, "storage").Default
	}
	d.storage(at(vp, "storage"), storage)
	v := &model.ImageVersion{
		Source:            rv.Source,
		Storage:           storage,
		ReplicationMode:   rv.ReplicationMode,
		Safety:            safety(rv.Safety),
		ExcludeFromLatest: rv.ExcludeFromLatest,
		EndOfLife:         rv.EndOfLife,
		Tags:              d.tags(at(vp, "tags"), rv.Tags),
		SizeGB:            rv.SizeGB,
		Adopt:             rv.Adopt,
		AllowReplace:      rv.AllowReplace,
		Pos:               d.pos(vp...),
	}
	d.scalars(vp, model.VersionProperties, v)
	d.source(at(vp, "source"), v.Source)
	if sp := rv.SecurityProfile; sp != nil {
		v.UEFI = d.uefi(at(vp, "securityProfile", "uefiSettings"), sp.UEFISettings, img)
	}
	switch v.ReplicationMode {
	case "", "Full", "Shallow":
	default:
		d.errorf(at(vp, "replicationMode"), "replication mode %q is not Full or Shallow", v.ReplicationMode)
	}
	if len(rv.Shares) > 0 {
		d.shares(at(vp, "shares"), rv.Shares)
		d.warnf(at(vp, "shares"), "shares on a single image version are not applied (the service's documents discourage them): move them to the image definition, which makes all its versions visible, or to the gallery")
	}
	v.Location = g.Location
	if rv.Location != "" {
		v.Location = d.region(at(vp, "location"), rv.Location)
	}
	if perm := sharedPermission(g); perm != "" && v.Location != g.Location {
		lp := vp
		if rv.Location != "" {
			lp = at(vp, "location")
		}
		d.errorf(lp, "version %s is made in %s, but its gallery is a %s gallery in %s: %s; make the version in %s and replicate it to %s", name, v.Location, sharedWhat[perm], g.Location, sharedHomeRule[perm], g.Location, v.Location)
	}
	v.Replicas = 1
	if n, ok := d.replicas(at(vp, "replicas"), rv.Replicas); ok {
		v.Replicas = n
	}
	v.Regions = map[string]model.TargetRegion{}
	defer d.edgeZones(vp, g, v, img, rv.EdgeZones)
	if len(regions) == 0 {
		v.Regions[v.Location] = model.TargetRegion{Replicas: v.Replicas, Storage: v.Storage}
		return v
	}
	written := map[string]string{}
	paths := map[string][]string{}
	for _, r := range slices.Sorted(maps.Keys(regions)) {
		rr := regions[r]
		rp := at(regionsPath, r)
		n := d.region(rp, r)
		if first, dup := written[n]; dup {
			d.errorf(rp, "region %q is the same region as %q (%s): list it once", r, first, n)
			continue
		}
		written[n] = r
		tr := model.TargetRegion{Replicas: v.Replicas, Storage: v.Storage}
		if c, ok := d.replicas(at(rp, "replicas"), rr.Replicas); ok {
			tr.Replicas = c
		}
		if rr.Storage != "" {
			d.storage(at(rp, "storage"), rr.Storage)
			tr.Storage = rr.Storage
		}
		tr.ExcludeFromLatest = rr.ExcludeFromLatest
		tr.Encryption = d.encryption(at(rp, "encryption"), rr.Encryption, v.Source, img)
		d.sharedEncryption(at(rp, "encryption"), g, tr.Encryption)
		v.Regions[n] = tr
		paths[n] = rp
	}
	d.encryptedEverywhere(v.Regions, paths)
	if _, ok := v.Regions[v.Location]; !ok && v.Location != "" {
		d.errorf(at(vp, "location"), "source region %s is not among the target regions (%s): add `%s: {}` to regions, or set location to one of them", v.Location, strings.Join(slices.Sorted(maps.Keys(v.Regions)), ", "), v.Location)
	}
	return v
}

func (d *decoder) storage(labels []string, s string) {
	for _, t := range model.StorageTypes {
		if s == t {
			return
		}
	}
	d.errorf(labels, "storage type %q is not one of %s", s, strings.Join(model.StorageTypes, ", "))
}

func (d *decoder) source(labels []string, s *model.Source) {
	if s == nil {
		return
	}
	osDisk := map[string]bool{
		"managedImage": s.ManagedImage != "", "snapshot": s.Snapshot != "", "disk": s.Disk != "", "vhd": s.VHD != nil,
		"virtualMachine": s.VirtualMachine != "", "version": s.Version != "", "communityVersion": s.CommunityVersion != "",
	}
	var set []string
	for _, k := range slices.Sorted(maps.Keys(osDisk)) {
		if osDisk[k] {
			set = append(set, k)
		}
	}
	if len(set) != 1 {
		d.errorf(labels, "a source's OS disk is exactly one of communityVersion, disk, managedImage, snapshot, version, vhd or virtualMachine (found %d: %s); omit source for versions published by someone else", len(set), strings.Join(set, ", "))
		return
	}
	d.resourceID(at(labels, "managedImage"), s.ManagedImage, "images")
	d.resourceID(at(labels, "snapshot"), s.Snapshot, "snapshots")
	d.resourceID(at(labels, "disk"), s.Disk, "disks")
	d.resourceID(at(labels, "virtualMachine"), s.VirtualMachine, "virtualMachines")
	d.resourceID(at(labels, "version"), s.Version, "versions")
	if s.CommunityVersion != "" && !strings.HasPrefix(strings.ToLower(s.CommunityVersion), "/communitygalleries/") {
		d.errorf(at(labels, "communityVersion"), "%q is not a community gallery image version ID (/CommunityGalleries/…/Images/…/Versions/…)", s.CommunityVersion)
	}
	d.vhd(at(labels, "vhd"), s.VHD)
	d.hostCaching(at(labels, "hostCaching"), s.HostCaching)
	if len(s.DataDisks) > 0 && !osDisk["snapshot"] && !osDisk["disk"] && !osDisk["vhd"] {
		d.errorf(at(labels, "dataDisks"), "data disks go with an OS disk from a snapshot, disk or vhd: a %s brings its own data disks", set[0])
	}
	luns := map[int]bool{}
	for i, dd := range s.DataDisks {
		p := at(labels, "dataDisks", strconv.Itoa(i))
		if luns[dd.LUN] {
			d.errorf(at(p, "lun"), "LUN %d is used by two data disks", dd.LUN)
		}
		luns[dd.LUN] = true
		n := 0
		for _, ok := range []bool{dd.Snapshot != "", dd.Disk != "", dd.VHD != nil} {
			if ok {
				n++
			}
		}
		if n != 1 {
			d.errorf(p, "a data disk is exactly one of snapshot, disk or vhd (found %d)", n)
		}
		d.resourceID(at(p, "snapshot"), dd.Snapshot, "snapshots")
		d.resourceID(at(p, "disk"), dd.Disk, "disks")
		d.vhd(at(p, "vhd"), dd.VHD)
		d.hostCaching(at(p, "hostCaching"), dd.HostCaching)
	}
}

// resourceID checks that id, when set, is an Azure resource ID of the given
// resource type (the last type segment, case-insensitive).
func (d *decoder) resourceID(labels []string, id, typ string) {
	if id == "" {
		return
	}
	parts := strings.Split(strings.Trim(id, "/"), "/")
	if !strings.HasPrefix(strings.ToLower(id), "/subscriptions/") || len(parts) < 8 || len(parts)%2 != 0 {
		d.errorf(labels, "%q is not an Azure resource ID (/subscriptions/…/resourceGroups/…/providers/…/%s/NAME)", id, typ)
		return
	}
	if got := parts[len(parts)-2]; !strings.EqualFold(got, typ) {
		d.errorf(labels, "%q names a resource of type %s, not %s", id, got, typ)
	}
}

func (d *decoder) vhd(labels []string, v *model.VHDSource) {
	if v == nil {
		return
	}
	d.uri(at(labels, "uri"), v.URI)
	d.resourceID(at(labels, "storageAccount"), v.StorageAccount, "storageAccounts")
}

func (d *decoder) hostCaching(labels []string, c string) {
	switch c {
	case "", "None", "ReadOnly", "ReadWrite":
	default:
		d.errorf(labels, "host caching %q is not None, ReadOnly or ReadWrite", c)
	}
}

// identifier checks the lengths the service allows for publisher, offer
// and SKU.
func (d *decoder) identifier(p []string, img *model.ImageDefinition) {
	for _, f := range []struct {
		name, value string
		max         int
	}{{"publisher", img.Publisher, 128}, {"offer", img.Offer, 64}, {"sku", img.SKU, 64}} {
		if len(f.value) > f.max {
			d.errorf(at(p, f.name), "%s is %d characters: the service allows at most %d", f.name, len(f.value), f.max)
		}
	}
}

// versionedFeatures reads the security type and the other features, each
// a value or {value, startsAtVersion}, into img: the values into
// SecurityType and Features, the versions into FeatureVersions. A feature's
// startsAtVersion is a version name of the definition
// (GalleryImageFeature.startsAtVersion, "the minimum gallery image version
// which supports this feature", api-version 2024-03-03).
func (d *decoder) versionedFeatures(p []string, img *model.ImageDefinition, ri *rawImage) {
	read := func(labels []string, raw json.RawMessage, name string) string {
		if len(raw) == 0 {
			return ""
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		var v model.Versioned
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			d.errorf(labels, "a feature is a value, or {value: \"…\", startsAtVersion: \"Major.Minor.Patch\"}")
			return ""
		}
		if problem := versionNameProblem(v.StartsAtVersion); problem != "" {
			d.errorf(at(labels, "startsAtVersion"), "startsAtVersion %s: the feature applies from that version of the definition on", problem)
		} else {
			if img.FeatureVersions == nil {
				img.FeatureVersions = map[string]string{}
			}
			img.FeatureVersions[name] = v.StartsAtVersion
		}
		return v.Value
	}
	img.SecurityType = read(at(p, "securityType"), ri.SecurityType, model.SecurityTypeFeature)
	img.Features = nil
	for _, name := range slices.Sorted(maps.Keys(ri.Features)) {
		if img.Features == nil {
			img.Features = map[string]string{}
		}
		img.Features[name] = read(at(p, "features", name), ri.Features[name], name)
	}
}

// versionNameProblem says what is wrong with a version name
// (Major.Minor.Patch, each part a 32-bit integer), "" when nothing is.
func versionNameProblem(name string) string {
	if !versionNameRE.MatchString(name) {
		return fmt.Sprintf("%q must be Major.Minor.Patch, three non-negative integers such as 1.4.0", name)
	}
	for _, part := range strings.Split(name, ".") {
		if n, err := strconv.ParseInt(part, 10, 64); err != nil || n > math.MaxInt32 {
			return fmt.Sprintf("%q: each part must fit a 32-bit integer (at most %d)", name, math.MaxInt32)
		}
	}
	return ""
}

// features checks the security type, the other features and the
// architecture of an image definition.
func (d *decoder) features(p []string, img *model.ImageDefinition) {
	if img.Architecture == "" {
		img.Architecture = model.Lookup(model.ImageProperties, "architecture").Default
	}
	if img.Architecture == "Arm64" && img.HyperVGeneration != "V2" {
		d.errorf(at(p, "architecture"), "Arm64 images need hyperVGeneration: \"V2\"")
	}
	img.SecurityType = model.NormalizeSecurityType(img.SecurityType)
	if img.SecurityType != "" && img.HyperVGeneration != "V2" {
		d.errorf(at(p, "securityType"), "%s images need hyperVGeneration: \"V2\" (Trusted Launch and Confidential VMs are Generation 2 only)", img.SecurityType)
	}
	for _, name := range slices.Sorted(maps.Keys(img.Features)) {
		switch {
		case strings.EqualFold(name, "SecurityType"):
			d.errorf(at(p, "features", name), "write the SecurityType feature as securityType: %q", img.Features[name])
		case img.Features[name] == "":
			d.errorf(at(p, "features", name), "feature %s has no value", name)
		}
	}
	if len(img.Features) == 0 {
		img.Features = nil
	}
}

// ConfidentialVMEncryptionTypes are the confidential encryption types of a
// Confidential VM image's OS disk. The REST spec's fifth value,
// DataDiskEncryptedWithCmk, "should only be used for data disks, and
// should not be used for OS disk encryption" (GalleryRP
// ConfidentialVMEncryptionType; armcompute
// ConfidentialVMEncryptionTypeDataDiskEncryptedWithCmk), and is refused
// here with that reason.
var ConfidentialVMEncryptionTypes = []string{"EncryptedVMGuestStateOnlyWithPmk", "EncryptedWithPmk", "EncryptedWithCmk", "NonPersistedTPM"}

// dataDiskOnlyConfidentialType is the confidential encryption type for
// data disks only.
const dataDiskOnlyConfidentialType = "DataDiskEncryptedWithCmk"

// confidentialImage is the one security type whose versions take
// confidential VM encryption. "Create a confidential VM from an Azure
// Compute Gallery image": a ConfidentialVM image's source "already has VM
// Guest State information and may also have confidential disk encryption
// enabled", and its version's encryption type must match the source's; a
// ConfidentialVMSupported image's source "doesn't have VM Guest state
// information and confidential disk encryption", and the VM made from it
// chooses the confidential encryption. The Azure Compute Gallery overview
// describes TrustedLaunchAndConfidentialVmSupported as the same kind of
// "generic Gen2 image that does not contain the VMGS blob".
const confidentialImage = "ConfidentialVM"

// sharedPermission is the gallery's sharing permission when it shares its
// images beyond RBAC (Groups or Community), "" otherwise.
func sharedPermission(g *model.Gallery) string {
	if g == nil || g.Sharing == nil {
		return ""
	}
	switch g.Sharing.Permission {
	case "Groups", "Community":
		return g.Sharing.Permission
	}
	return ""
}

// The service's rules for galleries shared beyond RBAC, as the Azure
// documents state them.
var (
	sharedWhat = map[string]string{"Groups": "directly shared (permission Groups)", "Community": "community"}
	// sharedEncryptionRule: "A direct shared gallery can't contain
	// encrypted image versions" (Share a gallery with all users in a
	// subscription or tenant, Limitations); "Encrypted images are not
	// supported" (Share images by using a community gallery, Limitations).
	sharedEncryptionRule = map[string]string{
		"Groups":    "a directly shared gallery cannot contain encrypted image versions",
		"Community": "a community gallery does not support encrypted images",
	}
	// sharedHomeRule: "The image version's region in the gallery should be
	// the same as the home region" (direct shared gallery, Limitations);
	// "Image resources need to be created in the same region as the
	// gallery" (community gallery, Limitations).
	sharedHomeRule = map[string]string{
		"Groups":    "a directly shared gallery's versions are created in the gallery's home region",
		"Community": "a community gallery's images are created in the gallery's region",
	}
)

// sharedEncryption refuses encryption in a region of a version whose
// gallery is shared directly or with the community.
func (d *decoder) sharedEncryption(labels []string, g *model.Gallery, e *model.Encryption) {
	perm := sharedPermission(g)
	if perm == "" || e == nil {
		return
	}
	d.errorf(labels, "its gallery is a %s gallery, and %s: remove the encryption, or keep encrypted versions in a gallery shared through RBAC shares only", sharedWhat[perm], sharedEncryptionRule[perm])
}

// encryption checks one region's encryption against the version's source
// and its definition's security type.
func (d *decoder) encryption(labels []string, e *model.Encryption, src *model.Source, img *model.ImageDefinition) *model.Encryption {
	if e == nil {
		return nil
	}
	d.resourceID(at(labels, "osDisk"), e.OSDisk, "diskEncryptionSets")
	d.resourceID(at(labels, "confidentialVMEncryptionSet"), e.ConfidentialVMEncryptionSet, "diskEncryptionSets")
	if e.ConfidentialVM != "" {
		switch {
		case e.ConfidentialVM == dataDiskOnlyConfidentialType:
			d.errorf(at(labels, "confidentialVM"), "confidential VM encryption %q is for data disks only and must not be used for the OS disk (REST spec, ConfidentialVMEncryptionType); use one of %s", e.ConfidentialVM, strings.Join(ConfidentialVMEncryptionTypes, ", "))
		case !slices.Contains(ConfidentialVMEncryptionTypes, e.ConfidentialVM):
			d.errorf(at(labels, "confidentialVM"), "confidential VM encryption %q is not one of %s", e.ConfidentialVM, strings.Join(ConfidentialVMEncryptionTypes, ", "))
		}
		if img != nil && img.SecurityType != confidentialImage {
			d.errorf(at(labels, "confidentialVM"), "confidential VM encryption needs an image definition with securityType %q (it has %q): only a ConfidentialVM image holds the VM guest state that confidential disk encryption goes with; ConfidentialVmSupported and TrustedLaunchAndConfidentialVmSupported images hold none, and a VM made from them chooses its confidential encryption itself", confidentialImage, cmp.Or(img.SecurityType, model.SecurityTypeStandard))
		}
	}
	if e.ConfidentialVMEncryptionSet != "" && e.ConfidentialVM == "" {
		d.errorf(at(labels, "confidentialVMEncryptionSet"), "a secure VM disk encryption set goes with confidentialVM (e.g. \"EncryptedWithCmk\")")
	}
	// A snapshot, disk or VHD source lists its data disks; the other kinds
	// bring theirs along, unseen here.
	explicit := src != nil && (src.Snapshot != "" || src.Disk != "" || src.VHD != nil)
	sourceLUNs := map[int]bool{}
	if src != nil {
		for _, dd := range src.DataDisks {
			sourceLUNs[dd.LUN] = true
		}
	}
	seen := map[int]bool{}
	for i, dd := range e.DataDisks {
		p := at(labels, "dataDisks", strconv.Itoa(i))
		if seen[dd.LUN] {
			d.errorf(at(p, "lun"), "LUN %d is encrypted twice", dd.LUN)
		}
		seen[dd.LUN] = true
		if explicit && !sourceLUNs[dd.LUN] {
			d.errorf(at(p, "lun"), "the source has no data disk at LUN %d", dd.LUN)
		}
		d.resourceID(at(p, "diskEncryptionSet"), dd.DiskEncryptionSet, "diskEncryptionSets")
		d.confidentialDataDisk(p, dd, img)
	}
	if len(e.DataDisks) == 0 {
		e.DataDisks = nil
	}
	return e
}

// encryptedEverywhere holds a version to the service's rule that a disk
// encrypted with a disk encryption set in one target region is encrypted
// in every target region. "Troubleshoot shared image galleries in Azure"
// lists the service's refusals "A disk encryption set is required for disk
// … in target region … since disk encryption set … is used for the
// corresponding disk in region …", for the OS disk and for each data disk
// LUN, with the workaround "use encryption in all regions"; "Create an
// encrypted image version with customer-managed keys" asks for a disk
// encryption set in each region the image is replicated to. The rule names
// target regions; edge zones are not held to it. paths are the regions'
// positions in the configuration.
func (d *decoder) encryptedEverywhere(regions map[string]model.TargetRegion, paths map[string][]string) {
	names := slices.Sorted(maps.Keys(regions))
	// The first region (in name order) that encrypts each disk: "" is the
	// OS disk, "LUN n" a data disk.
	first := map[string]string{}
	var disks []string
	for _, n := range names {
		for _, disk := range encryptedDisks(regions[n].Encryption) {
			if _, ok := first[disk]; !ok {
				first[disk] = n
				disks = append(disks, disk)
			}
		}
	}
	for _, n := range names {
		has := map[string]bool{}
		for _, disk := range encryptedDisks(regions[n].Encryption) {
			has[disk] = true
		}
		for _, disk := range disks {
			if has[disk] {
				continue
			}
			what, field := "the OS disk", "osDisk"
			if disk != "" {
				what, field = "the data disk at "+disk, "dataDisks"
			}
			d.errorf(paths[n], "%s is encrypted with a disk encryption set in region %s but not in %s: the service requires a disk encryption set for a disk in every target region once one region has one; add encryption.%s for %s (a disk encryption set of that region), or encrypt the disk nowhere", what, first[disk], n, field, n)
		}
	}
}

// encryptedDisks are the disks e encrypts with a disk encryption set: ""
// for the OS disk, "LUN n" for a data disk.
func encryptedDisks(e *model.Encryption) []string {
	if e == nil {
		return nil
	}
	var out []string
	if e.OSDisk != "" {
		out = append(out, "")
	}
	for _, dd := range e.DataDisks {
		if dd.DiskEncryptionSet != "" {
			out = append(out, "LUN "+strconv.Itoa(dd.LUN))
		}
	}
	return out
}

// confidentialDataDisk checks a data disk's confidential encryption
// (DataDiskImageEncryption.securityProfile, api-version 2026-03-03): the
// REST spec's DataDiskEncryptedWithCmk is "the Confidential VM Encryption
// Type which should be used for encrypting the data disks with customer
// managed keys" (armcompute ConfidentialVMEncryptionTypeDataDiskEncryptedWithCmk),
// so it is the one type of a data disk and goes with the secure VM disk
// encryption set that holds the key; like the OS disk's, it needs a
// ConfidentialVM image.
func (d *decoder) confidentialDataDisk(p []string, dd model.DataDiskEncryption, img *model.ImageDefinition) {
	if dd.DiskEncryptionSet == "" && dd.ConfidentialVM == "" && dd.ConfidentialVMEncryptionSet == "" {
		d.errorf(p, "data disk LUN %d names no encryption: give diskEncryptionSet, or confidentialVM: %q with confidentialVMEncryptionSet", dd.LUN, dataDiskOnlyConfidentialType)
		return
	}
	d.resourceID(at(p, "confidentialVMEncryptionSet"), dd.ConfidentialVMEncryptionSet, "diskEncryptionSets")
	switch {
	case dd.ConfidentialVM == "" && dd.ConfidentialVMEncryptionSet != "":
		d.errorf(at(p, "confidentialVMEncryptionSet"), "a secure VM disk encryption set goes with confidentialVM: %q", dataDiskOnlyConfidentialType)
		return
	case dd.ConfidentialVM == "":
		return
	case dd.ConfidentialVM != dataDiskOnlyConfidentialType:
		d.errorf(at(p, "confidentialVM"), "confidential VM encryption %q is not one for data disks: a data disk's is %q (REST spec, ConfidentialVMEncryptionType)", dd.ConfidentialVM, dataDiskOnlyConfidentialType)
	case dd.ConfidentialVMEncryptionSet == "":
		d.errorf(at(p, "confidentialVM"), "%q encrypts with a customer-managed key: give confidentialVMEncryptionSet, the secure VM disk encryption set that holds it", dd.ConfidentialVM)
	}
	if img != nil && img.SecurityType != confidentialImage {
		d.errorf(at(p, "confidentialVM"), "confidential VM encryption needs an image definition with securityType %q (it has %q)", confidentialImage, cmp.Or(img.SecurityType, model.SecurityTypeStandard))
	}
}

// uefiImageTypes are the security types of the definitions whose versions
// take UEFI settings: "You must attach a VM image version resource to a VM
// image definition resource with security-type set to
// TrustedLaunchSupported or TrustedLaunchAndConfidentialVmSupported"
// (Secure Boot UEFI keys, Prerequisites).
var uefiImageTypes = []string{"TrustedLaunchSupported", "TrustedLaunchAndConfidentialVmSupported"}

// uefi checks a version's UEFI settings: the definition's security type,
// the REST API's template names and key types, and each key value base64
// ("Base64 formatted certificate", "Base64 formatted sha256 hash", Secure
// Boot UEFI keys), a SHA-256 hash 32 bytes long.
func (d *decoder) uefi(labels []string, u *model.UEFISettings, img *model.ImageDefinition) *model.UEFISettings {
	if u == nil || (len(u.SignatureTemplateNames) == 0 && u.AdditionalSignatures == nil) {
		return nil
	}
	if img != nil && !slices.Contains(uefiImageTypes, img.SecurityType) {
		d.errorf(labels, "UEFI settings need an image definition with securityType %s (it has %q)", strings.Join(uefiImageTypes, " or "), cmp.Or(img.SecurityType, model.SecurityTypeStandard))
	}
	for i, n := range u.SignatureTemplateNames {
		if !slices.Contains(model.UEFISignatureTemplates, n) {
			d.errorf(at(labels, "signatureTemplateNames", strconv.Itoa(i)), "signature template %q is not one of %s", n, strings.Join(model.UEFISignatureTemplates, ", "))
		}
	}
	if len(u.SignatureTemplateNames) == 0 {
		u.SignatureTemplateNames = nil
	}
	// Empty lists and an empty additionalSignatures are no keys: the
	// service reports none, and a configuration that writes them must read
	// the same as what comes back.
	a := u.AdditionalSignatures
	if a != nil && a.PK == nil && len(a.KEK) == 0 && len(a.DB) == 0 && len(a.DBX) == 0 {
		a, u.AdditionalSignatures = nil, nil
	}
	if a == nil {
		if u.SignatureTemplateNames == nil {
			return nil
		}
		return u
	}
	for _, l := range []*[]model.UEFIKey{&a.KEK, &a.DB, &a.DBX} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	sp := at(labels, "additionalSignatures")
	key := func(p []string, k *model.UEFIKey) {
		if !slices.Contains(model.UEFIKeyTypes, k.Type) {
			d.errorf(at(p, "type"), "key type %q is not one of %s", k.Type, strings.Join(model.UEFIKeyTypes, ", "))
		}
		if len(k.Value) == 0 {
			d.errorf(at(p, "value"), "a key entry holds at least one value")
		}
		for i, s := range k.Value {
			b, err := base64.StdEncoding.DecodeString(s)
			switch {
			case err != nil || s == "":
				d.errorf(at(p, "value", strconv.Itoa(i)), "a %s value is base64 (the documents' \"Base64 formatted\" certificate or hash): %v", k.Type, cmp.Or(err, errors.New("empty")))
			case k.Type == "sha256" && len(b) != sha256.Size:
				d.errorf(at(p, "value", strconv.Itoa(i)), "a sha256 value is a SHA-256 hash of %d bytes, base64; this one is %d bytes", sha256.Size, len(b))
			}
		}
	}
	if a.PK != nil {
		key(at(sp, "pk"), a.PK)
	}
	for _, l := range []struct {
		name string
		keys []model.UEFIKey
	}{{"kek", a.KEK}, {"db", a.DB}, {"dbx", a.DBX}} {
		for i := range l.keys {
			key(at(sp, l.name, strconv.Itoa(i)), &l.keys[i])
		}
	}
	return u
}

// edgeZones decodes a version's edge zones; each zone's parent region must
// be a target region of the version.
func (d *decoder) edgeZones(vp []string, g *model.Gallery, v *model.ImageVersion, img *model.ImageDefinition, zones map[string]rawEdge) {
	if len(zones) == 0 {
		return
	}
	v.EdgeZones = map[string]model.EdgeZone{}
	for _, name := range slices.Sorted(maps.Keys(zones)) {
		z := zones[name]
		p := at(vp, "edgeZones", name)
		if !edgeZoneRE.MatchString(name) {
			d.errorf(p, "edge zone name %q: use the zone's name in lower case, e.g. microsoftlosangeles1", name)
		}
		ez := model.EdgeZone{Region: d.region(at(p, "region"), z.Region), Replicas: v.Replicas, Storage: z.Storage}
		if _, ok := v.Regions[ez.Region]; !ok && ez.Region != "" {
			d.errorf(at(p, "region"), "edge zone %s's region %s is not a target region of the version: add `%s: {}` to regions", name, ez.Region, ez.Region)
		}
		if n, ok := d.replicas(at(p, "replicas"), z.Replicas); ok {
			ez.Replicas = n
		}
		if ez.Storage == "" {
			ez.Storage = model.Lookup(model.VersionProperties, "storage").Default
		}
		if !slices.Contains(model.EdgeStorageTypes, ez.Storage) {
			d.errorf(at(p, "storage"), "edge zone storage type %q is not one of %s", ez.Storage, strings.Join(model.EdgeStorageTypes, ", "))
		}
		ez.Encryption = d.encryption(at(p, "encryption"), z.Encryption, v.Source, img)
		d.sharedEncryption(at(p, "encryption"), g, ez.Encryption)
		v.EdgeZones[name] = ez
	}
}

// safety is the version's safety profile; nil when it is the service's
// default (deletion of replicated locations allowed, no block before end
// of life), so that a configuration that leaves it out and one that spells
// the defaults out are the same.
func safety(r *rawSafety) *model.Safety {
	if r == nil {
		return nil
	}
	s := &model.Safety{AllowDeletionOfReplicatedLocations: true, BlockDeletionBeforeEndOfLife: r.BlockDeletionBeforeEndOfLife}
	if r.AllowDeletionOfReplicatedLocations != nil {
		s.AllowDeletionOfReplicatedLocations = *r.AllowDeletionOfReplicatedLocations
	}
	if s.AllowDeletionOfReplicatedLocations && !s.BlockDeletionBeforeEndOfLife {
		return nil
	}
	return s
}

// limits checks the per-subscription, per-region limits of the service over
// the whole configuration.
func (d *decoder) limits(st *model.State) {
	galleries, definitions, versions := map[string]int{}, map[string]int{}, map[string]int{}
	for _, gname := range slices.Sorted(maps.Keys(st.Galleries)) {
		g := st.Galleries[gname]
		galleries[g.Location]++
		for _, img := range g.Images {
			definitions[g.Location]++
			for _, v := range img.Versions {
				versions[v.Location]++
			}
		}
	}
	check := func(what string, counts map[string]int, limit int) {
		for _, region := range slices.Sorted(maps.Keys(counts)) {
			if counts[region] > limit {
				d.errorf([]string{"galleries"}, "%d %s in region %s: the service allows at most %d per subscription and region", counts[region], what, region, limit)
			}
		}
	}
	check("galleries", galleries, MaxGalleries)
	check("image definitions", definitions, MaxDefinitions)
	check("image versions", versions, MaxVersions)
}

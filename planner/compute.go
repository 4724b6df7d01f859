package planner

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
)

// Compute plans the changes that make actual match desired. It is pure: the
// same inputs give the same plan. A change a safety rule refuses (a replace
// or adoption not allowed, too many deletes, an unmanaged resource in the
// way) is in the plan, marked refused, and its refusal is in Plan.Errors:
// such a plan must not be applied (Plan.Refused). The diagnostics returned
// are those errors and the plan's warnings, for callers that report them.
func Compute(desired, actual model.State, opts Options) (*Plan, diag.Diagnostics) {
	p := &planning{
		config: desired.Name,
		opts:   opts,
		prune:  desired.Prune || opts.Prune,
		plan: &Plan{
			FormatVersion:  FormatVersion,
			SourceRevision: opts.SourceRevision,
			Configuration:  desired.Name,
			Target:         targetString(desired.Target),
			CreatedAt:      opts.Now.UTC(),
		},
		changes: map[model.Address]*Change{},
		fields:  newFieldSets(),
	}
	for _, name := range union(desired.Galleries, actual.Galleries) {
		p.gallery(name, desired.Galleries[name], actual.Galleries[name])
	}
	p.finish(desired)
	p.plan.ActualStateFingerprint = Fingerprint(actual)
	return p.plan, p.diags
}

func targetString(t model.Target) string {
	sub, rg := t.Scope()
	return fmt.Sprintf("%s:/subscriptions/%s/resourceGroups/%s", t.Kind(), sub, rg)
}

type planning struct {
	config  string
	opts    Options
	prune   bool
	plan    *Plan
	diags   diag.Diagnostics
	changes map[model.Address]*Change
	noops   int
	fields  fieldSets
}

// union returns the keys of both maps, sorted.
func union[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func (p *planning) add(c *Change) *Change {
	p.changes[c.Address] = c
	p.plan.Changes = append(p.plan.Changes, c)
	return c
}

func (p *planning) unmanaged(addr model.Address, why string) {
	p.plan.Unmanaged = append(p.plan.Unmanaged, Unmanaged{Address: addr, Reason: why})
}

func (p *planning) allowReplace(own bool) bool { return own || p.opts.AllowReplace }
func (p *planning) allowAdopt(own bool) bool   { return own || p.opts.Adopt }

// decide is the one function that chooses the action for a declared or
// existing resource, from whether it is declared, exists, is managed by
// this configuration, and how it differs.
func decide(declared, exists, managed, mutableDiff, immutableDiff bool) (Action, Reason) {
	switch {
	case declared && !exists:
		return Create, ReasonNotFound
	case !declared && exists && managed:
		return Delete, ReasonNoConfig
	case !declared:
		return NoOp, ReasonNone
	case !managed:
		return Adopt, ReasonUnmanagedDeclared
	case immutableDiff:
		return Replace, ReasonCannotUpdate
	case mutableDiff:
		return Update, ReasonDrift
	}
	return NoOp, ReasonNone
}

func shallowGallery(g *model.Gallery) *model.Gallery {
	c := *g
	c.Images, c.Shares = nil, nil
	return &c
}

func shallowImage(d *model.ImageDefinition) *model.ImageDefinition {
	c := *d
	c.Versions, c.Shares = nil, nil
	return &c
}

func shallowVersion(v *model.ImageVersion) *model.ImageVersion {
	c := *v
	c.Observed = nil
	return &c
}

func (p *planning) gallery(name string, d, a *model.Gallery) {
	addr := model.GalleryAddress(name)
	var managed bool
	if a != nil {
		managed = model.IsManaged(a.Tags, p.config)
	}
	var fields []FieldDiff
	var forced []string
	replaceDetail := "replacing deletes its image definitions and versions too"
	if d != nil && a != nil {
		fields = diffFields(p.fields.gallery, d, a)
		if a.Location != d.Location {
			forced = append(forced, "location")
			fields = append([]FieldDiff{{Path: "location", Before: a.Location, After: d.Location}}, fields...)
		}
		if r := sharingConversion(d, a); r != "" {
			before, after := "Private", d.Sharing.Permission
			if a.Sharing != nil {
				before = a.Sharing.Permission
			}
			forced = append(forced, "sharing.permission")
			fields = append([]FieldDiff{{Path: "sharing.permission", Before: before, After: after}}, fields...)
			replaceDetail = r + "; " + replaceDetail
		}
	}
	action, reason := decide(d != nil, a != nil, managed, len(fields) > len(forced), len(forced) > 0)
	c := &Change{Address: addr, Kind: KindGallery, Action: action, Reason: reason, Gallery: name, Fields: fields, ForcedBy: forced}
	if d != nil {
		c.After = shallowGallery(d)
	}
	if a != nil {
		c.Before = shallowGallery(a)
	}
	if !p.admit(c, d != nil, NoOp, gate{
		what: "gallery " + name, adopt: d != nil && d.Adopt, replace: d != nil && d.AllowReplace,
		replaceDetail: replaceDetail,
	}) {
		return
	}
	parentAction := action
	if d == nil && action != Delete {
		return
	}
	var dImages, aImages map[string]*model.ImageDefinition
	var dShares, aShares map[string]*model.Share
	if d != nil {
		dImages, dShares = d.Images, d.Shares
		p.sharing(name, d, a, action)
	}
	if a != nil {
		aImages = a.Images
		if action != Replace {
			// A replaced gallery's role assignments go with it.
			aShares = a.Shares
		}
	}
	p.shares(addr, dShares, aShares, parentAction)
	for _, iname := range union(dImages, aImages) {
		p.image(name, iname, parentAction, dImages[iname], aImages[iname], d)
	}
}

// sharingConversion names the service's rule that keeps an existing
// gallery a from taking d's sharing permission, "" when the service allows
// the change. A gallery is shared directly (Groups) or with the community
// only when it is created so: "You need to create a new gallery, with the
// property sharingProfile.permissions set to Groups … You can't use an
// existing gallery, the property can't currently be updated" (Azure
// Compute Gallery overview, direct shared gallery); "You can't convert an
// existing private gallery (RBAC-enabled gallery) to a community gallery"
// (Share images by using a community gallery, Limitations).
func sharingConversion(d, a *model.Gallery) string {
	if d.Sharing == nil {
		return ""
	}
	have := "Private"
	if a.Sharing != nil {
		have = a.Sharing.Permission
	}
	want := d.Sharing.Permission
	switch {
	case want == have:
		return ""
	case want == "Groups":
		return "a gallery is directly shared (permission Groups) only when it is created so: the service does not update an existing gallery's permission to Groups"
	case want == "Community" && have == "Groups":
		return "the Groups setting of a directly shared gallery cannot be updated, to Community or otherwise: a community gallery is created as one"
	case want == "Community":
		return "an existing private gallery cannot be converted to a community gallery: a community gallery is created as one"
	}
	return ""
}

// sharing plans a gallery's sharing-profile operations.
func (p *planning) sharing(name string, d, a *model.Gallery, galleryAction Action) {
	want := d.Sharing
	if want == nil {
		return
	}
	var have *model.Sharing
	if a != nil && galleryAction != Replace {
		have = a.Sharing
	}
	if have == nil {
		have = &model.Sharing{Permission: "Private"}
	}
	var ops []SharingOp
	switch want.Permission {
	case "Private":
		if have.Permission != "Private" || len(have.Subscriptions)+len(have.Tenants) > 0 {
			ops = append(ops, SharingOp{Operation: "Reset"})
		}
	case "Community":
		if have.Permission != "Community" {
			if len(have.Subscriptions)+len(have.Tenants) > 0 {
				ops = append(ops, SharingOp{Operation: "Reset"})
			}
			ops = append(ops, SharingOp{Operation: "EnableCommunity"})
		}
	case "Groups":
		hs, ht := have.Subscriptions, have.Tenants
		if have.Permission == "Community" {
			ops = append(ops, SharingOp{Operation: "Reset"})
			hs, ht = nil, nil
		}
		addS, remS := setDiff(want.Subscriptions, hs)
		addT, remT := setDiff(want.Tenants, ht)
		if len(remS)+len(remT) > 0 {
			ops = append(ops, SharingOp{Operation: "Remove", Subscriptions: remS, Tenants: remT})
		}
		if len(addS)+len(addT) > 0 {
			ops = append(ops, SharingOp{Operation: "Add", Subscriptions: addS, Tenants: addT})
		}
	}
	if len(ops) == 0 {
		return
	}
	action := Update
	if a == nil || galleryAction == Replace {
		action = Create
	}
	c := &Change{Address: model.SharingAddress(name), Kind: KindSharing, Action: action, Reason: ReasonDrift, Gallery: name, After: want, Sharing: ops}
	if a != nil && a.Sharing != nil {
		c.Before = a.Sharing
	}
	p.add(c)
}

// setDiff returns what want has that have lacks, and the reverse, sorted and
// compared case-insensitively.
func setDiff(want, have []string) (add, remove []string) {
	w, h := map[string]bool{}, map[string]bool{}
	for _, s := range want {
		w[strings.ToLower(s)] = true
	}
	for _, s := range have {
		h[strings.ToLower(s)] = true
	}
	for s := range w {
		if !h[s] {
			add = append(add, s)
		}
	}
	for s := range h {
		if !w[s] {
			remove = append(remove, s)
		}
	}
	sort.Strings(add)
	sort.Strings(remove)
	return add, remove
}

type shareKey struct{ principal, role string }

func keyOf(s *model.Share) shareKey {
	role, ok := model.RoleDefinitionID(s.Role)
	if !ok {
		role = s.Role
	}
	return shareKey{strings.ToLower(s.PrincipalID), role}
}

// shares diffs the role assignments at one scope as sets.
func (p *planning) shares(scope model.Address, desired, actual map[string]*model.Share, scopeAction Action) {
	have := map[shareKey]*model.Share{}
	for _, name := range slices.Sorted(maps.Keys(actual)) {
		have[keyOf(actual[name])] = actual[name]
	}
	want := map[shareKey]bool{}
	g, i, _, _ := scope.Parts()
	for _, name := range slices.Sorted(maps.Keys(desired)) {
		s := desired[name]
		k := keyOf(s)
		want[k] = true
		if have[k] != nil && scopeAction != Replace {
			p.noops++
			continue
		}
		p.add(&Change{Address: model.ShareAddress(scope, s.PrincipalID, s.Role), Kind: KindShare, Action: Create, Reason: ReasonNotFound, Gallery: g, Image: i, After: s})
	}
	if scopeAction == Replace {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(actual)) {
		s := actual[name]
		if want[keyOf(s)] {
			continue
		}
		addr := model.ShareAddress(scope, s.PrincipalID, s.Role)
		switch {
		case s.Description != model.ShareDescription(p.config):
			p.unmanaged(addr, "role assignment not made by this configuration")
		case p.prune || scopeAction == Delete:
			p.add(&Change{Address: addr, Kind: KindShare, Action: Delete, Reason: ReasonNoConfig, Gallery: g, Image: i, Before: s})
		default:
			p.keptWithoutPrune(addr)
		}
	}
}

// Field lists: which fields of a resource the planner compares, and whether
// the service can update them in place. They are built from the model's
// property tables, which declare each property once: a plain scalar is
// compared by its effective value (the service's default when unset), a
// structured property by the getter given here; the mutability of either
// is the table's. Fields the cloud sets itself — provisioning state,
// published date, replication progress, unique name — live in
// VersionObserved or are never read, and so never cause a diff; Pos, Adopt,
// AllowReplace, SizeGB, Share.Name and Share.Description are curator's own
// and are not compared either.
type field[T any] struct {
	path  string
	prop  model.Property
	table []model.Property
	get   func(*T) any
	// same, when set, reports cheaply (without boxing or copying the
	// values, as the planner compares every field of every resource)
	// that desired and actual hold the same value; false means "compare
	// with get".
	same func(d, a *T) bool
	// unsetZero: a desired zero value means "not managed" (tags nobody
	// declared are left alone).
	unsetZero bool
}

// isMutable reports whether a change of the field is made in place on the
// desired resource d: per the table, with a flag property read from d; a
// per-region property is changed region by region, never by a replace.
func (f field[T]) isMutable(d *T) bool {
	return f.prop.Mutability == model.PerRegion || model.UpdatableIn(f.table, f.prop, d)
}

// structured is the planner's own reading of a property with structure.
type structured[T any] struct {
	get       func(*T) any
	same      func(d, a *T) bool
	unsetZero bool
}

// fieldsOf lists the compared fields of a resource kind in the order of its
// property table. A structured property is compared only when a getter is
// given for its path or for its first label ("recommended" for
// recommended.vCPUs); the others are compared by code of their own
// (location, sharing, regions, sources).
func fieldsOf[T any](table []model.Property, own map[string]structured[T]) []field[T] {
	var out []field[T]
	seen := map[string]bool{}
	for _, prop := range table {
		if prop.Scalar() {
			out = append(out, field[T]{path: prop.CUE, prop: prop, table: table,
				get: func(r *T) any { return prop.Effective(r) },
				same: func(d, a *T) bool {
					equal, ok := prop.EqualEffective(d, a)
					return ok && equal
				}})
			continue
		}
		path := prop.CUE
		s, ok := own[path]
		if !ok {
			path, _, _ = strings.Cut(prop.CUE, ".")
			s, ok = own[path]
		}
		if !ok || seen[path] {
			continue
		}
		seen[path] = true
		out = append(out, field[T]{path: path, prop: prop, table: table, get: s.get, same: s.same, unsetZero: s.unsetZero})
	}
	return out
}

// fieldSets are the compared fields of each resource kind, built once per
// plan from the property tables as they are then.
type fieldSets struct {
	gallery []field[model.Gallery]
	image   []field[model.ImageDefinition]
	version []field[model.ImageVersion]
}

func newFieldSets() fieldSets {
	return fieldSets{gallery: galleryFields(), image: imageFields(), version: versionFields()}
}

func galleryFields() []field[model.Gallery] {
	return fieldsOf(model.GalleryProperties, map[string]structured[model.Gallery]{
		"tags": {unsetZero: true, get: func(g *model.Gallery) any { return userTags(g.Tags) }},
		"sharing.community": {unsetZero: true, get: func(g *model.Gallery) any {
			if g.Sharing == nil || g.Sharing.Community == nil {
				return (*model.Community)(nil)
			}
			return g.Sharing.Community
		}},
	})
}

func imageFields() []field[model.ImageDefinition] {
	return fieldsOf(model.ImageProperties, map[string]structured[model.ImageDefinition]{
		"securityType":        {get: func(d *model.ImageDefinition) any { return d.SecurityTypeAsWritten() }},
		"features":            {get: func(d *model.ImageDefinition) any { return nonNilMap(d.FeaturesAsWritten()) }},
		"purchasePlan":        {get: func(d *model.ImageDefinition) any { return d.PurchasePlan }},
		"recommended":         {get: func(d *model.ImageDefinition) any { return d.Recommended }},
		"disallowedDiskTypes": {get: func(d *model.ImageDefinition) any { return sortedCopy(d.DisallowedDiskTypes) }},
		"tags": {unsetZero: true, get: func(d *model.ImageDefinition) any { return userTags(d.Tags) },
			same: func(d, a *model.ImageDefinition) bool { return sameUserTags(d.Tags, a.Tags) }},
	})
}

func versionFields() []field[model.ImageVersion] {
	return fieldsOf(model.VersionProperties, map[string]structured[model.ImageVersion]{
		"location": {get: func(v *model.ImageVersion) any { return v.Location },
			same: func(d, a *model.ImageVersion) bool { return d.Location == a.Location }},
		"replicas": {get: func(v *model.ImageVersion) any { return v.Replicas }},
		"safety": {get: func(v *model.ImageVersion) any { return effectiveSafety(v.Safety) },
			same: func(d, a *model.ImageVersion) bool { return effectiveSafety(d.Safety) == effectiveSafety(a.Safety) }},
		// A version published by someone else (no source) whose
		// configuration names no UEFI settings keeps the ones it has.
		"securityProfile.uefiSettings": {get: func(v *model.ImageVersion) any { return v.UEFI },
			same: func(d, a *model.ImageVersion) bool {
				return d.Source == nil && d.UEFI == nil || reflect.DeepEqual(d.UEFI, a.UEFI)
			}},
		"edgeZones": {get: func(v *model.ImageVersion) any { return nonNilMap(v.EdgeZones) },
			same: func(d, a *model.ImageVersion) bool { return len(d.EdgeZones) == 0 && len(a.EdgeZones) == 0 }},
		"tags": {unsetZero: true, get: func(v *model.ImageVersion) any { return userTags(v.Tags) },
			same: func(d, a *model.ImageVersion) bool { return sameUserTags(d.Tags, a.Tags) }},
	})
}

// nonNil makes an absent map and an empty one the same.
func nonNilMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return m
}

// effectiveSafety is a safety profile with the service's defaults filled
// in: deletion of replicated locations allowed, no block before end of life.
func effectiveSafety(s *model.Safety) model.Safety {
	if s == nil {
		return model.Safety{AllowDeletionOfReplicatedLocations: true}
	}
	return *s
}

// sameUserTags reports, without copying, that two non-nil tag sets are the
// same apart from curator's ownership tag (userTags of each compare equal);
// false otherwise, including when either is nil.
func sameUserTags(d, a map[string]string) bool {
	if d == nil || a == nil {
		return false
	}
	n := 0
	for k, v := range d {
		if k == model.ManagedByTag {
			continue
		}
		if w, ok := a[k]; !ok || w != v {
			return false
		}
		n++
	}
	for k := range a {
		if k != model.ManagedByTag {
			n--
		}
	}
	return n == 0
}

// userTags drops curator's ownership tag, which desired state never holds.
func userTags(tags map[string]string) map[string]string {
	if tags == nil {
		return nil
	}
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		if k != model.ManagedByTag {
			out[k] = v
		}
	}
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func isZero(v any) bool {
	rv := reflect.ValueOf(v)
	return !rv.IsValid() || rv.IsZero()
}

// diffFields compares the listed fields; mutable diffs come after immutable
// ones. For gallery fields the caller compares location itself.
func diffFields[T any](fields []field[T], d, a *T) []FieldDiff {
	var immut, mut []FieldDiff
	for _, f := range fields {
		if f.same != nil && f.same(d, a) {
			continue
		}
		dv, av := f.get(d), f.get(a)
		if f.unsetZero && isZero(dv) {
			continue
		}
		if reflect.DeepEqual(dv, av) {
			continue
		}
		fd := FieldDiff{Path: f.path, Before: av, After: dv}
		if f.isMutable(d) {
			mut = append(mut, fd)
		} else {
			immut = append(immut, fd)
		}
	}
	return append(immut, mut...)
}

func immutablePaths[T any](fields []field[T], desired *T, diffs []FieldDiff) []string {
	var out []string
	for _, d := range diffs {
		for _, f := range fields {
			if f.path == d.Path && !f.isMutable(desired) {
				out = append(out, d.Path)
			}
		}
	}
	return out
}

func (p *planning) image(gallery, name string, parent Action, d, a *model.ImageDefinition, dg *model.Gallery) {
	addr := model.ImageAddress(gallery, name)
	if parent == Delete {
		d = nil
	}
	var managed bool
	if a != nil {
		managed = model.IsManaged(a.Tags, p.config)
	}
	var fields []FieldDiff
	var forced []string
	if d != nil && a != nil {
		fields = diffFields(p.fields.image, d, a)
		forced = immutablePaths(p.fields.image, d, fields)
	}
	action, reason := decide(d != nil, a != nil, managed, len(fields) > len(forced), len(forced) > 0)
	action, reason = withReplacedParent(parent, action, reason, d != nil, a != nil, managed)
	var eol *Refusal
	if d != nil {
		var was string
		if a != nil {
			was = a.EndOfLife
		}
		eol = p.endOfLife(addr, "image definition "+name, action, d.EndOfLife, was)
	}
	c := &Change{Address: addr, Kind: KindImage, Action: action, Reason: reason, Gallery: gallery, Image: name, Fields: fields, ForcedBy: forced}
	if d != nil {
		c.After = shallowImage(d)
	}
	if a != nil {
		c.Before = shallowImage(a)
	}
	var versions int
	if a != nil {
		versions = len(a.Versions)
	}
	admitted := p.admit(c, d != nil, parent, gate{
		what: "image definition " + name, adopt: d != nil && d.Adopt, replace: d != nil && d.AllowReplace,
		replaceDetail: fmt.Sprintf("replacing it deletes and recreates its %d versions too", versions),
		container:     model.GalleryAddress(gallery), containerWhat: "gallery",
	})
	if eol != nil {
		p.refuse(c, *eol)
	}
	if !admitted {
		return
	}
	var dv, av map[string]*model.ImageVersion
	var ds, as map[string]*model.Share
	if d != nil {
		dv, ds = d.Versions, d.Shares
	}
	if a != nil {
		av, as = a.Versions, a.Shares
	}
	if action == Replace {
		as = nil
	}
	p.shares(addr, ds, as, action)
	for _, vname := range union(dv, av) {
		p.version(gallery, name, vname, action, dv[vname], av[vname])
	}
}

func (p *planning) version(gallery, image, name string, parent Action, d, a *model.ImageVersion) {
	addr := model.VersionAddress(gallery, image, name)
	if parent == Delete {
		d = nil
	}
	if d != nil && d.Source == nil && a == nil {
		p.warnf(addr, "Not published yet", "the version is declared without a source, so someone else publishes it; curator will govern it once it exists")
		return
	}
	var managed bool
	if a != nil {
		managed = model.IsManaged(a.Tags, p.config)
	}
	var fields []FieldDiff
	var forced []string
	var repl *ReplicationDelta
	if d != nil && a != nil {
		fields = diffFields(p.fields.version, d, a)
		forced = immutablePaths(p.fields.version, d, fields)
		if d.Source != nil && a.Source != nil && !sameSource(d.Source, a.Source) {
			forced = append(forced, "source")
			fields = append([]FieldDiff{{Path: "source", Before: a.Source, After: d.Source}}, fields...)
		}
		// The source region cannot leave the target regions, so what
		// changes a region by removing and adding it again forces a
		// replace there.
		if b, ok := a.Regions[d.Location]; ok && d.Location == a.Location {
			w := d.Regions[d.Location]
			if b.Storage != w.Storage {
				path := "regions." + d.Location + ".storage"
				forced = append(forced, path)
				fields = append([]FieldDiff{{Path: path, Before: b.Storage, After: w.Storage}}, fields...)
			}
			if !reflect.DeepEqual(b.Encryption, w.Encryption) {
				path := "regions." + d.Location + ".encryption"
				forced = append(forced, path)
				fields = append([]FieldDiff{{Path: path, Before: b.Encryption, After: w.Encryption}}, fields...)
			}
		}
		repl = regionDelta(a.Regions, d.Regions, d.Location)
		if repl != nil {
			fields = append(fields, FieldDiff{Path: "regions", Before: a.Regions, After: d.Regions})
		}
		// Regions whose exclude-from-latest changes, in name order (sorted
		// only when there are any: most versions have none).
		var excl []string
		for r, w := range d.Regions {
			if b, ok := a.Regions[r]; ok && b.ExcludeFromLatest != w.ExcludeFromLatest {
				excl = append(excl, r)
			}
		}
		slices.Sort(excl)
		for _, r := range excl {
			fields = append(fields, FieldDiff{Path: "regions." + r + ".excludeFromLatest", Before: a.Regions[r].ExcludeFromLatest, After: d.Regions[r].ExcludeFromLatest})
		}
	}
	action, reason := decide(d != nil, a != nil, managed, len(fields) > len(forced), len(forced) > 0)
	if d != nil && a != nil && d.Source == nil && !managed {
		action, reason = Adopt, ReasonUnmanagedDeclared
	}
	action, reason = withReplacedParent(parent, action, reason, d != nil, a != nil, managed)
	var eol *Refusal
	if d != nil {
		var was string
		if a != nil {
			was = a.EndOfLife
		}
		eol = p.endOfLife(addr, "image version "+name, action, d.EndOfLife, was)
	}
	c := &Change{Address: addr, Kind: KindVersion, Action: action, Reason: reason, Gallery: gallery, Image: image, Version: name, Fields: fields, ForcedBy: forced}
	if d != nil {
		c.After = shallowVersion(d)
	}
	if a != nil {
		c.Before = shallowVersion(a)
	}
	switch action {
	case Create, Replace:
		c.Replication = regionDelta(nil, d.Regions, "")
	case Update, Adopt:
		c.Replication = repl
	case Delete:
		c.Replication = regionDelta(a.Regions, nil, "")
	}
	p.admit(c, d != nil, parent, gate{
		what: "image version " + name, adopt: d != nil && d.Adopt, replace: d != nil && d.AllowReplace,
		replaceDetail: "it is deleted from every region and published again",
		container:     model.ImageAddress(gallery, image), containerWhat: "image definition",
	})
	if eol != nil {
		p.refuse(c, *eol)
	}
	if a != nil {
		if r := p.safety(c, a); r != nil {
			p.refuse(c, *r)
		}
	}
	if d != nil && a != nil && a.Observed != nil {
		// A region whose replication failed holds no usable replica,
		// whatever the version's target regions say: never "No changes"
		// in silence.
		var failed []string
		for r, rr := range a.Observed.Replication {
			if strings.EqualFold(rr.State, "Failed") {
				failed = append(failed, r)
			}
		}
		slices.Sort(failed)
		for _, r := range failed {
			why := ""
			if d := a.Observed.Replication[r].Details; d != "" {
				why = " (" + d + ")"
			}
			p.warnf(addr, "Replication failed", "replication to %s failed%s; VMs cannot be created from this version there until it is published to the region again (remove the region and add it back, or replace the version)", r, why)
		}
	}
}

// safety checks a change to an existing version against the version's
// safety profile as the service holds it: the service refuses to remove
// a replicated region when allowDeletionOfReplicatedLocations is false, and
// to delete the version before its end of life when
// blockDeletionBeforeEndOfLife is set.
func (p *planning) safety(c *Change, a *model.ImageVersion) *Refusal {
	s := effectiveSafety(a.Safety)
	switch c.Action {
	case Update, Adopt:
		// Lifted in the same change, the profile is applied first (see
		// reconcile's update), so the removal is allowed.
		lifted := false
		if after, ok := c.After.(*model.ImageVersion); ok {
			lifted = effectiveSafety(after.Safety).AllowDeletionOfReplicatedLocations
		}
		if !s.AllowDeletionOfReplicatedLocations && !lifted && c.Replication != nil && len(c.Replication.Removed) > 0 {
			return &Refusal{Address: c.Address, Rule: RuleSafetyProfile, Summary: "Safety profile forbids removing regions",
				Detail:     fmt.Sprintf("removing region %s needs the version's safety.allowDeletionOfReplicatedLocations to be true: set it in the same change", c.Replication.Removed[0].Region),
				AllowField: "safety: allowDeletionOfReplicatedLocations: true"}
		}
	case Delete, Replace:
		if s.BlockDeletionBeforeEndOfLife && a.EndOfLife != "" && a.EndOfLife > p.opts.Now.UTC().Format("2006-01-02") {
			return &Refusal{Address: c.Address, Rule: RuleSafetyProfile, Summary: "Safety profile forbids deleting before end of life",
				Detail:     fmt.Sprintf("the version's safety profile blocks deleting it before its end of life %s; set safety.blockDeletionBeforeEndOfLife to false (and apply) first", a.EndOfLife),
				AllowField: "safety: blockDeletionBeforeEndOfLife: false"}
		}
	}
	return nil
}

// endOfLife checks an end-of-life date that a change writes: the service
// refuses one in the past.
func (p *planning) endOfLife(addr model.Address, what string, action Action, want, was string) *Refusal {
	switch {
	case want == "" || action == NoOp || action == Delete:
	case (action == Update || action == Adopt) && want == was:
	case want < p.opts.Now.UTC().Format("2006-01-02"):
		return &Refusal{Address: addr, Rule: RulePastEndOfLife, Summary: "End of life in the past",
			Detail:     fmt.Sprintf("%s: endOfLife %s is in the past, and the service refuses a date in the past when it is set; set a future date or remove it", what, want),
			AllowField: "endOfLife"}
	}
	return nil
}

// withReplacedParent adjusts the action of a resource whose parent is
// replaced: what exists goes with the parent — declared, it is created
// anew; undeclared, it is deleted (pruning or not: the replace was allowed).
func withReplacedParent(parent, action Action, reason Reason, declared, exists, managed bool) (Action, Reason) {
	switch {
	case parent != Replace || !exists:
		return action, reason
	case declared:
		return Replace, ReasonParentReplaced
	case managed:
		return Delete, ReasonParentReplaced
	}
	return action, reason
}

// gate describes a resource for admit.
type gate struct {
	what           string // "image definition web", for messages
	adopt, replace bool   // the resource's own adopt and allowReplace
	replaceDetail  string // what a replace takes with it
	// container is where an unmanaged resource blocks a delete.
	container     model.Address
	containerWhat string
}

// admit applies the safety rules to a classified change — adoption and
// replaces only where allowed, deletes only with pruning, unmanaged
// resources never touched — and records it; a change a rule refuses is
// recorded too, marked refused. It reports whether planning goes on to the
// resource's children.
func (p *planning) admit(c *Change, declared bool, parent Action, g gate) bool {
	switch c.Action {
	case NoOp:
		if !declared {
			p.unmanaged(c.Address, "not declared and not managed by this configuration")
			if parent == Delete || parent == Replace {
				verb := map[Action]string{Delete: "delete", Replace: "replace"}[parent]
				p.refuse(p.changes[g.container], Refusal{
					Address: g.container, Rule: RuleHoldsUnmanaged, Summary: "Cannot " + verb,
					Detail: fmt.Sprintf("the %s holds %s, which curator does not manage; remove it by hand or declare it", g.containerWhat, g.what),
				})
			}
			return false
		}
		p.noops++
		return true
	case Adopt:
		if !p.allowAdopt(g.adopt) {
			p.add(c)
			p.refuse(c, Refusal{
				Address: c.Address, Rule: RuleAdopt, Summary: "Resource exists but curator does not manage it",
				Detail:    fmt.Sprintf("%s exists without the %s tag of configuration %q; set `adopt: true` on it or pass --adopt to take it over", g.what, model.ManagedByTag, p.config),
				AllowFlag: "--adopt", AllowField: "adopt: true",
			})
			return false
		}
		if len(c.ForcedBy) > 0 {
			p.add(c)
			p.refuse(c, Refusal{
				Address: c.Address, Rule: RuleAdoptImmutable, Summary: "Cannot adopt",
				Detail: fmt.Sprintf("%s differs in %s, which cannot change in place, and curator never replaces what it did not create", g.what, strings.Join(c.ForcedBy, ", ")),
			})
			return false
		}
	case Replace:
		if c.Reason == ReasonCannotUpdate && !p.allowReplace(g.replace) {
			p.add(c)
			p.refuse(c, Refusal{
				Address: c.Address, Rule: RuleReplace, Summary: "Replace not allowed",
				Detail:    fmt.Sprintf("%s must be replaced because %s cannot change in place; %s. Set `allowReplace: true` on it or pass --allow-replace", g.what, strings.Join(c.ForcedBy, ", "), g.replaceDetail),
				AllowFlag: "--allow-replace", AllowField: "allowReplace: true",
			})
			return false
		}
	case Delete:
		if !p.prune && parent != Delete && c.Reason != ReasonParentReplaced {
			p.keptWithoutPrune(c.Address)
			return false
		}
		if parent == Delete {
			c.Reason = ReasonParentDeleted
		}
	}
	p.add(c)
	return true
}

// refuse records a refusal and marks the change it refuses (nil for a
// rule on the whole plan). A change keeps the first rule that refused it.
func (p *planning) refuse(c *Change, r Refusal) {
	p.plan.Errors = append(p.plan.Errors, r)
	p.diags = append(p.diags, diag.Diagnostic{Severity: diag.Error, Address: r.Address, Summary: r.Summary, Detail: r.Detail})
	if c != nil && c.Refused == "" {
		c.Refused = r.Rule
	}
}

// sameSource reports whether two sources name the same OS disk and data
// disks (resource IDs compared case-insensitively, as ARM does).
func sameSource(a, b *model.Source) bool {
	if equal, ok := sameSourceInPlace(a, b); ok {
		return equal
	}
	norm := func(s *model.Source) model.Source {
		c := *s
		for _, p := range []*string{&c.ManagedImage, &c.Snapshot, &c.Disk, &c.VirtualMachine, &c.Version, &c.CommunityVersion} {
			*p = strings.ToLower(*p)
		}
		if c.VHD != nil {
			v := model.VHDSource{URI: strings.ToLower(c.VHD.URI), StorageAccount: strings.ToLower(c.VHD.StorageAccount)}
			c.VHD = &v
		}
		disks := make([]model.DataDiskSource, len(c.DataDisks))
		for i, d := range c.DataDisks {
			d.Snapshot, d.Disk = strings.ToLower(d.Snapshot), strings.ToLower(d.Disk)
			if d.VHD != nil {
				v := model.VHDSource{URI: strings.ToLower(d.VHD.URI), StorageAccount: strings.ToLower(d.VHD.StorageAccount)}
				d.VHD = &v
			}
			disks[i] = d
		}
		sort.Slice(disks, func(i, j int) bool { return disks[i].LUN < disks[j].LUN })
		c.DataDisks = disks
		// The service reports a VHD's storage account only sometimes, and
		// host caching it defaults itself: compared when both sides say.
		if c.VHD != nil {
			c.VHD.StorageAccount = ""
		}
		c.HostCaching = ""
		for i := range c.DataDisks {
			c.DataDisks[i].HostCaching = ""
		}
		return c
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// sameSourceInPlace is sameSource without copying: the plan compares the
// source of every version, and nearly every pair names the same disks with
// data disks in LUN order. ok is false when the data disks are not both in
// LUN order (sameSource then sorts copies).
func sameSourceInPlace(a, b *model.Source) (equal, ok bool) {
	if !slices.IsSortedFunc(a.DataDisks, byLUN) || !slices.IsSortedFunc(b.DataDisks, byLUN) {
		return false, false
	}
	if !sameID(a.ManagedImage, b.ManagedImage) || !sameID(a.Snapshot, b.Snapshot) || !sameID(a.Disk, b.Disk) ||
		!sameID(a.VirtualMachine, b.VirtualMachine) || !sameID(a.Version, b.Version) || !sameID(a.CommunityVersion, b.CommunityVersion) {
		return false, true
	}
	// The OS disk's VHD by its URI only (see sameSource), host caching not
	// compared.
	if (a.VHD == nil) != (b.VHD == nil) || a.VHD != nil && !sameID(a.VHD.URI, b.VHD.URI) {
		return false, true
	}
	if len(a.DataDisks) != len(b.DataDisks) {
		return false, true
	}
	for i := range a.DataDisks {
		x, y := &a.DataDisks[i], &b.DataDisks[i]
		if x.LUN != y.LUN || !sameID(x.Snapshot, y.Snapshot) || !sameID(x.Disk, y.Disk) || (x.VHD == nil) != (y.VHD == nil) {
			return false, true
		}
		if x.VHD != nil && (!sameID(x.VHD.URI, y.VHD.URI) || !sameID(x.VHD.StorageAccount, y.VHD.StorageAccount)) {
			return false, true
		}
	}
	return true, true
}

func byLUN(a, b model.DataDiskSource) int { return a.LUN - b.LUN }

// sameID compares as strings.ToLower of both would, without allocating for
// ASCII (what resource IDs and URIs are).
func sameID(a, b string) bool {
	if len(a) != len(b) {
		return strings.ToLower(a) == strings.ToLower(b)
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 0x80 || y >= 0x80 {
			return strings.ToLower(a) == strings.ToLower(b)
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// regionDelta is how target regions change from before to after; nil when
// they do not. A storage-type change cannot be made in place: it is planned
// as removing the region and adding it again.
//
// source is the version's source region, whose storage and encryption
// cannot change this way (a replace does it): it is never removed here.
func regionDelta(before, after map[string]model.TargetRegion, source string) *ReplicationDelta {
	var d ReplicationDelta
	for _, r := range union(before, after) {
		b, inB := before[r]
		a, inA := after[r]
		switch {
		case inA && !inB:
			d.Added = append(d.Added, RegionChange{Region: r, AfterReplicas: a.Replicas, AfterStorage: a.Storage})
		case inB && !inA:
			d.Removed = append(d.Removed, RegionChange{Region: r, BeforeReplicas: b.Replicas, BeforeStorage: b.Storage})
		case r != source && b.Storage != a.Storage:
			note := fmt.Sprintf("storage %s → %s cannot change in place: the region is removed and added again", b.Storage, a.Storage)
			d.Removed = append(d.Removed, RegionChange{Region: r, BeforeReplicas: b.Replicas, BeforeStorage: b.Storage, Note: note})
			d.Added = append(d.Added, RegionChange{Region: r, AfterReplicas: a.Replicas, AfterStorage: a.Storage, Note: note})
		case r != source && !reflect.DeepEqual(b.Encryption, a.Encryption):
			note := "encryption cannot change in place: the region is removed and added again"
			d.Removed = append(d.Removed, RegionChange{Region: r, BeforeReplicas: b.Replicas, BeforeStorage: b.Storage, Note: note})
			d.Added = append(d.Added, RegionChange{Region: r, AfterReplicas: a.Replicas, AfterStorage: a.Storage, Note: note})
		case b.Replicas != a.Replicas:
			d.Changed = append(d.Changed, RegionChange{Region: r, BeforeReplicas: b.Replicas, AfterReplicas: a.Replicas, BeforeStorage: b.Storage, AfterStorage: a.Storage})
		}
	}
	if len(d.Added)+len(d.Removed)+len(d.Changed) == 0 {
		return nil
	}
	return &d
}

// warnf records a warning about the resource at addr.
func (p *planning) warnf(addr model.Address, summary, format string, args ...any) {
	p.diags = append(p.diags, diag.Warnf(addr, summary, format, args...))
}

// keptWithoutPrune warns that a managed resource left the configuration
// and stays, because pruning is off.
func (p *planning) keptWithoutPrune(addr model.Address) {
	p.warnf(addr, "Not deleted", "managed by %q but no longer declared; it is kept because pruning is off (prune: true or --prune deletes it)", p.config)
}

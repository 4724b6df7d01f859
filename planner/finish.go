package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
)

// depth is a change's level in the resource hierarchy.
func depth(c *Change) int {
	switch c.Kind {
	case KindGallery:
		return 0
	case KindImage, KindSharing:
		return 1
	case KindVersion:
		return 2
	}
	if c.Image != "" {
		return 2 // a share on an image definition
	}
	return 1
}

// parentAddress is the address of the resource a change's resource lives in.
func parentAddress(c *Change) model.Address {
	switch c.Kind {
	case KindImage, KindSharing:
		return model.GalleryAddress(c.Gallery)
	case KindVersion:
		return model.ImageAddress(c.Gallery, c.Image)
	case KindShare:
		if c.Image != "" {
			return model.ImageAddress(c.Gallery, c.Image)
		}
		return model.GalleryAddress(c.Gallery)
	}
	return ""
}

func (p *planning) finish(desired model.State) {
	p.order()
	p.refuseWithParents()
	p.massDelete(desired.MaxDeletes)
	p.latest(desired)
	p.summarize()
	p.plan.Cost = estimate(applicable(p.plan.Changes), p.prices())
	p.plan.Summary.NoOp = p.noops

	for _, d := range p.diags {
		if d.Severity == diag.Warning {
			p.plan.Warnings = append(p.plan.Warnings, d)
		}
	}
	sort.SliceStable(p.plan.Warnings, func(i, j int) bool { return p.plan.Warnings[i].Message() < p.plan.Warnings[j].Message() })
	sort.Slice(p.plan.Unmanaged, func(i, j int) bool { return p.plan.Unmanaged[i].Address < p.plan.Unmanaged[j].Address })
	// Plan-wide refusals first, then by address; a resource's own in the
	// order they were found.
	sort.SliceStable(p.plan.Errors, func(i, j int) bool { return p.plan.Errors[i].Address < p.plan.Errors[j].Address })
}

// refuseWithParents marks refused what would go with a refused delete or
// replace: its children's deletes and re-creations. Parents come first.
func (p *planning) refuseWithParents() {
	cs := slices.Clone(p.plan.Changes)
	sort.SliceStable(cs, func(i, j int) bool { return depth(cs[i]) < depth(cs[j]) })
	for _, c := range cs {
		if c.Refused != "" {
			continue
		}
		for _, a := range ancestors(c) {
			if pc := p.changes[a]; pc != nil && pc.Refused != "" && (pc.Action == Delete || pc.Action == Replace) {
				c.Refused = pc.Refused
				break
			}
		}
	}
}

// ancestors are the addresses of the resources a change's resource lives
// in, nearest first.
func ancestors(c *Change) []model.Address {
	var out []model.Address
	if c.Image != "" && c.Kind != KindImage {
		out = append(out, model.ImageAddress(c.Gallery, c.Image))
	}
	if c.Kind != KindGallery && c.Gallery != "" {
		out = append(out, model.GalleryAddress(c.Gallery))
	}
	return out
}

// massDelete refuses a plan that deletes more than max resources: every
// delete not refused already is marked, so none of them counts as done.
func (p *planning) massDelete(max int) {
	var deletes []*Change
	n := 0 // role assignments are not resources the threshold counts
	for _, c := range p.plan.Changes {
		if c.Action == Delete && c.Refused == "" {
			deletes = append(deletes, c)
			if c.Kind != KindShare {
				n++
			}
		}
	}
	if n <= max || p.opts.AllowMassDelete {
		return
	}
	p.refuse(nil, Refusal{
		Rule: RuleTooManyDeletes, Summary: "Too many deletes",
		Detail:    fmt.Sprintf("the plan deletes %d resources, more than maxDeletes (%d); check that the configuration is complete, then pass --allow-mass-delete or raise maxDeletes", n, max),
		AllowFlag: "--allow-mass-delete", AllowField: fmt.Sprintf("maxDeletes: %d", n),
	})
	for _, c := range deletes {
		c.Refused = RuleTooManyDeletes
	}
}

// applicable returns the changes no rule refused.
func applicable(cs []*Change) []*Change {
	out := make([]*Change, 0, len(cs))
	for _, c := range cs {
		if c.Refused == "" {
			out = append(out, c)
		}
	}
	return out
}

// order sorts changes into apply order — creates, updates and replaces
// parents first; deletes children first, after everything else; ties by
// address — and records what each change waits for.
func (p *planning) order() {
	cs := p.plan.Changes
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		ad, bd := a.Action == Delete, b.Action == Delete
		if ad != bd {
			return !ad
		}
		da, db := depth(a), depth(b)
		if da != db {
			if ad {
				return da > db
			}
			return da < db
		}
		return a.Address < b.Address
	})
	// The deleted children of each parent, found once rather than by a
	// scan of every change for each change (11,000 creates took 0.6 s).
	deletedChildren := map[model.Address][]*Change{}
	for _, o := range cs {
		if o.Action == Delete {
			if parent := parentAddress(o); parent != "" {
				deletedChildren[parent] = append(deletedChildren[parent], o)
			}
		}
	}
	for _, c := range cs {
		var deps []model.Address
		if c.Action == Delete {
			// A parent is deleted after its children.
			for _, o := range deletedChildren[c.Address] {
				if o != c {
					deps = append(deps, o.Address)
				}
			}
		} else if parent := parentAddress(c); parent != "" {
			if pc := p.changes[parent]; pc != nil && pc.Action != Delete && pc.Action != Update {
				deps = append(deps, parent)
			}
			// A share on a definition also waits for its gallery.
			if c.Kind == KindShare && c.Image != "" {
				if gc := p.changes[model.GalleryAddress(c.Gallery)]; gc != nil && (gc.Action == Create || gc.Action == Replace) && !containsAddr(deps, gc.Address) && p.changes[parent] == nil {
					deps = append(deps, gc.Address)
				}
			}
			if c.Action == Replace || c.Action == Create {
				// A replaced parent first deletes the children the plan deletes.
				for _, o := range deletedChildren[c.Address] {
					if o.Reason == ReasonParentReplaced {
						deps = append(deps, o.Address)
					}
				}
			}
		}
		sort.Slice(deps, func(i, j int) bool { return deps[i] < deps[j] })
		c.DependsOn = deps
	}
}

func containsAddr(s []model.Address, a model.Address) bool {
	for _, x := range s {
		if x == a {
			return true
		}
	}
	return false
}

func (p *planning) summarize() {
	s := &p.plan.Summary
	for _, c := range p.plan.Changes {
		if c.Refused != "" {
			s.Refused++
			continue
		}
		if c.Kind == KindShare {
			if c.Action == Create {
				s.SharesAdded++
			} else {
				s.SharesRemoved++
			}
			continue
		}
		switch c.Action {
		case Create:
			// A new gallery's sharing profile too: every rendering shows
			// it as "+", and the summary counts what the renderings show.
			s.Create++
		case Update:
			s.Update++
		case Replace:
			s.Replace++
		case Delete:
			s.Delete++
		case Adopt:
			s.Adopt++
		}
		if r := c.Replication; r != nil && c.Action != Delete {
			for _, a := range r.Added {
				s.RegionsAdded++
				s.ReplicasAdded += a.AfterReplicas
			}
			for _, rm := range r.Removed {
				s.RegionsRemoved++
				s.ReplicasRemoved += rm.BeforeReplicas
			}
			for _, ch := range r.Changed {
				if d := ch.AfterReplicas - ch.BeforeReplicas; d > 0 {
					s.ReplicasAdded += d
				} else {
					s.ReplicasRemoved -= d
				}
			}
		} else if r != nil {
			for _, rm := range r.Removed {
				s.RegionsRemoved++
				s.ReplicasRemoved += rm.BeforeReplicas
			}
		}
	}
}

// Latest returns the version "latest" resolves to among versions: the
// highest Major, then Minor, then Patch, skipping those excluded from
// latest; "" when there is none.
func Latest(versions map[string]*model.ImageVersion) string {
	best := ""
	for name, v := range versions {
		if v == nil || v.ExcludeFromLatest {
			continue
		}
		if best == "" || model.CompareVersions(name, best) > 0 {
			best = name
		}
	}
	return best
}

// LatestIn returns the version "latest" resolves to in one target region:
// the highest among versions replicated to region that are excluded from
// latest neither as a whole nor in that region; "" when there is none.
func LatestIn(versions map[string]*model.ImageVersion, region string) string {
	best := ""
	for name, v := range versions {
		if v == nil || v.ExcludeFromLatest {
			continue
		}
		if r, ok := v.Regions[region]; !ok || r.ExcludeFromLatest {
			continue
		}
		if best == "" || model.CompareVersions(name, best) > 0 {
			best = name
		}
	}
	return best
}

// latest records, per definition, where "latest" moves.
func (p *planning) latest(desired model.State) {
	after := map[model.Address]map[string]*model.ImageVersion{}
	before := map[model.Address]map[string]*model.ImageVersion{}
	ensure := func(m map[model.Address]map[string]*model.ImageVersion, a model.Address) map[string]*model.ImageVersion {
		if m[a] == nil {
			m[a] = map[string]*model.ImageVersion{}
		}
		return m[a]
	}
	images := map[model.Address]bool{}
	for _, c := range p.plan.Changes {
		if c.Kind != KindVersion {
			continue
		}
		img := model.ImageAddress(c.Gallery, c.Image)
		if c.Refused != "" {
			// A refused change does not happen: the version stays as it is.
			if b, ok := c.Before.(*model.ImageVersion); ok {
				ensure(before, img)[c.Version] = b
				ensure(after, img)[c.Version] = b
			}
			continue
		}
		images[img] = true
		if b, ok := c.Before.(*model.ImageVersion); ok {
			ensure(before, img)[c.Version] = b
		}
		if a, ok := c.After.(*model.ImageVersion); ok && c.Action != Delete {
			ensure(after, img)[c.Version] = a
		}
	}
	if len(images) == 0 {
		return
	}
	// Unchanged versions are the same before and after: take them from
	// desired state (those the plan does not touch exist as declared).
	for gname, g := range desired.Galleries {
		for iname, d := range g.Images {
			img := model.ImageAddress(gname, iname)
			if !images[img] {
				continue
			}
			for vname, v := range d.Versions {
				addr := model.VersionAddress(gname, iname, vname)
				if p.changes[addr] == nil && v.Source != nil {
					ensure(before, img)[vname] = v
					ensure(after, img)[vname] = v
				}
			}
		}
	}
	for _, img := range sortedAddrs(images) {
		b, a := Latest(before[img]), Latest(after[img])
		if b != a {
			p.plan.Latest = append(p.plan.Latest, LatestChange{Image: img, Before: b, After: a})
		}
	}
}

func sortedAddrs(m map[model.Address]bool) []model.Address {
	out := make([]model.Address, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (p *planning) prices() *PriceTable {
	if p.opts.Prices != nil {
		return p.opts.Prices
	}
	return DefaultPrices()
}

// Fingerprint identifies an actual state, observations (replication
// progress, provisioning state, published date) excluded: two reads of an
// unchanged estate have the same fingerprint.
func Fingerprint(actual model.State) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, gname := range slices.Sorted(maps.Keys(actual.Galleries)) {
		g := actual.Galleries[gname]
		fmt.Fprintf(h, "g %q\n", gname)
		_ = enc.Encode(shallowGallery(g))
		writeShares(h, enc, g.Shares)
		for _, iname := range slices.Sorted(maps.Keys(g.Images)) {
			img := g.Images[iname]
			fmt.Fprintf(h, "i %q\n", iname)
			_ = enc.Encode(shallowImage(img))
			writeShares(h, enc, img.Shares)
			for _, vname := range slices.Sorted(maps.Keys(img.Versions)) {
				fmt.Fprintf(h, "v %q\n", vname)
				_ = enc.Encode(shallowVersion(img.Versions[vname]))
			}
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func writeShares(h interface{ Write([]byte) (int, error) }, enc *json.Encoder, shares map[string]*model.Share) {
	for _, name := range slices.Sorted(maps.Keys(shares)) {
		fmt.Fprintf(h, "s %q\n", name)
		_ = enc.Encode(shares[name])
	}
}

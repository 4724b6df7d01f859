package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
)

// Freshness rules. Azure Resource Graph lags Resource Manager by seconds,
// so a plan read through it may rest on a view that is no longer true.
// Before apply writes, each resource the plan will change or delete is read
// again through Resource Manager (one GET each) and compared with the view
// the plan was computed from; any difference refuses the apply before its
// first write. A stale "present" therefore never causes a delete, nor an
// update of what someone else changed in the meantime. Creates are not
// confirmed: they are idempotent PUTs, so a stale "missing" is harmless.

// ErrStaleGraphView is returned when Resource Manager contradicts the
// Resource Graph view a plan was read through.
var ErrStaleGraphView = errors.New("the Resource Graph view the plan was read through is stale")

// resourceReader reads one resource through Resource Manager.
type resourceReader interface {
	ReadResource(ctx context.Context, addr model.Address) (resource any, exists bool, err error)
}

var _ resourceReader = (*azure.Client)(nil)

// confirmAddresses are the addresses of the resources plan will change or
// delete, each once, in plan order.
func confirmAddresses(plan *planner.Plan) []model.Address {
	seen := map[model.Address]bool{}
	var out []model.Address
	for _, c := range plan.Changes {
		if c.Refused != "" {
			continue
		}
		switch c.Action {
		case planner.Update, planner.Replace, planner.Delete, planner.Adopt:
		default:
			continue
		}
		addr := c.Address
		if c.Kind == planner.KindSharing {
			addr = model.GalleryAddress(c.Gallery)
		}
		if !seen[addr] {
			seen[addr] = true
			out = append(out, addr)
		}
	}
	return out
}

// confirmFresh checks, when plan was read through Resource Graph, that
// Resource Manager agrees with actual (the view the plan was computed
// from) on every resource the plan changes or deletes.
func confirmFresh(ctx context.Context, cloud resourceReader, plan *planner.Plan, actual *model.State) error {
	if plan.ReadPath != azure.ReadGraph || actual == nil {
		return nil
	}
	var stale []string
	for _, addr := range confirmAddresses(plan) {
		seen, inView := lookup(actual, addr)
		now, exists, err := cloud.ReadResource(ctx, addr)
		if err != nil {
			return fmt.Errorf("confirm %s before writing (the plan was read through Resource Graph): %w", addr, err)
		}
		switch {
		case inView && !exists:
			stale = append(stale, fmt.Sprintf("%s was deleted since", addr))
		case !inView && exists:
			stale = append(stale, fmt.Sprintf("%s was created since", addr))
		case inView && !sameResource(addr, seen, now):
			stale = append(stale, fmt.Sprintf("%s was changed since", addr))
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("%w: Resource Manager says %s; nothing was written: plan again (Resource Graph catches up within seconds), or set target: azure: read: \"arm\"", ErrStaleGraphView, strings.Join(stale, "; "))
	}
	return nil
}

// lookup finds the resource at addr in a state.
func lookup(st *model.State, addr model.Address) (any, bool) {
	if strings.HasPrefix(string(addr), "share/") {
		for gname, g := range st.Galleries {
			if s := findShare(g.Shares, addr, model.GalleryAddress(gname)); s != nil {
				return s, true
			}
			for iname, img := range g.Images {
				if s := findShare(img.Shares, addr, model.ImageAddress(gname, iname)); s != nil {
					return s, true
				}
			}
		}
		return nil, false
	}
	gname, iname, vname, ok := addr.Parts()
	if !ok {
		return nil, false
	}
	g := st.Galleries[gname]
	switch {
	case g == nil:
		return nil, false
	case iname == "":
		return g, true
	}
	img := g.Images[iname]
	switch {
	case img == nil:
		return nil, false
	case vname == "":
		return img, true
	}
	v := img.Versions[vname]
	return v, v != nil
}

func findShare(shares map[string]*model.Share, addr, scope model.Address) *model.Share {
	for _, s := range shares {
		if model.ShareAddress(scope, s.PrincipalID, s.Role) == addr {
			return s
		}
	}
	return nil
}

// sameResource compares a resource as the plan saw it with Resource
// Manager's, by the planner's fingerprint of the resource alone (children
// and observations left out).
func sameResource(addr model.Address, a, b any) bool {
	return resourceFingerprint(addr, a) == resourceFingerprint(addr, b)
}

func resourceFingerprint(addr model.Address, r any) string {
	const g, i = "g", "i"
	st := model.State{Galleries: map[string]*model.Gallery{}}
	switch x := r.(type) {
	case *model.Gallery:
		c := *x
		c.Images, c.Shares = nil, nil
		st.Galleries[g] = &c
	case *model.ImageDefinition:
		c := *x
		c.Versions, c.Shares = nil, nil
		st.Galleries[g] = &model.Gallery{Images: map[string]*model.ImageDefinition{i: &c}}
	case *model.ImageVersion:
		c := *x
		c.Observed = nil
		st.Galleries[g] = &model.Gallery{Images: map[string]*model.ImageDefinition{i: {Versions: map[string]*model.ImageVersion{"v": &c}}}}
	case *model.Share:
		return fmt.Sprintf("%s|%s|%s|%s", addr, strings.ToLower(x.PrincipalID), x.Role, x.Name)
	default:
		return fmt.Sprintf("%T", r)
	}
	return planner.Fingerprint(st)
}

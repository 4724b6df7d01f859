package planner_test

import (
	"strings"
	"testing"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
)

// TestSharingConversions: the sharing permissions the service lets an
// existing gallery take are planned as sharing operations; the ones it
// does not (to Groups from anything else, to Community from Private or
// Groups) force a replace, refused without allowReplace, whose refusal
// names the service's rule.
func TestSharingConversions(t *testing.T) {
	const sub = "11111111-2222-3333-4444-555555555555"
	community := &model.Community{PublisherURI: "https://contoso.example", PublisherEmail: "images@contoso.example", EULA: "https://contoso.example/eula", Prefix: "contoso"}
	sharing := map[string]*model.Sharing{
		"Private":   nil,
		"Groups":    {Permission: "Groups", Subscriptions: []string{sub}},
		"Community": {Permission: "Community", Community: community},
	}
	explicitPrivate := &model.Sharing{Permission: "Private"}
	tests := []struct {
		from, to string
		// rule is a phrase of the refusal; "" means the change is planned
		// in place with these sharing operations.
		rule string
		ops  []string
	}{
		{from: "Private", to: "Community", rule: "an existing private gallery cannot be converted to a community gallery"},
		{from: "Groups", to: "Community", rule: "the Groups setting of a directly shared gallery cannot be updated"},
		{from: "Private", to: "Groups", rule: "only when it is created so"},
		{from: "Community", to: "Groups", rule: "only when it is created so"},
		{from: "Community", to: "Private", ops: []string{"Reset"}},
		{from: "Groups", to: "Private", ops: []string{"Reset"}},
		{from: "Community", to: "Community"},
	}
	for _, tt := range tests {
		t.Run(tt.from+" to "+tt.to, func(t *testing.T) {
			state := func(s *model.Sharing) model.State {
				return model.State{Name: config, Galleries: map[string]*model.Gallery{"acme": {
					Location: "westeurope", Sharing: s, Tags: map[string]string{model.ManagedByTag: config},
				}}}
			}
			want := sharing[tt.to]
			if want == nil {
				want = explicitPrivate
			}
			for _, allow := range []bool{false, true} {
				p, _ := planner.Compute(state(want), state(sharing[tt.from]), planner.Options{Now: now, AllowReplace: allow})
				var gallery, share *planner.Change
				for _, c := range p.Changes {
					switch c.Address {
					case model.GalleryAddress("acme"):
						gallery = c
					case model.SharingAddress("acme"):
						share = c
					}
				}
				if tt.rule == "" {
					if p.Refused() || gallery != nil && gallery.Action != planner.NoOp {
						t.Fatalf("allowed conversion planned as %v (%v)", gallery, p.Err())
					}
					var ops []string
					if share != nil {
						for _, op := range share.Sharing {
							ops = append(ops, op.Operation)
						}
					}
					if strings.Join(ops, ",") != strings.Join(tt.ops, ",") {
						t.Errorf("sharing operations %v, want %v", ops, tt.ops)
					}
					continue
				}
				if gallery == nil || gallery.Action != planner.Replace || strings.Join(gallery.ForcedBy, ",") != "sharing.permission" {
					t.Fatalf("allowReplace %v: the gallery change is %+v, want a replace forced by sharing.permission", allow, gallery)
				}
				if allow {
					if p.Refused() {
						t.Errorf("the replace is refused with allowReplace: %v", p.Err())
					}
					continue
				}
				if !p.Refused() || !strings.Contains(p.Err().Error(), tt.rule) || !strings.Contains(p.Err().Error(), "allowReplace") {
					t.Errorf("refusal %v does not name the rule %q and allowReplace", p.Err(), tt.rule)
				}
			}
		})
	}
}

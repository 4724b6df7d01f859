// Package plannertest holds the planner's scenarios — small desired and
// actual states with what their plans must say — for the planner's golden
// tests and for tests that put the same states in the emulator (both read
// paths must plan them alike). It does no I/O.
package plannertest

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
)

// Now is the time the scenarios are planned at.
var Now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

const (
	// Config is the configuration's name: what its mark says.
	Config = "finance"
	// Principal is the group the estate is shared with.
	Principal = "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11"
	// ImageID is the managed image every version is made from.
	ImageID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/base"
)

// Desired is a small declared estate: one gallery with a share, one
// definition with two versions.
func Desired() model.State {
	return model.State{
		Name: Config, Target: model.Target{Local: &model.LocalTarget{}}, MaxDeletes: 10,
		Galleries: map[string]*model.Gallery{
			"acme": {
				Location: "westeurope", Description: "golden images",
				Shares: map[string]*model.Share{"readers": {PrincipalID: Principal, PrincipalType: "Group", Role: "Reader"}},
				Images: map[string]*model.ImageDefinition{
					"web": {
						Publisher: "Contoso", Offer: "Web", SKU: "nginx", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V2",
						Versions: map[string]*model.ImageVersion{
							"1.0.0": Version(map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}}),
							"1.1.0": Version(map[string]model.TargetRegion{"westeurope": {Replicas: 2, Storage: "Standard_LRS"}, "eastus": {Replicas: 1, Storage: "Standard_ZRS"}}),
						},
					},
				},
			},
		},
	}
}

func Version(regions map[string]model.TargetRegion) *model.ImageVersion {
	return &model.ImageVersion{Source: &model.Source{ManagedImage: ImageID}, Location: "westeurope", Replicas: 1, Storage: "Standard_LRS", Regions: regions, SizeGB: 10}
}

// Applied is what the cloud holds after desired was applied: the same
// estate, tagged as managed, shares named and described, versions observed.
func Applied(d model.State) model.State {
	data, _ := json.Marshal(d)
	var a model.State
	_ = json.Unmarshal(data, &a)
	a.Name, a.Target, a.Prune, a.MaxDeletes = "", model.Target{}, false, 0
	mark := func(tags map[string]string) map[string]string {
		out := map[string]string{model.ManagedByTag: Config}
		for k, v := range tags {
			out[k] = v
		}
		return out
	}
	name := 0
	shares := func(in map[string]*model.Share) map[string]*model.Share {
		if len(in) == 0 {
			return nil
		}
		out := map[string]*model.Share{}
		for _, s := range in {
			name++
			c := *s
			c.Name = strings.Repeat(string(rune('a'+name)), 8) + "-0000-0000-0000-000000000000"
			c.Description = model.ShareDescription(Config)
			out[c.Name] = &c
		}
		return out
	}
	for _, g := range a.Galleries {
		g.Tags = mark(g.Tags)
		g.Shares = shares(g.Shares)
		g.Adopt, g.AllowReplace = false, false
		for _, img := range g.Images {
			img.Tags = mark(img.Tags)
			img.Shares = shares(img.Shares)
			for _, v := range img.Versions {
				v.Tags = mark(v.Tags)
				v.Observed = &model.VersionObserved{ProvisioningState: "Succeeded", AggregatedState: "Completed"}
			}
		}
	}
	return a
}

// Scenario is a desired and an actual state, the options to plan them
// with, and what the plan must say.
type Scenario struct {
	Name    string
	Desired func() model.State
	Actual  func() model.State
	Opts    planner.Options
	// Errors are substrings the plan's error diagnostics must contain
	// (none: the plan must be valid).
	Errors []string
	// Refused are the addresses of the changes a safety rule refuses, by
	// the rule; Allow is the flag that would allow each rule ("" none).
	Refused map[model.Address]planner.Rule
	Allow   map[planner.Rule]string
}

// Scenarios are the planner's scenarios, one golden plan each in
// planner/testdata/<name>.
func Scenarios() []Scenario {
	empty := func() model.State { return model.State{} }
	same := func() model.State { return Applied(Desired()) }
	return []Scenario{
		{Name: "create-all", Desired: Desired, Actual: empty},
		{Name: "no-op", Desired: Desired, Actual: same},
		{Name: "update-replicas", Desired: func() model.State {
			d := Desired()
			v := d.Galleries["acme"].Images["web"].Versions["1.1.0"]
			v.Regions["westeurope"] = model.TargetRegion{Replicas: 4, Storage: "Standard_LRS"}
			v.EndOfLife = "2027-06-30"
			return d
		}, Actual: same},
		{Name: "add-remove-region", Desired: func() model.State {
			d := Desired()
			v := d.Galleries["acme"].Images["web"].Versions["1.1.0"]
			delete(v.Regions, "eastus")
			v.Regions["northeurope"] = model.TargetRegion{Replicas: 2, Storage: "Standard_LRS"}
			return d
		}, Actual: same},
		{Name: "storage-change", Desired: func() model.State {
			d := Desired()
			d.Galleries["acme"].Images["web"].Versions["1.1.0"].Regions["eastus"] = model.TargetRegion{Replicas: 1, Storage: "Premium_LRS"}
			return d
		}, Actual: same},
		{Name: "replace-refused", Desired: func() model.State {
			d := Desired()
			d.Galleries["acme"].Images["web"].OSType = "Windows"
			return d
		}, Actual: same, Errors: []string{"osType", "--allow-replace"},
			Refused: map[model.Address]planner.Rule{"gallery/acme/image/web": planner.RuleReplace},
			Allow:   map[planner.Rule]string{planner.RuleReplace: "--allow-replace"}},
		{Name: "replace-refused-beside-creates", Desired: func() model.State {
			d := Desired()
			d.Galleries["acme"].Images["web"].OSType = "Windows"
			d.Galleries["acme"].Images["api"] = &model.ImageDefinition{
				Publisher: "Contoso", Offer: "Api", SKU: "go", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V2",
				Versions: map[string]*model.ImageVersion{"2.0.0": Version(map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}})},
			}
			return d
		}, Actual: same, Errors: []string{"osType", "--allow-replace"},
			Refused: map[model.Address]planner.Rule{"gallery/acme/image/web": planner.RuleReplace},
			Allow:   map[planner.Rule]string{planner.RuleReplace: "--allow-replace"}},
		{Name: "prune-refused-unmanaged-inside", Desired: func() model.State {
			d := Desired()
			d.Prune = true
			d.Galleries = map[string]*model.Gallery{}
			return d
		}, Actual: func() model.State {
			a := Applied(Desired())
			a.Galleries["acme"].Images["handmade"] = &model.ImageDefinition{Publisher: "Someone", Offer: "Else", SKU: "x", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V1"}
			return a
		}, Errors: []string{"Cannot delete", "image definition handmade"},
			Refused: map[model.Address]planner.Rule{"gallery/acme": planner.RuleHoldsUnmanaged},
			Allow:   map[planner.Rule]string{planner.RuleHoldsUnmanaged: ""}},
		{Name: "replace-allowed", Desired: func() model.State {
			d := Desired()
			d.Galleries["acme"].Images["web"].OSType = "Windows"
			return d
		}, Actual: same, Opts: planner.Options{AllowReplace: true}},
		{Name: "replace-takes-undeclared-children", Desired: func() model.State {
			d := Desired()
			d.Galleries["acme"].Images["web"].OSType = "Windows"
			d.Galleries["acme"].Images["web"].AllowReplace = true
			delete(d.Galleries["acme"].Images["web"].Versions, "1.0.0")
			return d
		}, Actual: same},
		{Name: "delete-without-prune", Desired: func() model.State {
			d := Desired()
			delete(d.Galleries["acme"].Images["web"].Versions, "1.0.0")
			return d
		}, Actual: same},
		{Name: "delete-with-prune", Desired: func() model.State {
			d := Desired()
			d.Prune = true
			delete(d.Galleries["acme"].Images["web"].Versions, "1.0.0")
			return d
		}, Actual: same},
		{Name: "unmanaged-present", Desired: Desired, Actual: func() model.State {
			a := Applied(Desired())
			a.Galleries["legacy"] = &model.Gallery{Location: "eastus", Description: "made by hand"}
			a.Galleries["acme"].Images["web"].Versions["0.9.0"] = Version(map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}})
			a.Galleries["acme"].Shares["zzzzzzzz-0000-0000-0000-000000000000"] = &model.Share{PrincipalID: "11111111-1111-1111-1111-111111111111", Role: "Owner", Name: "zzzzzzzz-0000-0000-0000-000000000000"}
			return a
		}, Opts: planner.Options{Prune: true}},
		{Name: "adopt-refused", Desired: Desired, Actual: PackerPublished, Errors: []string{"adopt: true", "--adopt"},
			Refused: map[model.Address]planner.Rule{"gallery/acme/image/web/version/1.1.0": planner.RuleAdopt},
			Allow:   map[planner.Rule]string{planner.RuleAdopt: "--adopt"}},
		{Name: "adopt-allowed", Desired: func() model.State {
			d := Desired()
			v := d.Galleries["acme"].Images["web"].Versions["1.1.0"]
			v.Source, v.Adopt = nil, true
			return d
		}, Actual: PackerPublished},
		{Name: "latest-changes", Desired: func() model.State {
			d := Desired()
			d.Galleries["acme"].Images["web"].Versions["1.2.0"] = Version(map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}})
			d.Galleries["acme"].Images["web"].Versions["1.1.0"].ExcludeFromLatest = true
			return d
		}, Actual: same},
		{Name: "mass-delete-refused", Desired: func() model.State {
			d := Desired()
			d.Prune, d.MaxDeletes = true, 1
			d.Galleries = map[string]*model.Gallery{}
			return d
		}, Actual: same, Errors: []string{"maxDeletes", "--allow-mass-delete"},
			Refused: map[model.Address]planner.Rule{
				"gallery/acme": planner.RuleTooManyDeletes, "gallery/acme/image/web": planner.RuleTooManyDeletes,
				"gallery/acme/image/web/version/1.0.0": planner.RuleTooManyDeletes, "gallery/acme/image/web/version/1.1.0": planner.RuleTooManyDeletes,
			},
			Allow: map[planner.Rule]string{planner.RuleTooManyDeletes: "--allow-mass-delete"}},
		{Name: "share-add-remove", Desired: func() model.State {
			d := Desired()
			d.Prune = true
			d.Galleries["acme"].Shares = map[string]*model.Share{"publishers": {PrincipalID: Principal, Role: "Compute Gallery Artifacts Publisher"}}
			d.Galleries["acme"].Images["web"].Shares = map[string]*model.Share{"readers": {PrincipalID: Principal, Role: "Reader"}}
			return d
		}, Actual: same},
		{Name: "sharing-profile", Desired: func() model.State {
			d := Desired()
			d.Galleries["acme"].Sharing = &model.Sharing{Permission: "Groups", Subscriptions: []string{"22222222-2222-2222-2222-222222222222"}}
			return d
		}, Actual: func() model.State {
			a := Applied(Desired())
			a.Galleries["acme"].Sharing = &model.Sharing{Permission: "Groups", Subscriptions: []string{"33333333-3333-3333-3333-333333333333"}}
			return a
		}},
	}
}

// PackerPublished: version 1.1.0 exists without curator's mark.
func PackerPublished() model.State {
	a := Applied(Desired())
	v := a.Galleries["acme"].Images["web"].Versions["1.1.0"]
	v.Tags = map[string]string{"built-by": "packer"}
	v.Regions = map[string]model.TargetRegion{"westeurope": {Replicas: 1, Storage: "Standard_LRS"}}
	return a
}

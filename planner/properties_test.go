package planner_test

import (
	"strings"
	"testing"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
)

// TestModelProperties covers how the planner treats each property of the
// current service: in place, per region, or forcing a replace.
func TestModelProperties(t *testing.T) {
	const (
		web = "gallery/acme/image/web"
		v11 = "gallery/acme/image/web/version/1.1.0"
		des = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/k/providers/Microsoft.Compute/diskEncryptionSets/"
	)
	img := func(s *model.State) *model.ImageDefinition { return s.Galleries["acme"].Images["web"] }
	ver := func(s *model.State) *model.ImageVersion { return img(s).Versions["1.1.0"] }
	for _, tc := range []struct {
		name    string
		desired func(d *model.State)
		actual  func(a *model.State)
		opts    planner.Options
		addr    string
		action  planner.Action
		forced  string // a field that must force the replace
		field   string // a field diff the change must have
		warning string
		error   string
	}{{
		name:    "architecture unset on the service is x64",
		desired: func(d *model.State) { img(d).Architecture = "x64" },
		actual:  func(a *model.State) { img(a).Architecture = "" },
		addr:    web, action: planner.NoOp,
	}, {
		name:    "architecture forces a replace",
		desired: func(d *model.State) { img(d).Architecture = "Arm64" },
		opts:    planner.Options{AllowReplace: true},
		addr:    web, action: planner.Replace, forced: "architecture",
	}, {
		name:    "features without allowUpdateImage force a replace",
		desired: func(d *model.State) { img(d).Features = map[string]string{"IsAcceleratedNetworkSupported": "True"} },
		opts:    planner.Options{AllowReplace: true},
		addr:    web, action: planner.Replace, forced: "features",
	}, {
		name: "features with allowUpdateImage update in place",
		desired: func(d *model.State) {
			img(d).Features = map[string]string{"IsAcceleratedNetworkSupported": "True"}
			img(d).SecurityType = "TrustedLaunchSupported"
			img(d).AllowUpdateImage = true
		},
		actual: func(a *model.State) { img(a).AllowUpdateImage = true },
		addr:   web, action: planner.Update, field: "securityType",
	}, {
		name: "a feature's startsAtVersion with allowUpdateImage updates in place",
		desired: func(d *model.State) {
			img(d).Features = map[string]string{"IsAcceleratedNetworkSupported": "True"}
			img(d).FeatureVersions = map[string]string{"IsAcceleratedNetworkSupported": "1.2.0"}
			img(d).AllowUpdateImage = true
		},
		actual: func(a *model.State) {
			img(a).Features = map[string]string{"IsAcceleratedNetworkSupported": "True"}
			img(a).AllowUpdateImage = true
		},
		addr: web, action: planner.Update, field: "features",
	}, {
		name: "the security type's startsAtVersion without allowUpdateImage forces a replace",
		desired: func(d *model.State) {
			img(d).SecurityType = "TrustedLaunch"
			img(d).FeatureVersions = map[string]string{model.SecurityTypeFeature: "2.0.0"}
		},
		actual: func(a *model.State) { img(a).SecurityType = "TrustedLaunch" },
		opts:   planner.Options{AllowReplace: true},
		addr:   web, action: planner.Replace, forced: "securityType",
	}, {
		name: "the same feature versions are no change",
		desired: func(d *model.State) {
			img(d).Features = map[string]string{"DiskControllerTypes": "SCSI, NVMe"}
			img(d).FeatureVersions = map[string]string{"DiskControllerTypes": "1.2.0"}
		},
		actual: func(a *model.State) {
			img(a).Features = map[string]string{"DiskControllerTypes": "SCSI, NVMe"}
			img(a).FeatureVersions = map[string]string{"DiskControllerTypes": "1.2.0"}
		},
		addr: web, action: planner.NoOp,
	}, {
		name: "UEFI settings force a replace",
		desired: func(d *model.State) {
			ver(d).UEFI = &model.UEFISettings{SignatureTemplateNames: []string{"MicrosoftWindowsTemplate"}}
		},
		opts: planner.Options{AllowReplace: true},
		addr: v11, action: planner.Replace, forced: "securityProfile.uefiSettings",
	}, {
		name:    "a version published elsewhere keeps its UEFI settings",
		desired: func(d *model.State) { ver(d).Source, ver(d).Adopt = nil, true },
		actual: func(a *model.State) {
			ver(a).Tags = map[string]string{"built-by": "packer"}
			ver(a).UEFI = &model.UEFISettings{SignatureTemplateNames: []string{"MicrosoftWindowsTemplate"}}
		},
		addr: v11, action: planner.Adopt, // no field diff, no replace
	}, {
		name:    "replication mode forces a replace",
		desired: func(d *model.State) { ver(d).ReplicationMode = "Shallow" },
		opts:    planner.Options{AllowReplace: true},
		addr:    v11, action: planner.Replace, forced: "replicationMode",
	}, {
		name:    "replication mode unset on the service is Full",
		desired: func(d *model.State) { ver(d).ReplicationMode = "Full" },
		addr:    v11, action: planner.NoOp,
	}, {
		name: "exclude from latest in one region updates in place",
		desired: func(d *model.State) {
			r := ver(d).Regions["eastus"]
			r.ExcludeFromLatest = true
			ver(d).Regions["eastus"] = r
		},
		addr: v11, action: planner.Update, field: "regions.eastus.excludeFromLatest",
	}, {
		name: "encryption of another region removes and adds it",
		desired: func(d *model.State) {
			r := ver(d).Regions["eastus"]
			r.Encryption = &model.Encryption{OSDisk: des + "east"}
			ver(d).Regions["eastus"] = r
		},
		addr: v11, action: planner.Update, field: "regions",
	}, {
		name: "encryption of the source region forces a replace",
		desired: func(d *model.State) {
			r := ver(d).Regions["westeurope"]
			r.Encryption = &model.Encryption{OSDisk: des + "west"}
			ver(d).Regions["westeurope"] = r
		},
		opts: planner.Options{AllowReplace: true},
		addr: v11, action: planner.Replace, forced: "regions.westeurope.encryption",
	}, {
		// Adopting a version whose source region holds another storage
		// type than the configuration's: the source region cannot be
		// removed and added again, so the plan says what to write instead.
		name:    "adopting a version with other storage in its source region",
		desired: func(d *model.State) { ver(d).Source, ver(d).Adopt = nil, true },
		actual: func(a *model.State) {
			ver(a).Tags = map[string]string{"built-by": "packer"}
			ver(a).Regions = map[string]model.TargetRegion{"westeurope": {Replicas: 2, Storage: "Standard_ZRS"}, "eastus": {Replicas: 1, Storage: "Standard_ZRS"}}
		},
		addr: v11, error: "regions.westeurope.storage",
	}, {
		name:    "an end-of-life date removed from the configuration is removed",
		desired: func(d *model.State) { ver(d).EndOfLife = "" },
		actual:  func(a *model.State) { ver(a).EndOfLife = "2028-01-01" },
		addr:    v11, action: planner.Update, field: "endOfLife",
	}, {
		name:    "an end-of-life date in the past is refused",
		desired: func(d *model.State) { img(d).EndOfLife = "2020-01-01" },
		addr:    web, error: "End of life in the past",
	}, {
		name: "a private gallery cannot become directly shared",
		desired: func(d *model.State) {
			d.Galleries["acme"].Sharing = &model.Sharing{Permission: "Groups", Subscriptions: []string{principal}}
		},
		opts: planner.Options{AllowReplace: true},
		addr: "gallery/acme", action: planner.Replace, forced: "sharing.permission",
	}, {
		name:    "the default safety profile spelled out is no change",
		desired: func(d *model.State) { ver(d).Safety = &model.Safety{AllowDeletionOfReplicatedLocations: true} },
		addr:    v11, action: planner.NoOp,
	}, {
		name:    "a safety profile updates in place",
		desired: func(d *model.State) { ver(d).Safety = &model.Safety{BlockDeletionBeforeEndOfLife: true} },
		addr:    v11, action: planner.Update, field: "safety",
	}, {
		name: "edge zones update in place",
		desired: func(d *model.State) {
			ver(d).EdgeZones = map[string]model.EdgeZone{"microsoftlosangeles1": {Region: "eastus", Replicas: 1, Storage: "StandardSSD_LRS"}}
		},
		addr: v11, action: planner.Update, field: "edgeZones",
	}, {
		name: "another data disk forces a replace",
		desired: func(d *model.State) {
			ver(d).Source = &model.Source{Snapshot: imageID + "-os", DataDisks: []model.DataDiskSource{{LUN: 0, Snapshot: imageID + "-d0"}}}
		},
		actual: func(a *model.State) { ver(a).Source = &model.Source{Snapshot: strings.ToUpper(imageID + "-os")} },
		opts:   planner.Options{AllowReplace: true},
		addr:   v11, action: planner.Replace, forced: "source",
	}, {
		name:    "a safety profile that keeps regions refuses removing one",
		desired: func(d *model.State) { delete(ver(d).Regions, "eastus"); ver(d).Safety = &model.Safety{} },
		actual:  func(a *model.State) { ver(a).Safety = &model.Safety{} },
		addr:    v11, error: "allowDeletionOfReplicatedLocations",
	}, {
		name: "a safety profile that blocks deletion before end of life refuses the delete",
		desired: func(d *model.State) {
			d.Prune = true
			delete(img(d).Versions, "1.1.0")
		},
		actual: func(a *model.State) {
			ver(a).Safety = &model.Safety{AllowDeletionOfReplicatedLocations: true, BlockDeletionBeforeEndOfLife: true}
			ver(a).EndOfLife = "2030-01-01"
		},
		addr: v11, error: "before its end of life 2030-01-01",
	}, {
		name:    "soft delete updates in place",
		desired: func(d *model.State) { d.Galleries["acme"].SoftDelete = true },
		addr:    "gallery/acme", action: planner.Update, field: "softDelete",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			d := desired()
			if tc.desired != nil {
				tc.desired(&d)
			}
			a := applied(desired())
			if tc.actual != nil {
				tc.actual(&a)
			}
			opts := tc.opts
			opts.Now = now
			plan, diags := planner.Compute(d, a, opts)
			if tc.error != "" {
				if err := planner.Refused(diags); err == nil || !strings.Contains(err.Error(), tc.error) {
					t.Fatalf("want an error about %q, got %v", tc.error, err)
				}
				return
			}
			if err := planner.Refused(diags); err != nil {
				t.Fatalf("refused: %v", err)
			}
			var got *planner.Change
			for _, c := range plan.Changes {
				if string(c.Address) == tc.addr {
					got = c
				}
			}
			if tc.action == planner.NoOp {
				if got != nil {
					t.Fatalf("want no change to %s, got %c %v", tc.addr, got.Action, got.Fields)
				}
			} else {
				if got == nil || got.Action != tc.action {
					t.Fatalf("want %c %s, got %+v", tc.action, tc.addr, got)
				}
				if tc.forced != "" && !contains(got.ForcedBy, tc.forced) {
					t.Errorf("forced by %v, want %s", got.ForcedBy, tc.forced)
				}
				if tc.field != "" {
					var paths []string
					for _, f := range got.Fields {
						paths = append(paths, f.Path)
					}
					if !contains(paths, tc.field) {
						t.Errorf("fields %v, want %s", paths, tc.field)
					}
				}
			}
			if tc.warning != "" && !strings.Contains(strings.Join(plan.Warnings.Messages(), "\n"), tc.warning) {
				t.Errorf("warnings %v, want %q", plan.Warnings, tc.warning)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

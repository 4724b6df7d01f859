package planner

import (
	"testing"

	"github.com/curator-dev/curator/model"
)

// TestSameSourceInPlaceAgrees: the allocation-free comparison of sources
// answers as the normalising one, where it answers at all.
func TestSameSourceInPlaceAgrees(t *testing.T) {
	const snap = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/os"
	base := func() *model.Source {
		return &model.Source{Snapshot: snap, HostCaching: "ReadOnly", DataDisks: []model.DataDiskSource{
			{LUN: 0, Disk: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d0"},
			{LUN: 1, VHD: &model.VHDSource{URI: "https://a.blob.core.windows.net/v/d1.vhd", StorageAccount: "/subscriptions/s/x/a"}},
		}}
	}
	for _, tc := range []struct {
		name   string
		change func(*model.Source)
		want   bool
	}{
		{"same", func(*model.Source) {}, true},
		{"case of an ID", func(s *model.Source) {
			s.Snapshot = "/SUBSCRIPTIONS/S/resourcegroups/RG/providers/microsoft.compute/snapshots/OS"
		}, true},
		{"host caching", func(s *model.Source) { s.HostCaching = "None" }, true},
		{"another snapshot", func(s *model.Source) { s.Snapshot += "2" }, false},
		{"disk instead of snapshot", func(s *model.Source) { s.Disk, s.Snapshot = s.Snapshot, "" }, false},
		{"a data disk fewer", func(s *model.Source) { s.DataDisks = s.DataDisks[:1] }, false},
		{"data disks out of LUN order", func(s *model.Source) { s.DataDisks[0], s.DataDisks[1] = s.DataDisks[1], s.DataDisks[0] }, true},
		{"another LUN", func(s *model.Source) { s.DataDisks[1].LUN = 2 }, false},
		{"data disk VHD account", func(s *model.Source) {
			s.DataDisks[1].VHD = &model.VHDSource{URI: s.DataDisks[1].VHD.URI, StorageAccount: "/subscriptions/s/x/b"}
		}, false},
		{"VHD instead of snapshot", func(s *model.Source) {
			s.Snapshot, s.VHD = "", &model.VHDSource{URI: "https://a.blob.core.windows.net/v/os.vhd", StorageAccount: "other"}
		}, false},
		{"non-ASCII ID in another case", func(s *model.Source) { s.Snapshot = snap + "Ä" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := base(), base()
			tc.change(b)
			if got := sameSource(a, b); got != tc.want {
				t.Errorf("sameSource = %v, want %v", got, tc.want)
			}
			if got := sameSource(b, a); got != tc.want {
				t.Errorf("sameSource reversed = %v, want %v", got, tc.want)
			}
		})
	}
	// Non-ASCII IDs compared as ToLower compares them.
	a, b := &model.Source{Snapshot: "/x/ÄBC"}, &model.Source{Snapshot: "/X/äbc"}
	if equal, ok := sameSourceInPlace(a, b); !ok || !equal {
		t.Errorf("non-ASCII IDs differing in case: equal %v ok %v, want equal", equal, ok)
	}
}

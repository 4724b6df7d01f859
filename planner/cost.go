package planner

import (
	_ "embed"
	"encoding/json"
	"math"

	"github.com/curator-dev/curator/model"
)

//go:embed prices.json
var pricesJSON []byte

// DefaultPrices is the shipped price table.
func DefaultPrices() *PriceTable {
	var t PriceTable
	if err := json.Unmarshal(pricesJSON, &t); err != nil {
		panic("planner: embedded prices.json: " + err.Error())
	}
	return &t
}

// estimate prices a plan: the monthly storage delta (used size × replicas ×
// regions × price per GB-month of each region's storage type) and the
// one-time egress for copying the first replica to each new region other
// than the source region (further replicas are copied inside the region,
// free).
func estimate(changes []*Change, prices *PriceTable) Cost {
	cost := Cost{PriceTableDate: prices.Date, PriceTableSource: prices.Source}
	for _, c := range changes {
		if c.Kind != KindVersion || c.Replication == nil {
			continue
		}
		size, source := versionSize(c)
		r := c.Replication
		if size == 0 && (len(r.Added) > 0 || len(r.Removed) > 0 || len(r.Changed) > 0) {
			cost.Unsized++
		}
		for _, a := range r.Added {
			cost.MonthlyStorageDelta += size * float64(a.AfterReplicas) * prices.Storage(a.AfterStorage)
			if a.Region != source {
				cost.OneTimeEgress += size * prices.EgressGB
			}
		}
		for _, rm := range r.Removed {
			cost.MonthlyStorageDelta -= size * float64(rm.BeforeReplicas) * prices.Storage(rm.BeforeStorage)
		}
		if before := versionOf(c.Before); c.Action == Replace && before != nil {
			// The replaced version's replicas are deleted; its successor's
			// are counted as added above.
			for _, tr := range before.Regions {
				cost.MonthlyStorageDelta -= size * float64(tr.Replicas) * prices.Storage(tr.Storage)
			}
		}
		for _, ch := range r.Changed {
			cost.MonthlyStorageDelta += size * float64(ch.AfterReplicas-ch.BeforeReplicas) * prices.Storage(ch.AfterStorage)
		}
	}
	cost.MonthlyStorageDelta = round2(cost.MonthlyStorageDelta)
	cost.OneTimeEgress = round2(cost.OneTimeEgress)
	return cost
}

func round2(f float64) float64 {
	r := math.Round(f*100) / 100
	if r == 0 {
		return 0 // no "-0"
	}
	return r
}

// versionSize is the used size of a change's version — the actual size
// where the cloud reports it, else the sizeGB hint — and its source region.
func versionSize(c *Change) (float64, string) {
	var size float64
	var source string
	if v := versionOf(c.Before); v != nil {
		source = v.Location
		if v.SizeGB > 0 {
			size = v.SizeGB
		}
	}
	if v := versionOf(c.After); v != nil {
		source = v.Location
		if size == 0 {
			size = v.SizeGB
		}
	}
	return size, source
}

func versionOf(x any) *model.ImageVersion {
	v, _ := x.(*model.ImageVersion)
	return v
}

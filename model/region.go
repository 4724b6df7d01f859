package model

import "strings"

// NormalizeRegion returns the canonical ARM name of a region: lower case with
// spaces removed, so "West Europe" and "westeurope" are the same region.
func NormalizeRegion(region string) string {
	var b strings.Builder
	b.Grow(len(region))
	for _, r := range strings.ToLower(region) {
		if r == ' ' || r == '\t' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

package planner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/curator-dev/curator/model"
)

// ReadPrices reads a price table file, in the format of the shipped
// prices.json, for Options.Prices. Errors name the file.
func ReadPrices(name string) (*PriceTable, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("price table: %w", err)
	}
	t, err := ParsePrices(data)
	if err != nil {
		return nil, fmt.Errorf("price table %s: %w (see planner/prices.json for the format)", name, err)
	}
	return t, nil
}

var priceDateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// ParsePrices decodes a price table strictly: unknown fields, a missing or
// unknown storage type, a missing egress price and negative prices are
// errors, so that a typo never prices a plan at zero.
func ParsePrices(data []byte) (*PriceTable, error) {
	var raw struct {
		Date           string              `json:"date"`
		Source         string              `json:"source"`
		StorageGBMonth map[string]*float64 `json:"storageGBMonth"`
		EgressGB       *float64            `json:"egressGB"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not a price table: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not a price table: more after the JSON object")
	}
	var problems []string
	if raw.Date != "" && !priceDateRE.MatchString(raw.Date) {
		problems = append(problems, fmt.Sprintf("date %q is not YYYY-MM-DD", raw.Date))
	}
	t := &PriceTable{Date: raw.Date, Source: raw.Source, StorageGBMonth: map[string]float64{}}
	for _, st := range pricedStorageTypes {
		if _, ok := raw.StorageGBMonth[st]; !ok {
			problems = append(problems, fmt.Sprintf("storageGBMonth has no price for %s", st))
		}
	}
	for _, st := range slices.Sorted(maps.Keys(raw.StorageGBMonth)) {
		p := raw.StorageGBMonth[st]
		switch {
		case !slices.Contains(model.StorageTypes, st):
			problems = append(problems, fmt.Sprintf("storageGBMonth: %q is not a storage type (want %s)", st, strings.Join(model.StorageTypes, ", ")))
		case p == nil:
			problems = append(problems, fmt.Sprintf("storageGBMonth.%s is null: give a price", st))
		case *p < 0 || math.IsNaN(*p) || math.IsInf(*p, 0):
			problems = append(problems, fmt.Sprintf("storageGBMonth.%s is %v: a price is 0 or more", st, *p))
		default:
			t.StorageGBMonth[st] = *p
		}
	}
	switch {
	case raw.EgressGB == nil:
		problems = append(problems, "egressGB is missing: give the price of one GB copied between regions (0 if free)")
	case *raw.EgressGB < 0:
		problems = append(problems, fmt.Sprintf("egressGB is %v: a price is 0 or more", *raw.EgressGB))
	default:
		t.EgressGB = *raw.EgressGB
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return t, nil
}

// pricedStorageTypes must have a price in every table; a table without a
// price for PremiumV2_LRS prices it as Premium_LRS (see PriceTable.Storage).
var pricedStorageTypes = []string{"Standard_LRS", "Standard_ZRS", "Premium_LRS"}

// Storage is the price of one GB-month of a storage type.
func (t *PriceTable) Storage(storageType string) float64 {
	if p, ok := t.StorageGBMonth[storageType]; ok {
		return p
	}
	if storageType == "PremiumV2_LRS" {
		return t.StorageGBMonth["Premium_LRS"]
	}
	return 0
}

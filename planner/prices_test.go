package planner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePrices(t *testing.T) {
	shipped, err := ParsePrices(pricesJSON)
	if err != nil {
		t.Fatalf("the shipped prices.json is refused: %v", err)
	}
	if diff := cmp.Diff(DefaultPrices(), shipped); diff != "" {
		t.Errorf("parsed shipped table differs from DefaultPrices (-want +got):\n%s", diff)
	}
	const storage = `"storageGBMonth": {"Standard_LRS": 0.04, "Standard_ZRS": 0.05, "Premium_LRS": 0.1}`
	for _, tc := range []struct {
		name, json, want string
	}{
		{"valid", `{"date": "2027-01-01", "source": "negotiated", ` + storage + `, "egressGB": 0}`, ""},
		{"date and source are optional", `{` + storage + `, "egressGB": 0.01}`, ""},
		{"unknown field", `{` + storage + `, "egressGB": 0, "egress": 1}`, `unknown field "egress"`},
		{"negative storage price", `{"storageGBMonth": {"Standard_LRS": -1, "Standard_ZRS": 0.05, "Premium_LRS": 0.1}, "egressGB": 0}`, "storageGBMonth.Standard_LRS is -1: a price is 0 or more"},
		{"negative egress", `{` + storage + `, "egressGB": -0.5}`, "egressGB is -0.5: a price is 0 or more"},
		{"missing storage type", `{"storageGBMonth": {"Standard_LRS": 0.04, "Standard_ZRS": 0.05}, "egressGB": 0}`, "storageGBMonth has no price for Premium_LRS"},
		{"unknown storage type", `{"storageGBMonth": {"Standard_LRS": 0.04, "Standard_ZRS": 0.05, "Premium_LRS": 0.1, "Premium_ZRS": 0.2}, "egressGB": 0}`, `"Premium_ZRS" is not a storage type`},
		{"null price", `{"storageGBMonth": {"Standard_LRS": null, "Standard_ZRS": 0.05, "Premium_LRS": 0.1}, "egressGB": 0}`, "storageGBMonth.Standard_LRS is null"},
		{"missing egress", `{` + storage + `}`, "egressGB is missing"},
		{"price as a string", `{"storageGBMonth": {"Standard_LRS": "0.04", "Standard_ZRS": 0.05, "Premium_LRS": 0.1}, "egressGB": 0}`, "not a price table"},
		{"bad date", `{"date": "Jan 2027", ` + storage + `, "egressGB": 0}`, `date "Jan 2027" is not YYYY-MM-DD`},
		{"trailing data", `{` + storage + `, "egressGB": 0} {}`, "more after the JSON object"},
		{"not JSON", `storageGBMonth: 1`, "not a price table"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePrices([]byte(tc.json))
			if tc.want == "" {
				if err != nil || p == nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestReadPricesNamesTheFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "my-prices.json")
	if err := os.WriteFile(name, []byte(`{"egressGB": -1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadPrices(name)
	if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "egressGB is -1") {
		t.Errorf("error %v, want one naming %s and the problem", err, name)
	}
	if _, err := ReadPrices(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("error %v, want one naming the missing file", err)
	}
}

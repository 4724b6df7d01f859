package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPricesFlag: --prices FILE prices the plan of plan, drift and apply
// with the user's table, and a bad table stops every command that takes it
// (watch too) with an error naming the file and the problem.
func TestPricesFlag(t *testing.T) {
	cfg, state := setup(t)
	sized := strings.Replace(config, "regions: {westeurope", "sizeGB: 10\n\t\t\tregions: {westeurope", 1)
	sized = strings.NewReplacer("%REPLICAS%", "2", "%OSTYPE%", `"Linux"`, "%PRUNE%", "").Replace(sized)
	if err := os.WriteFile(filepath.Join(cfg, "main.cue"), []byte(sized), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	free := filepath.Join(dir, "free.json")
	if err := os.WriteFile(free, []byte(`{"date": "2027-01-01", "source": "negotiated: storage and egress free",
		"storageGBMonth": {"Standard_LRS": 0, "Standard_ZRS": 0, "Premium_LRS": 0}, "egressGB": 0}`), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"storageGBMonth": {"Standard_LRS": -1, "Standard_ZRS": 0}, "egressGB": 0}`), 0o644); err != nil {
		t.Fatal(err)
	}

	shipped := curator(t, state, "plan", cfg, "-o", "json")
	expect(t, shipped, 0, `"price_table_source":"Approximate Azure list prices`)
	if strings.Contains(shipped.stdout, `"one_time_egress_usd":0,`) {
		t.Fatalf("the shipped table prices this plan's egress at 0; the test cannot tell the tables apart:\n%s", shipped.stdout)
	}
	expect(t, curator(t, state, "plan", cfg, "-o", "json", "--prices", free), 0,
		`"price_table_source":"negotiated: storage and egress free"`, `"one_time_egress_usd":0,`, `"monthly_storage_delta_usd":0,`)
	expect(t, curator(t, state, "apply", cfg, "--auto-approve", "--prices", free), 0, "$0.00 egress")
	expect(t, curator(t, state, "drift", cfg, "-o", "json", "--prices", free), 0, `"price_table_source":"negotiated: storage and egress free"`)

	for _, cmd := range [][]string{
		{"plan", cfg}, {"apply", cfg, "--auto-approve"}, {"drift", cfg}, {"watch", cfg},
	} {
		r := curator(t, state, append(cmd, "--prices", bad)...)
		expect(t, r, 1, bad, "storageGBMonth.Standard_LRS is -1", "storageGBMonth has no price for Premium_LRS")
	}
	r := curator(t, state, "plan", cfg, "--prices", filepath.Join(dir, "missing.json"))
	expect(t, r, 1, "missing.json")
}

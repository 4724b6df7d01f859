package estate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/curator-dev/curator/examples/gen/estate"
	"github.com/curator-dev/curator/schema"
)

func TestGeneratedEstateIsValidAndDeterministic(t *testing.T) {
	o := estate.Options{Galleries: 3, Definitions: 12, Versions: 100, Regions: 3, Shares: 2, Seed: 7, Name: "gen", Target: "local: {}"}
	a, b := t.TempDir(), t.TempDir()
	if err := estate.Write(a, o); err != nil {
		t.Fatal(err)
	}
	if err := estate.Write(b, o); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(a)
	for _, e := range entries {
		x, _ := os.ReadFile(filepath.Join(a, e.Name()))
		y, _ := os.ReadFile(filepath.Join(b, e.Name()))
		if string(x) != string(y) {
			t.Errorf("%s differs between two runs with the same seed", e.Name())
		}
	}
	st, diags := schema.Load(os.DirFS(a))
	if diags.HasErrors() {
		t.Fatal(schema.Err(diags))
	}
	if c := st.Counts(); c.Galleries != 3 || c.Definitions != 12 || c.Versions != 100 || c.Shares != 6 {
		t.Errorf("counts = %+v", c)
	}
}

func TestLimitsRefused(t *testing.T) {
	for _, o := range []estate.Options{{Galleries: 0, Definitions: 1, Regions: 1}, {Galleries: 1, Definitions: 1001, Regions: 1}, {Galleries: 1, Definitions: 1, Versions: 10001, Regions: 1}, {Galleries: 1, Definitions: 1, Regions: 99}} {
		if err := o.Validate(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

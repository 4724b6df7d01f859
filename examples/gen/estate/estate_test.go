package estate_test

import (
	"encoding/json"
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

// The templated style is the same configuration as the plain one: the
// same state once loaded.
func TestTemplatedIsThePlainEstate(t *testing.T) {
	for _, o := range []estate.Options{
		{Galleries: 3, Definitions: 12, Versions: 100, Regions: 3, Shares: 2, Seed: 7, Name: "gen", Target: "local: {}"},
		{Galleries: 4, Definitions: 8, Versions: 40, Regions: 2, Shares: 1, Seed: 3, Name: "gen", Target: "local: {}", Locations: 2},
	} {
		samePlainAndTemplated(t, o)
	}
}

func samePlainAndTemplated(t *testing.T, o estate.Options) {
	t.Helper()
	plain, templated := t.TempDir(), t.TempDir()
	if err := estate.Write(plain, o); err != nil {
		t.Fatal(err)
	}
	o.Style = estate.StyleTemplated
	if err := estate.Write(templated, o); err != nil {
		t.Fatal(err)
	}
	var states [2]string
	for i, dir := range []string{plain, templated} {
		st, diags := schema.Load(os.DirFS(dir))
		if diags.HasErrors() {
			t.Fatalf("%s: %v", dir, schema.Err(diags))
		}
		data, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		states[i] = string(data)
	}
	if states[0] != states[1] {
		i := 0
		for i < len(states[0]) && i < len(states[1]) && states[0][i] == states[1][i] {
			i++
		}
		lo := max(0, i-200)
		t.Errorf("the templated estate differs from the plain one at %d:\nplain:     %.400s\ntemplated: %.400s", i, states[0][lo:], states[1][lo:])
	}
}

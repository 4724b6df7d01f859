package emulator_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"testing"

	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/internal/tagcases"
)

// TestTagRules: a gallery or image definition written with each case's
// tags and curator's ownership tag is refused with the code Resource
// Manager answers, or accepted. The schema's TestTagRules checks curator's
// validation against the same cases.
func TestTagRules(t *testing.T) {
	c := start(t, emulator.Options{ReplicationRate: 1e6})
	createRG(t, c)
	base := c.srv.URL() + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/"
	if r := do(t, http.MethodPut, base+"g?api-version="+emulator.ComputeAPIVersion, `{"location":"westeurope"}`, true); r.StatusCode != http.StatusCreated {
		t.Fatalf("gallery: %s", r.Status)
	}
	for i, tc := range tagcases.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			tags := maps.Clone(tc.Tags)
			tags[tagcases.OwnershipTag] = "default"
			resources := map[string]map[string]any{
				fmt.Sprintf("g%d", i): {"location": "westeurope", "tags": tags},
				fmt.Sprintf("g/images/i%d", i): {"location": "westeurope", "tags": tags, "properties": map[string]any{
					"identifier": map[string]any{"publisher": "P", "offer": "O", "sku": fmt.Sprint(i)},
					"osType":     "Linux", "osState": "Generalized", "hyperVGeneration": "V1",
				}},
			}
			for path, body := range resources {
				data, err := json.Marshal(body)
				if err != nil {
					t.Fatal(err)
				}
				r := do(t, http.MethodPut, base+path+"?api-version="+emulator.ComputeAPIVersion, string(data), true)
				got := r.Header.Get("x-ms-error-code")
				if r.StatusCode < 300 {
					got = ""
				} else if r.StatusCode != http.StatusBadRequest {
					t.Errorf("%s: %s %s, want 400 or success", path, r.Status, got)
				}
				if got != tc.Service {
					t.Errorf("%s: error code %q, want %q", path, got, tc.Service)
				}
			}
		})
	}
}

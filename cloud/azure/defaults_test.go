package azure_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
)

// TestUpdateKeepsADefinitionWithoutSecurityFeature: a Generation 2
// definition made before api-version 2025-03-03 has no SecurityType
// feature, which curator reads as "no security type" — as it does
// Standard, the value it writes itself. Updating such a definition, by
// PATCH or by PUT, leaves its features alone (a change from no feature to
// Standard would be refused without allowUpdateImage), and so does a PUT
// for its architecture (absent: x64); creating one writes Standard.
func TestUpdateKeepsADefinitionWithoutSecurityFeature(t *testing.T) {
	ctx := context.Background()
	c, srv := setup(t, emulator.Options{})
	if err := c.CreateGallery(ctx, "acme", gallery()); err != nil {
		t.Fatal(err)
	}
	base := srv.URL() + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/acme/images/"
	call := func(method, name, apiVersion, body string) map[string]any {
		t.Helper()
		req, err := http.NewRequest(method, base+name+"?api-version="+apiVersion, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer owner")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, name, resp.StatusCode, data)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	securityFeature := func(name string) (string, bool) {
		t.Helper()
		p, _ := call(http.MethodGet, name, emulator.ComputeAPIVersion, "")["properties"].(map[string]any)
		fs, _ := p["features"].([]any)
		for _, f := range fs {
			m, _ := f.(map[string]any)
			if strings.EqualFold(m["name"].(string), "SecurityType") {
				return m["value"].(string), true
			}
		}
		return "", false
	}
	call(http.MethodPut, "old", "2024-03-03", `{"location":"westeurope","tags":{"`+model.ManagedByTag+`":"test"},"properties":{`+
		`"identifier":{"publisher":"Contoso","offer":"Old","sku":"gen2"},"osType":"Linux","osState":"Generalized","hyperVGeneration":"V2",`+
		`"endOfLifeDate":"2030-01-01T00:00:00Z","features":[{"name":"IsAcceleratedNetworkSupported","value":"True"}]}}`)

	d := &model.ImageDefinition{Publisher: "Contoso", Offer: "Old", SKU: "gen2", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V2",
		Architecture: "x64", EndOfLife: "2030-01-01", Description: "patched", Features: map[string]string{"IsAcceleratedNetworkSupported": "True"}}
	steps := []struct {
		name   string
		change func()
	}{
		{"a PATCH (description)", func() { d.Description = "patched" }},
		{"a PATCH with allowUpdateImage", func() { d.AllowUpdateImage = true }},
		{"a PUT (end of life removed)", func() { d.EndOfLife = "" }},
		{"a PUT with allowUpdateImage off", func() { d.AllowUpdateImage = false; d.EndOfLife = "2031-01-01" }},
		{"a PUT without it again", func() { d.EndOfLife = "" }},
	}
	for _, s := range steps {
		s.change()
		if err := c.UpdateImage(ctx, "acme", "old", d); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if v, ok := securityFeature("old"); ok {
			t.Errorf("%s wrote SecurityType %q on a definition that had none", s.name, v)
		}
	}

	if err := c.CreateImage(ctx, "acme", "new", &model.ImageDefinition{Publisher: "Contoso", Offer: "New", SKU: "gen2", OSType: "Linux", OSState: "Generalized", HyperVGeneration: "V2"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := securityFeature("new"); v != model.SecurityTypeStandard {
		t.Errorf("a V2 definition without a security type was created with SecurityType %q, want %q", v, model.SecurityTypeStandard)
	}
	st, err := c.ReadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"old", "new"} {
		if got := st.Galleries["acme"].Images[name].SecurityType; got != "" {
			t.Errorf("%s read with security type %q, want none", name, got)
		}
	}
}

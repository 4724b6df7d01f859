package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/curator-dev/curator/cloud/emulator"
)

// rawAs sends one request with host as its Host header and returns the
// status, the headers and the decoded body.
func rawAs(t *testing.T, srv *emulator.Server, host, method, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return resp.StatusCode, resp.Header, out
}

// TestEmptyListsAreEmptyArrays: every list answers "value": [] when it has
// nothing to list, as ARM does — the Python SDK and the az CLI iterate the
// value and crash on null.
func TestEmptyListsAreEmptyArrays(t *testing.T) {
	c := start(t, emulator.Options{})
	createRG(t, c)
	gallery(c, t, "acme")
	if err := image(c, t, "acme", "one", "sku"); err != nil {
		t.Fatal(err)
	}
	rgPath := "/subscriptions/" + sub + "/resourceGroups/" + rg
	c2 := "api-version=" + emulator.ComputeAPIVersion
	for _, path := range []string{
		"/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Compute/galleries?" + c2,
		"/subscriptions/" + sub + "/resourceGroups/empty/providers/Microsoft.Compute/galleries?" + c2,
		rgPath + "/providers/Microsoft.Compute/galleries/acme/images/one/versions?" + c2,
		"/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01",
		rgPath + "/providers/Microsoft.Compute/galleries/acme/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=" + url.QueryEscape("principalId eq '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'"),
	} {
		status, _, body := rawAs(t, c.srv, "", http.MethodGet, path, "")
		v, ok := body["value"].([]any)
		if status != http.StatusOK || !ok || len(v) != 0 {
			t.Errorf("GET %s: %d %v, want 200 with \"value\": []", path, status, body)
		}
	}
}

// TestURLsFollowTheRequest: nextLink and the long-running-operation URLs
// use the address the client used (a loopback name) and the client's
// api-version; a Host the emulator does not serve never becomes a URL.
func TestURLsFollowTheRequest(t *testing.T) {
	srv := startRaw(t, emulator.Options{PageSize: 1})
	port := srv.URL()[strings.LastIndexByte(srv.URL(), ':')+1:]
	rgPath := "/subscriptions/" + sub + "/resourceGroups/" + rg
	if status, _, _ := rawAs(t, srv, "", http.MethodPut, rgPath+"?api-version=2021-04-01", `{"location":"westeurope"}`); status != http.StatusCreated {
		t.Fatalf("create resource group: %d", status)
	}
	tests := []struct {
		host, version, wantBase string
	}{
		{"localhost:" + port, "2021-10-01", "http://localhost:" + port},
		{"[::1]:" + port, "2022-03-03", "http://[::1]:" + port},
		{"", emulator.ComputeAPIVersion, srv.URL()},
	}
	for i, tt := range tests {
		name := []string{"g1", "g2", "g3"}[i]
		status, h, _ := rawAs(t, srv, tt.host, http.MethodPut, rgPath+"/providers/Microsoft.Compute/galleries/"+name+"?api-version="+tt.version, `{"location":"westeurope"}`)
		if status != http.StatusCreated {
			t.Fatalf("create gallery %s: %d", name, status)
		}
		op := h.Get("Azure-AsyncOperation")
		if !strings.HasPrefix(op, tt.wantBase+"/subscriptions/") || !strings.HasSuffix(op, "?api-version="+tt.version) {
			t.Errorf("Host %q, api-version %s: Azure-AsyncOperation %s, want it at %s with the same api-version", tt.host, tt.version, op, tt.wantBase)
		}
		_, _, list := rawAs(t, srv, tt.host, http.MethodGet, rgPath+"/providers/Microsoft.Compute/galleries?api-version="+tt.version, "")
		next, _ := list["nextLink"].(string)
		u, err := url.Parse(next)
		if i == 0 {
			continue // one gallery: no next page yet
		}
		if err != nil || !strings.HasPrefix(next, tt.wantBase+"/subscriptions/") || u.Query().Get("api-version") != tt.version {
			t.Errorf("Host %q, api-version %s: nextLink %q, want it at %s with the same api-version", tt.host, tt.version, next, tt.wantBase)
		}
	}

	// With AllowNonLoopback, a foreign Host is served but the URLs stay
	// at the listen address.
	open := startRaw(t, emulator.Options{AllowNonLoopback: true})
	if status, _, _ := rawAs(t, open, "", http.MethodPut, rgPath+"?api-version=2021-04-01", `{"location":"westeurope"}`); status != http.StatusCreated {
		t.Fatalf("create resource group: %d", status)
	}
	_, h, _ := rawAs(t, open, "attacker.example:443", http.MethodPut, rgPath+"/providers/Microsoft.Compute/galleries/g?api-version=2021-10-01", `{"location":"westeurope"}`)
	if op := h.Get("Azure-AsyncOperation"); !strings.HasPrefix(op, open.URL()+"/") {
		t.Errorf("a non-loopback Host made the operation URL %s; want it at %s", op, open.URL())
	}
}

// TestVersionPutWithoutSourceKeepsIt: a PUT that leaves out the source —
// as `az sig image-version update` does for a version made from a managed
// image — keeps the stored source, for every kind of source; a different
// source is still refused.
func TestVersionPutWithoutSourceKeepsIt(t *testing.T) {
	c := start(t, emulator.Options{ReplicationRate: 1e6})
	createRG(t, c)
	gallery(c, t, "acme")
	if err := image(c, t, "acme", "one", "sku"); err != nil {
		t.Fatal(err)
	}
	base := "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/acme/images/one/versions/"
	image := "/subscriptions/" + sub + "/resourceGroups/src/providers/Microsoft.Compute/images/base"
	snap := "/subscriptions/" + sub + "/resourceGroups/src/providers/Microsoft.Compute/snapshots/os"
	snap2 := "/subscriptions/" + sub + "/resourceGroups/src/providers/Microsoft.Compute/snapshots/data"
	const regions = `"publishingProfile":{"targetRegions":[{"name":"westeurope"}]}`
	tests := []struct {
		name, create, update string
		status               int
		wantSource           string // JSON path storageProfile.<…>.id kept
	}{
		{"managed image, storageProfile left out",
			`{"location":"westeurope","properties":{` + regions + `,"storageProfile":{"source":{"id":"` + image + `"}}}}`,
			`{"location":"westeurope","tags":{"a":"b"},"properties":{` + regions + `}}`,
			http.StatusOK, image},
		{"managed image, source null and no disks (az sig image-version update)",
			`{"location":"westeurope","properties":{` + regions + `,"storageProfile":{"source":{"id":"` + image + `"}}}}`,
			`{"location":"westeurope","properties":{` + regions + `,"storageProfile":{"source":null}}}`,
			http.StatusOK, image},
		{"snapshot, OS disk named without its source",
			`{"location":"westeurope","properties":{` + regions + `,"storageProfile":{"osDiskImage":{"source":{"id":"` + snap + `"}},"dataDiskImages":[{"lun":0,"source":{"id":"` + snap2 + `"}}]}}}`,
			`{"location":"westeurope","properties":{` + regions + `,"storageProfile":{"osDiskImage":{"hostCaching":"ReadOnly"},"dataDiskImages":[{"lun":0,"hostCaching":"None"}]}}}`,
			http.StatusOK, snap},
		{"a different source is still refused",
			`{"location":"westeurope","properties":{` + regions + `,"storageProfile":{"source":{"id":"` + image + `"}}}}`,
			`{"location":"westeurope","properties":{` + regions + `,"storageProfile":{"source":{"id":"` + image + `2"}}}}`,
			http.StatusConflict, image},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := base + []string{"1.0.0", "1.0.1", "1.0.2", "1.0.3"}[i] + "?api-version=2022-03-03"
			if status, _, body := rawAs(t, c.srv, "", http.MethodPut, path, tt.create); status != http.StatusCreated {
				t.Fatalf("create: %d %v", status, body)
			}
			if status, _, body := rawAs(t, c.srv, "", http.MethodPut, path, tt.update); status != tt.status {
				t.Fatalf("update: %d %v, want %d", status, body, tt.status)
			}
			_, _, got := rawAs(t, c.srv, "", http.MethodGet, path, "")
			sp, _ := got["properties"].(map[string]any)["storageProfile"].(map[string]any)
			var id string
			if src, ok := sp["source"].(map[string]any); ok {
				id, _ = src["id"].(string)
			}
			if od, ok := sp["osDiskImage"].(map[string]any); ok && id == "" {
				src, _ := od["source"].(map[string]any)
				id, _ = src["id"].(string)
			}
			if id != tt.wantSource {
				t.Errorf("source after the update: %q, want %q (storageProfile %v)", id, tt.wantSource, sp)
			}
			if dd, ok := sp["dataDiskImages"].([]any); ok && len(dd) == 1 {
				if src, _ := dd[0].(map[string]any)["source"].(map[string]any); src["id"] != snap2 {
					t.Errorf("data disk source after the update: %v, want %s", src, snap2)
				}
			}
		})
	}
}

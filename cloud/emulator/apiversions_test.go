package emulator

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// paths lists the JSON paths of v below prefix, arrays as "[]", as the
// table names them.
func paths(prefix string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := prefix + "." + k
			out[p] = true
			paths(p, e, out)
		}
	case []any:
		for _, e := range x {
			out[prefix+"[]"] = true
			paths(prefix+"[]", e, out)
		}
	}
}

// richEstate creates a gallery, an image definition and a version with
// properties from many api-versions, through today's api-version.
func richEstate(t *testing.T) (*Server, map[kind]string) {
	s := newIndexServer(t, Options{})
	g := galleryPath("g")
	urls := map[kind]string{kindGallery: g, kindImage: g + "/images/i", kindVersion: g + "/images/i/versions/1.0.0"}
	mustServe(t, s, http.MethodPut, urls[kindGallery]+ixQ, `{"location":"westeurope","properties":{"description":"d","softDeletePolicy":{"isSoftDeleteEnabled":false},
		"sharingProfile":{"permissions":"Community","communityGalleryInfo":{"publisherUri":"https://c.example","publisherContact":"a@c.example","eula":"e","publicNamePrefix":"contoso"}}}}`, http.StatusCreated)
	mustServe(t, s, http.MethodPut, urls[kindImage]+ixQ, `{"location":"westeurope","properties":{"identifier":{"publisher":"p","offer":"o","sku":"s"},"osType":"Linux","osState":"Generalized",
		"hyperVGeneration":"V2","architecture":"x64","description":"d","eula":"e","privacyStatementUri":"https://p.example","releaseNoteUri":"https://r.example",
		"features":[{"name":"SecurityType","value":"TrustedLaunchSupported","startsAtVersion":"1.0.0"}],"recommended":{"vCPUs":{"min":1,"max":4}},"disallowed":{"diskTypes":["Standard_LRS"]}}}`, http.StatusCreated)
	mustServe(t, s, http.MethodPut, urls[kindVersion]+ixQ, `{"location":"westeurope","properties":{
		"publishingProfile":{"replicaCount":1,"replicationMode":"Full","storageAccountType":"PremiumV2_LRS","excludeFromLatest":false,"endOfLifeDate":"2099-01-01",
			"targetRegions":[{"name":"westeurope","regionalReplicaCount":1,"excludeFromLatest":true,"storageAccountType":"PremiumV2_LRS"}]},
		"safetyProfile":{"allowDeletionOfReplicatedLocations":true,"blockDeletionBeforeEndOfLife":false},
		"storageProfile":{"source":{"id":"`+ixRG+`/providers/Microsoft.Compute/images/src"}}}}`, http.StatusCreated)
	return s, urls
}

// TestAnswersHaveOnlyTheirVersionsProperties: for every api-version the
// emulator accepts, GET and list answer no property that the
// specification introduced after it (nor one it never had), and today's
// answer does have properties introduced after each older version, so the
// check is not vacuous.
func TestAnswersHaveOnlyTheirVersionsProperties(t *testing.T) {
	s, urls := richEstate(t)
	get := func(url string) map[string]any {
		w := serve(t, s, http.MethodGet, url, "")
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", url, w.Code, w.Body.String())
		}
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		return body
	}
	full := map[kind]map[string]bool{}
	for k, u := range urls {
		full[k] = map[string]bool{}
		paths("properties", get(u + ixQ)["properties"], full[k])
	}
	lists := map[kind]string{kindGallery: ixRG + "/providers/Microsoft.Compute/galleries", kindImage: urls[kindGallery] + "/images", kindVersion: urls[kindImage] + "/versions"}
	for _, v := range computeAPIVersions {
		t.Run(v, func(t *testing.T) {
			var later []string
			for _, k := range []kind{kindGallery, kindImage, kindVersion} {
				typ := specType[k]
				answers := []map[string]any{get(urls[k] + "?api-version=" + v)}
				list := get(lists[k] + "?api-version=" + v)
				for _, item := range list["value"].([]any) {
					answers = append(answers, item.(map[string]any))
				}
				for _, a := range answers {
					got := map[string]bool{}
					paths("properties", a["properties"], got)
					for p := range got {
						span, ok := specPaths[typ][p]
						if tabled(v) && (!ok || !span.has(v)) {
							t.Errorf("%s %s: the answer has %s, which api-version %s does not define (table: %v)", typ, v, p, v, span)
						}
					}
				}
				if !tabled(v) {
					continue
				}
				for p := range full[k] {
					if span, ok := specPaths[typ][p]; ok && span.since > v {
						later = append(later, typ+" "+p)
					}
				}
			}
			sort.Strings(later)
			if tabled(v) && v < specVersions[len(specVersions)-1] && len(later) == 0 {
				t.Errorf("%s: today's answers have no property introduced after it; the test shows nothing", v)
			}
		})
	}
}

// TestRequestsForOlderVersions: a property an api-version does not define
// is not stored, and an enum value it does not define is refused, with
// the values it does.
func TestRequestsForOlderVersions(t *testing.T) {
	s := newIndexServer(t, Options{})
	g := galleryPath("g")
	mustServe(t, s, http.MethodPut, g+ixQ, `{"location":"westeurope"}`, http.StatusCreated)
	image := func(name, extra string) string {
		return `{"location":"westeurope","properties":{"identifier":{"publisher":"p","offer":"` + name + `","sku":"s"},"osType":"Linux","osState":"Generalized"` + extra + `}}`
	}
	version := func(storage string) string {
		return `{"location":"westeurope","properties":{"publishingProfile":{"storageAccountType":"` + storage + `","targetRegions":[{"name":"westeurope"}]},
			"safetyProfile":{"allowDeletionOfReplicatedLocations":false},"storageProfile":{"source":{"id":"` + ixRG + `/providers/Microsoft.Compute/images/src"}}}}`
	}
	putImage(t, s, "g", "i", "westeurope")
	tests := []struct {
		name, version, path, body string
		status                    int
		code                      string
	}{
		{"Premium_LRS before 2019-12-01", "2019-07-01", "/images/i/versions/1.0.0", version("Premium_LRS"), http.StatusBadRequest, "InvalidParameter"},
		{"Premium_LRS from 2019-12-01", "2019-12-01", "/images/i/versions/1.0.1", version("Premium_LRS"), http.StatusCreated, ""},
		{"PremiumV2_LRS before 2024-03-03", "2023-07-03", "/images/i/versions/1.0.2", version("PremiumV2_LRS"), http.StatusBadRequest, "InvalidParameter"},
		{"PremiumV2_LRS from 2024-03-03", "2024-03-03", "/images/i/versions/1.0.3", version("PremiumV2_LRS"), http.StatusCreated, ""},
		{"Community before 2022-01-03", "2021-10-01", "/../c1", `{"location":"westeurope","properties":{"sharingProfile":{"permissions":"Community"}}}`, http.StatusBadRequest, "InvalidParameter"},
		{"hyperVGeneration is ignored by 2019-03-01", "2019-03-01", "/images/gen", image("gen", `,"hyperVGeneration":"V2"`), http.StatusCreated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := strings.Replace(g+tt.path, "/g/../", "/", 1) + "?api-version=" + tt.version
			w := serve(t, s, http.MethodPut, url, tt.body)
			if w.Code != tt.status || w.Header().Get("x-ms-error-code") != tt.code {
				t.Fatalf("got %d %q, want %d %q: %s", w.Code, w.Header().Get("x-ms-error-code"), tt.status, tt.code, w.Body.String())
			}
		})
	}
	// Not stored: read with today's api-version.
	var img struct{ Properties map[string]any }
	json.Unmarshal(serve(t, s, http.MethodGet, g+"/images/gen"+ixQ, "").Body.Bytes(), &img)
	if got := img.Properties["hyperVGeneration"]; got != "V1" {
		t.Errorf("hyperVGeneration written with 2019-03-01 was stored: %v, want the default V1", got)
	}
	var ver struct{ Properties map[string]any }
	json.Unmarshal(serve(t, s, http.MethodGet, g+"/images/i/versions/1.0.1"+ixQ, "").Body.Bytes(), &ver)
	if ver.Properties["safetyProfile"] != nil {
		t.Errorf("safetyProfile written with 2019-12-01 was stored: %v", ver.Properties["safetyProfile"])
	}
	// An update through an old api-version keeps what it cannot see.
	mustServe(t, s, http.MethodPut, g+"/images/i/versions/2.0.0"+ixQ, version("Standard_LRS"), http.StatusCreated)
	mustServe(t, s, http.MethodPut, g+"/images/i/versions/2.0.0?api-version=2021-07-01", version("Standard_LRS"), http.StatusOK)
	json.Unmarshal(serve(t, s, http.MethodGet, g+"/images/i/versions/2.0.0"+ixQ, "").Body.Bytes(), &ver)
	if sp, _ := ver.Properties["safetyProfile"].(map[string]any); sp["allowDeletionOfReplicatedLocations"] != false {
		t.Errorf("a 2021-07-01 update dropped the safetyProfile it cannot see: %v", ver.Properties)
	}
}

package emulator

import (
	"net/http"
	"sort"
	"strings"
)

// The api-versions the emulator accepts, per resource provider: every
// published version of the resource types it serves.
//
// Microsoft.Compute galleries, images, versions and the sharing profile:
// the stable GalleryRP folders of Azure/azure-rest-api-specs
// (specification/compute/resource-manager/Microsoft.Compute/GalleryRP/stable/…),
// the newest two as used by the Azure SDKs (2025-12-03 by @azure/arm-compute
// 25.x, 2026-03-03 by armcompute v8).
//
// Microsoft.Authorization role assignments and role definitions: the
// versions of specification/authorization/resource-manager
// (stable 2015-07-01 and 2022-04-01, and the previews in between), and the
// previews published for one of the two types only: role assignments
// 2017-10-01-preview (preview/2017-10-01-preview/
// authorization-RoleAssignmentsCalls.json) and role definitions
// 2022-05-01-preview (preview/2022-05-01-preview/
// authorization-RoleDefinitionsCalls.json).
var (
	computeAPIVersions = []string{
		"2018-06-01", "2019-03-01", "2019-07-01", "2019-12-01", "2020-09-30",
		"2021-07-01", "2021-10-01", "2022-01-03", "2022-03-03", "2022-08-03",
		"2023-07-03", "2024-03-03", "2025-03-03", "2025-12-03", ComputeAPIVersion,
	}
	authorizationAPIVersions = []string{
		"2015-07-01", "2018-01-01-preview", "2018-09-01-preview", "2020-03-01-preview",
		"2020-04-01-preview", "2020-08-01-preview", "2020-10-01-preview", AuthorizationAPIVersion,
	}
	roleAssignmentOnlyAPIVersions = []string{"2017-10-01-preview"}
	roleDefinitionOnlyAPIVersions = []string{"2022-05-01-preview"}
)

// checkAPIVersion refuses a request whose api-version the addressed
// provider does not publish, as ARM does: 400 MissingApiVersionParameter
// or InvalidApiVersionParameter listing the supported versions.
func checkAPIVersion(r *http.Request, segs []string) *armError {
	v := r.URL.Query().Get("api-version")
	if v == "" {
		return errorf(http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
	}
	lower := strings.ToLower(strings.Join(segs, "/"))
	var want []string
	switch {
	case strings.Contains(lower, "providers/microsoft.authorization/roleassignments"):
		want = sortedVersions(authorizationAPIVersions, roleAssignmentOnlyAPIVersions)
	case strings.Contains(lower, "providers/microsoft.authorization/roledefinitions"):
		want = sortedVersions(authorizationAPIVersions, roleDefinitionOnlyAPIVersions)
	case strings.Contains(lower, "providers/microsoft.authorization/"):
		want = authorizationAPIVersions
	case strings.Contains(lower, "providers/microsoft.compute/"):
		want = computeAPIVersions
	default:
		want = resourcesAPIVersionsFor(segs) // subscriptions.go
	}
	for _, w := range want {
		if v == w {
			return nil
		}
	}
	// Newest first, as ARM lists them.
	list := make([]string, len(want))
	for i, w := range want {
		list[len(want)-1-i] = w
	}
	return errorf(http.StatusBadRequest, "InvalidApiVersionParameter", "The api-version '%s' is invalid. The supported versions are '%s'.", v, strings.Join(list, ","))
}

// sortedVersions is the union of version lists, oldest first.
func sortedVersions(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	sort.Strings(out)
	return out
}

// apiAtLeast reports whether api-version v is min or later (dates compare
// as strings; a preview suffix sorts after its date).
func apiAtLeast(v, min string) bool { return v >= min }

// shapeForAPIVersion returns body as the given api-version of the resource
// type returns it: properties the version does not know are left out.
// Body is not modified; the result shares what it does not change.
func shapeForAPIVersion(k kind, v string, body map[string]any) map[string]any {
	if v == "" || apiAtLeast(v, "2020-09-30") {
		return body
	}
	out := make(map[string]any, len(body))
	for key, val := range body {
		out[key] = val
	}
	p, _ := body["properties"].(map[string]any)
	if p == nil {
		return out
	}
	np := make(map[string]any, len(p))
	for key, val := range p {
		np[key] = val
	}
	out["properties"] = np
	switch k {
	case kindGallery:
		// sharingProfile arrived with 2020-09-30.
		delete(np, "sharingProfile")
	case kindImage:
		// hyperVGeneration arrived with 2019-03-01.
		if !apiAtLeast(v, "2019-03-01") {
			delete(np, "hyperVGeneration")
		}
	case kindVersion:
		// Before 2019-07-01 a version's source was
		// publishingProfile.source.managedImage and there was no
		// storageProfile; storageAccountType arrived with 2019-03-01.
		pp, _ := np["publishingProfile"].(map[string]any)
		if pp == nil {
			break
		}
		npp := make(map[string]any, len(pp))
		for key, val := range pp {
			npp[key] = val
		}
		np["publishingProfile"] = npp
		if !apiAtLeast(v, "2019-07-01") {
			if src := versionSource(np); src != "" {
				npp["source"] = map[string]any{"managedImage": map[string]any{"id": src}}
			}
			delete(np, "storageProfile")
		}
		if !apiAtLeast(v, "2019-03-01") {
			delete(npp, "storageAccountType")
			if trs, ok := npp["targetRegions"].([]any); ok {
				out := make([]any, len(trs))
				for i, tr := range trs {
					m, _ := tr.(map[string]any)
					nm := make(map[string]any, len(m))
					for key, val := range m {
						if key != "storageAccountType" {
							nm[key] = val
						}
					}
					out[i] = nm
				}
				npp["targetRegions"] = out
			}
		}
	}
	return out
}

// fromAPIVersion rewrites a request body of an older api-version into the
// current shape: before 2019-07-01 a version's source was
// publishingProfile.source.managedImage.id.
func fromAPIVersion(k kind, v string, body map[string]any) {
	if k != kindVersion || v == "" || apiAtLeast(v, "2019-07-01") {
		return
	}
	p, _ := body["properties"].(map[string]any)
	pp, _ := p["publishingProfile"].(map[string]any)
	src, _ := pp["source"].(map[string]any)
	mi, _ := src["managedImage"].(map[string]any)
	if id := str(mi["id"]); id != "" {
		delete(pp, "source")
		sp, _ := p["storageProfile"].(map[string]any)
		if sp == nil {
			sp = map[string]any{}
			p["storageProfile"] = sp
		}
		sp["source"] = map[string]any{"id": id}
	}
}

package emulator

import (
	"maps"
	"net/http"
	"slices"
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

//go:generate go run ./internal/specgen -specs ${AZURE_REST_API_SPECS} -out apiversions_gen.go

// What each api-version of galleries, image definitions and image versions
// knows is the table in apiversions_gen.go, derived from the REST
// specification by internal/specgen (its header says from which checkout
// and how to re-run it). The service treats a property its api-version
// does not define as absent: a request's is neither stored nor checked,
// an answer leaves it out; an enum value the version does not define is
// refused. Api-versions newer than the newest the table was derived from
// are served whole (every property the emulator knows).

// specSpan is the api-versions a property or enum value is in: since
// through until, or on from since when until is "".
type specSpan struct{ since, until string }

func (s specSpan) has(v string) bool { return v >= s.since && (s.until == "" || v <= s.until) }

// specType is the table's name for a kind.
var specType = [...]string{kindGallery: "galleries", kindImage: "images", kindVersion: "versions"}

// specParents are the paths that have paths below them in the table: a
// value at any other path is kept whole.
var specParents = func() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for typ, paths := range specPaths {
		m := map[string]bool{}
		for p := range paths {
			if i := strings.LastIndexAny(p, ".["); i > 0 {
				m[p[:i]] = true
			}
		}
		out[typ] = m
	}
	return out
}()

// tabled reports whether the table describes api-version v (not one newer
// than it was derived from).
func tabled(v string) bool { return v != "" && v <= specVersions[len(specVersions)-1] }

// forVersion returns the value at path as api-version v of typ has it:
// the properties v does not define are left out. The value is not
// modified; the result shares what it does not change.
func forVersion(typ, v, path string, val any) any {
	switch x := val.(type) {
	case map[string]any:
		if !specParents[typ][path] {
			return val
		}
		out := make(map[string]any, len(x))
		for key, sub := range x {
			p := path + "." + key
			if span, ok := specPaths[typ][p]; ok && span.has(v) {
				out[key] = forVersion(typ, v, p, sub)
			}
		}
		return out
	case []any:
		p := path + "[]"
		if !specParents[typ][p] {
			return val
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = forVersion(typ, v, p, e)
		}
		return out
	}
	return val
}

// checkEnums refuses an enum value that api-version v of typ does not
// define, as the service refuses a value it does not know.
func checkEnums(typ, v, path string, val any) *armError {
	switch x := val.(type) {
	case map[string]any:
		for _, key := range slices.Sorted(maps.Keys(x)) {
			if e := checkEnums(typ, v, path+"."+key, x[key]); e != nil {
				return e
			}
		}
	case []any:
		for _, e := range x {
			if err := checkEnums(typ, v, path+"[]", e); err != nil {
				return err
			}
		}
	case string:
		values, ok := specEnums[typ][path]
		if !ok {
			return nil
		}
		var allowed []string
		for value, span := range values {
			if span.has(v) {
				if strings.EqualFold(value, x) {
					return nil
				}
				allowed = append(allowed, value)
			}
		}
		if len(allowed) == 0 {
			return nil
		}
		sort.Strings(allowed)
		return invalid("The value '%s' of parameter '%s' is not allowed in api-version %s. Allowed values are: %s.", x, strings.TrimPrefix(strings.ReplaceAll(path, "[]", ""), "properties."), v, strings.Join(allowed, ", "))
	}
	return nil
}

// requestForVersion checks a request's enum values against api-version v
// and drops the properties v does not define. On an update, the
// properties the old version cannot see are the resource's as they were
// (a client of an older version neither sees nor changes them; arrays
// are taken whole from the request).
func requestForVersion(k kind, v string, body map[string]any, existing *resource) *armError {
	if !tabled(v) {
		return nil
	}
	typ := specType[k]
	p, ok := body["properties"].(map[string]any)
	if !ok {
		return nil
	}
	if e := checkEnums(typ, v, "properties", p); e != nil {
		return e
	}
	kept := forVersion(typ, v, "properties", p).(map[string]any)
	if existing != nil {
		keepUnseen(typ, v, "properties", props(existing), kept)
	}
	body["properties"] = kept
	return nil
}

// keepUnseen copies into next the properties of old that api-version v
// does not define.
func keepUnseen(typ, v, path string, old, next map[string]any) {
	for key, val := range old {
		p := path + "." + key
		span, ok := specPaths[typ][p]
		switch {
		case !ok || !span.has(v):
			if _, set := next[key]; !set {
				next[key] = cloneJSON(val)
			}
		case specParents[typ][p]:
			om, ok1 := val.(map[string]any)
			nm, ok2 := next[key].(map[string]any)
			if ok1 && ok2 {
				keepUnseen(typ, v, p, om, nm)
			}
		}
	}
}

// cloneJSON copies a decoded JSON value, so that the request's copy can be
// changed without changing the stored resource.
func cloneJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneJSON(e)
		}
		return out
	}
	return v
}

// shapeForAPIVersion returns body as the given api-version of the resource
// type returns it: properties the version does not know are left out, and
// before 2019-07-01 a version's source is publishingProfile.source.
// managedImage. Body is not modified; the result shares what it does not
// change.
func shapeForAPIVersion(k kind, v string, body map[string]any) map[string]any {
	if !tabled(v) {
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
	if k == kindVersion && !apiAtLeast(v, "2019-07-01") {
		if src := versionSource(p); src != "" {
			np := make(map[string]any, len(p))
			for key, val := range p {
				np[key] = val
			}
			pp, _ := p["publishingProfile"].(map[string]any)
			npp := make(map[string]any, len(pp)+1)
			for key, val := range pp {
				npp[key] = val
			}
			npp["source"] = map[string]any{"managedImage": map[string]any{"id": src}}
			np["publishingProfile"] = npp
			p = np
		}
	}
	out["properties"] = forVersion(specType[k], v, "properties", p)
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

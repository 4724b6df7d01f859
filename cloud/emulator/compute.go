package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// kind is a Compute Gallery resource type.
type kind int

const (
	kindGallery kind = iota
	kindImage
	kindVersion
)

var kinds = [...]struct {
	armType  string // ARM resource type
	segment  string // path segment naming a collection of it
	child    string // segment of its children's collection
	name     *regexp.Regexp
	nameRule string
}{
	kindGallery: {"Microsoft.Compute/galleries", "galleries", "images", regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$`), "letters, digits, '_' and '.', 1-80 characters, starting and ending with a letter or digit"},
	kindImage:   {"Microsoft.Compute/galleries/images", "images", "versions", regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9])?$`), "letters, digits, '-', '_' and '.', 1-80 characters, starting and ending with a letter or digit"},
	kindVersion: {"Microsoft.Compute/galleries/images/versions", "versions", "", regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`), "Major.Minor.Patch with non-negative 32-bit integers"},
}

// Per subscription and region limits of the service.
const (
	maxGalleries   = 100
	maxDefinitions = 1000
	maxVersions    = 10000
	// maxReplicas is the most replicas of a version in one region: "There's
	// a limit of 100 replicas per image version" (Azure Compute Gallery
	// overview, Limits; it said 10 when curator's seeds were written).
	maxReplicas = 100
)

func computeID(base string, k kind, names []string) string {
	id := base + "/providers/Microsoft.Compute/galleries/" + names[0]
	if k >= kindImage {
		id += "/images/" + names[1]
	}
	if k >= kindVersion {
		id += "/versions/" + names[2]
	}
	return id
}

func parentKey(id string) string {
	i := strings.LastIndexByte(id, '/')
	j := strings.LastIndexByte(id[:i], '/')
	return strings.ToLower(id[:j])
}

func subscriptionOf(key string) string {
	p := strings.Split(key, "/")
	if len(p) > 2 {
		return p[2]
	}
	return ""
}

func (s *Server) serveCompute(w http.ResponseWriter, r *http.Request, k kind, base string, names []string) *armError {
	id := computeID(base, k, names)
	key := strings.ToLower(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	existing := s.st.Resources[key]
	switch r.Method {
	case http.MethodGet:
		if existing == nil {
			return notFound(k, names, base)
		}
		q := r.URL.Query()
		view := s.view(existing, strings.EqualFold(q.Get("$expand"), "ReplicationStatus"))
		if k == kindGallery && !strings.EqualFold(q.Get("$select"), "Permissions") && !strings.EqualFold(q.Get("$expand"), "SharingProfile/Groups") {
			view = withoutGroups(view)
		}
		writeJSON(w, http.StatusOK, shapeForAPIVersion(k, q.Get("api-version"), view))
		return nil
	case http.MethodDelete:
		return s.deleteCompute(w, r, k, existing, key)
	case http.MethodPut, http.MethodPatch:
	default:
		return methodNotAllowed(r)
	}

	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return errorf(http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: %v", err)
	}
	if r.Method == http.MethodPatch && existing == nil {
		return notFound(k, names, base)
	}
	v := r.URL.Query().Get("api-version")
	prior := existing
	if r.Method == http.MethodPatch {
		prior = nil // the merge keeps what the request does not name
	}
	if e := requestForVersion(k, v, body, prior); e != nil {
		return e
	}
	fromAPIVersion(k, v, body)
	if err := s.checkParent(k, base, names); err != nil {
		return err
	}
	name := names[len(names)-1]
	if !kinds[k].name.MatchString(name) || (k == kindVersion && !validVersionName(name)) {
		return errorf(http.StatusBadRequest, "InvalidParameter", "The entity name '%s' is invalid according to its validation rule: %s.", name, kinds[k].nameRule)
	}
	var next map[string]any
	if r.Method == http.MethodPatch {
		next = deepCopy(existing.Body)
		mergePatch(next, body)
	} else {
		next = body
		if existing != nil {
			// Location and name are the existing resource's.
			next["location"] = existing.Body["location"]
		}
	}
	if existing != nil {
		id = existing.ID
	}
	res := &resource{ID: id, Type: kinds[k].armType}
	res.Body = map[string]any{
		"id":       id,
		"name":     lastSeg(id),
		"type":     kinds[k].armType,
		"location": normalizeRegion(str(next["location"])),
	}
	if tags, ok := next["tags"].(map[string]any); ok && len(tags) > 0 {
		res.Body["tags"] = tags
	}
	res.Body["systemData"] = systemData(r, existing)
	if e := checkTags(res.Body); e != nil {
		return e
	}
	props, _ := next["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	delete(props, "provisioningState")
	delete(props, "replicationStatus")
	res.Body["properties"] = props
	if res.Body["location"] == "" {
		return errorf(http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
	}
	var err *armError
	switch k {
	case kindGallery:
		err = s.validateGallery(res, existing)
	case kindImage:
		err = s.validateImage(res, existing, v)
	case kindVersion:
		err = s.validateVersion(res, existing, v)
	}
	if err != nil {
		return err
	}
	s.st.putResource(key, res)
	op := s.newOperation(res, k == kindVersion)
	if e := s.save(); e != nil {
		return e
	}
	status := http.StatusOK
	state := "Updating"
	if existing == nil {
		status, state = http.StatusCreated, "Creating"
	}
	s.asyncHeaders(w, r, op, false)
	view := s.view(res, false)
	view["properties"].(map[string]any)["provisioningState"] = state
	if k == kindGallery {
		view = withoutGroups(view)
	}
	writeJSON(w, status, shapeForAPIVersion(k, r.URL.Query().Get("api-version"), view))
	return nil
}

func (s *Server) save() *armError {
	if err := s.store.save(s.st); err != nil {
		return errorf(http.StatusInternalServerError, "InternalServerError", "The emulator could not persist the change: %v", err)
	}
	return nil
}

func validVersionName(name string) bool {
	for _, p := range strings.Split(name, ".") {
		if n, err := strconv.ParseInt(p, 10, 64); err != nil || n > math.MaxInt32 {
			return false
		}
	}
	return true
}

func notFound(k kind, names []string, base string) *armError {
	rg := lastSeg(base)
	switch k {
	case kindGallery:
		return errorf(http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.Compute/galleries/%s' under resource group '%s' was not found.", names[0], rg)
	case kindImage:
		return errorf(http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.Compute/galleries/%s/images/%s' under resource group '%s' was not found.", names[0], names[1], rg)
	}
	return errorf(http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.Compute/galleries/%s/images/%s/versions/%s' under resource group '%s' was not found.", names[0], names[1], names[2], rg)
}

func (s *Server) checkParent(k kind, base string, names []string) *armError {
	if s.st.Resources[strings.ToLower(base)] == nil {
		return errorf(http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", lastSeg(base))
	}
	switch k {
	case kindImage:
		if s.st.Resources[strings.ToLower(computeID(base, kindGallery, names))] == nil {
			return errorf(http.StatusNotFound, "ParentResourceNotFound", "Can not perform requested operation on nested resource. Parent resource '%s' not found.", names[0])
		}
	case kindVersion:
		if s.st.Resources[strings.ToLower(computeID(base, kindImage, names))] == nil {
			return errorf(http.StatusNotFound, "ParentResourceNotFound", "Can not perform requested operation on nested resource. Parent resource '%s/%s' not found.", names[0], names[1])
		}
	}
	return nil
}

func (s *Server) deleteCompute(w http.ResponseWriter, r *http.Request, k kind, existing *resource, key string) *armError {
	if existing == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if k != kindVersion {
		var children []string
		for ck := range s.st.childKeys(key) {
			children = append(children, lastSeg(s.st.Resources[ck].ID))
		}
		if len(children) > 0 {
			sort.Strings(children)
			return errorf(http.StatusConflict, "CannotDeleteResource", "Can not delete resource before nested resources are deleted: %s %s still exist.", kinds[k].child, strings.Join(children, ", "))
		}
	}
	if e := s.checkDelete(k, existing); e != nil {
		return e
	}
	// The role assignments at the resource's scope or below it — not those
	// of a resource whose name merely starts with this one's (g2, g20).
	var assignments []string
	for rk := range s.st.keysOfType(roleAssignmentType) {
		if scope := strings.ToLower(str(props(s.st.Resources[rk])["scope"])); scope == key || strings.HasPrefix(scope, key+"/") {
			assignments = append(assignments, rk)
		}
	}
	for _, rk := range assignments {
		s.st.deleteResource(rk)
	}
	s.st.deleteResource(key)
	op := s.newOperation(existing, false)
	op.Resource = ""
	if e := s.save(); e != nil {
		return e
	}
	s.asyncHeaders(w, r, op, true)
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Server) validateGallery(res, existing *resource) *armError {
	p := props(res)
	delete(p, "identifier")
	// Groups change only through POST …/share; a PUT sets the permission
	// mode on create and the community information.
	asked, _ := p["sharingProfile"].(map[string]any)
	sp := map[string]any{"permissions": "Private"}
	if existing != nil {
		if old, ok := props(existing)["sharingProfile"].(map[string]any); ok {
			sp = deepCopy(old)
		}
		// Groups is chosen at creation and never changed by a PUT or
		// PATCH ("You can't use an existing gallery, the property can't
		// currently be updated"), and a gallery becomes a community
		// gallery only when it is created as one ("You can't convert an
		// existing private gallery (RBAC-enabled gallery) to a community
		// gallery", Share images by using a community gallery,
		// Limitations); a community gallery may stop sharing.
		if perm, was := str(asked["permissions"]), str(sp["permissions"]); perm != "" && !strings.EqualFold(perm, was) && (strings.EqualFold(perm, "Groups") || strings.EqualFold(was, "Groups") || strings.EqualFold(perm, "Community")) {
			return changeNotAllowed("gallery.properties.sharingProfile.permissions")
		}
	} else if perm := str(asked["permissions"]); perm != "" {
		if !oneOf(perm, []string{"Private", "Groups", "Community"}) {
			return errorf(http.StatusBadRequest, "InvalidParameter", "The value '%s' of parameter 'sharingProfile.permissions' is not allowed. Allowed values are: Private, Groups, Community.", perm)
		}
		sp["permissions"] = perm
	}
	if info, ok := asked["communityGalleryInfo"].(map[string]any); ok {
		sp["communityGalleryInfo"] = info
	}
	p["sharingProfile"] = sp
	if existing == nil {
		loc := str(res.Body["location"])
		if n := s.st.count(kindGallery, subscriptionOf(strings.ToLower(res.ID)), loc); n >= maxGalleries {
			return errorf(http.StatusConflict, "OperationNotAllowed", "Operation results in exceeding quota limits of Gallery. Maximum allowed: %d, Current in use: %d in region %s.", maxGalleries, n, loc)
		}
	}
	p["identifier"] = map[string]any{"uniqueName": strings.ToLower(subscriptionOf(strings.ToLower(res.ID))) + "-" + strings.ToUpper(lastSeg(res.ID))}
	return nil
}

var (
	osTypes   = []string{"Windows", "Linux"}
	osStates  = []string{"Generalized", "Specialized"}
	hyperVGen = []string{"V1", "V2"}
	storages  = []string{"Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS"}
)

// canonicalize rewrites m[key] to the allowed value it names in another
// case ("standard_zrs", as `az sig image-version create --target-regions`
// passes it on, is stored and answered as Standard_ZRS), as the service
// answers its enum values.
func canonicalize(m map[string]any, key string, allowed []string) {
	for _, a := range allowed {
		if v := str(m[key]); v != a && strings.EqualFold(v, a) {
			m[key] = a
		}
	}
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return true
		}
	}
	return false
}

func (s *Server) validateImage(res, existing *resource, apiVersion string) *armError {
	p := props(res)
	id, _ := p["identifier"].(map[string]any)
	if id == nil || str(id["publisher"]) == "" || str(id["offer"]) == "" || str(id["sku"]) == "" {
		return errorf(http.StatusBadRequest, "InvalidParameter", "Required parameter 'identifier' (publisher, offer and sku) is missing (null).")
	}
	if !oneOf(str(p["osType"]), osTypes) {
		return errorf(http.StatusBadRequest, "InvalidParameter", "The value '%s' of parameter 'osType' is not allowed. Allowed values are: Windows, Linux.", str(p["osType"]))
	}
	if !oneOf(str(p["osState"]), osStates) {
		return errorf(http.StatusBadRequest, "InvalidParameter", "The value '%s' of parameter 'osState' is not allowed. Allowed values are: Generalized, Specialized.", str(p["osState"]))
	}
	imageDefaults(p, existing, apiVersion)
	if !oneOf(str(p["hyperVGeneration"]), hyperVGen) {
		return errorf(http.StatusBadRequest, "InvalidParameter", "The value '%s' of parameter 'hyperVGeneration' is not allowed. Allowed values are: V1, V2.", str(p["hyperVGeneration"]))
	}
	if rec, ok := p["recommended"].(map[string]any); ok {
		for _, f := range []string{"vCPUs", "memory"} {
			if rr, ok := rec[f].(map[string]any); ok {
				lo, hasLo := rr["min"].(float64)
				hi, hasHi := rr["max"].(float64)
				if hasLo && hasHi && lo > hi {
					return errorf(http.StatusBadRequest, "InvalidParameter", "The recommended %s minimum (%v) is greater than its maximum (%v).", f, lo, hi)
				}
			}
		}
	}
	if e := s.checkImageRules(p, existing); e != nil {
		return e
	}
	if existing != nil {
		return nil
	}
	for key := range s.st.childKeys(parentKey(res.ID)) {
		if o := s.st.Resources[key]; key != strings.ToLower(res.ID) {
			oid, _ := props(o)["identifier"].(map[string]any)
			if strings.EqualFold(str(oid["publisher"]), str(id["publisher"])) && strings.EqualFold(str(oid["offer"]), str(id["offer"])) && strings.EqualFold(str(oid["sku"]), str(id["sku"])) {
				return errorf(http.StatusConflict, "Conflict", "Gallery image '%s' already has the identifier publisher '%s', offer '%s', sku '%s'; the identifier must be unique within the gallery.", lastSeg(o.ID), str(id["publisher"]), str(id["offer"]), str(id["sku"]))
			}
		}
	}
	loc := str(res.Body["location"])
	if n := s.st.count(kindImage, subscriptionOf(strings.ToLower(res.ID)), loc); n >= maxDefinitions {
		return errorf(http.StatusConflict, "OperationNotAllowed", "Operation results in exceeding quota limits of Gallery Image. Maximum allowed: %d, Current in use: %d in region %s.", maxDefinitions, n, loc)
	}
	return nil
}

// versionSource returns the identity of a version's source: the source ID,
// or the VHD URI.
func versionSource(p map[string]any) string {
	sp, _ := p["storageProfile"].(map[string]any)
	if src, ok := sp["source"].(map[string]any); ok {
		if id := str(src["id"]) + str(src["virtualMachineId"]) + str(src["communityGalleryImageId"]); id != "" {
			return id
		}
	}
	if od, ok := sp["osDiskImage"].(map[string]any); ok {
		if src, ok := od["source"].(map[string]any); ok {
			return str(src["uri"]) + str(src["id"])
		}
	}
	return ""
}

func (s *Server) validateVersion(res, existing *resource, apiVersion string) *armError {
	p := props(res)
	pp, _ := p["publishingProfile"].(map[string]any)
	if pp == nil {
		pp = map[string]any{}
		p["publishingProfile"] = pp
	}
	loc := str(res.Body["location"])
	if pp["replicaCount"] == nil {
		pp["replicaCount"] = float64(1)
	}
	if e := storageDefaults(pp, existing, apiVersion); e != nil {
		return e
	}
	common, _ := pp["replicaCount"].(float64)
	if common < 1 || common > maxReplicas || common != math.Trunc(common) {
		return errorf(http.StatusBadRequest, "InvalidParameter", "The value %v of parameter 'publishingProfile.replicaCount' is out of range. The value must be between 1 and %d, inclusive.", pp["replicaCount"], maxReplicas)
	}
	regions, _ := pp["targetRegions"].([]any)
	if len(regions) == 0 {
		regions = []any{map[string]any{"name": loc}}
	}
	seen := map[string]bool{}
	for i, tr := range regions {
		m, ok := tr.(map[string]any)
		if !ok || str(m["name"]) == "" {
			return errorf(http.StatusBadRequest, "InvalidParameter", "Target region %d has no name.", i)
		}
		n := normalizeRegion(str(m["name"]))
		if seen[n] {
			return errorf(http.StatusBadRequest, "InvalidParameter", "Duplicate regions are not allowed in target publishing regions.")
		}
		seen[n] = true
		m["name"] = n
		if m["regionalReplicaCount"] == nil {
			m["regionalReplicaCount"] = common
		}
		if c, _ := m["regionalReplicaCount"].(float64); c < 1 || c > maxReplicas || c != math.Trunc(c) {
			return errorf(http.StatusBadRequest, "InvalidParameter", "The value %v of parameter 'regionalReplicaCount' for region '%s' is out of range. The value must be between 1 and %d, inclusive.", m["regionalReplicaCount"], n, maxReplicas)
		}
		if str(m["storageAccountType"]) == "" {
			m["storageAccountType"] = regionStorage(pp, n)
		}
		canonicalize(m, "storageAccountType", storages)
		if !oneOf(str(m["storageAccountType"]), storages) {
			return errorf(http.StatusBadRequest, "InvalidParameter", "The value '%s' of parameter 'storageAccountType' for region '%s' is not allowed. Allowed values are: %s.", str(m["storageAccountType"]), n, strings.Join(storages, ", "))
		}
	}
	pp["targetRegions"] = regions
	if !seen[loc] {
		return errorf(http.StatusBadRequest, "InvalidParameter", "Gallery image version publishing profile regions '%s' must contain the location of image version '%s'.", strings.Join(slices.Sorted(maps.Keys(seen)), ", "), loc)
	}
	zones, e := checkEdgeZones(pp, seen)
	if e != nil {
		return e
	}
	if mode := str(pp["replicationMode"]); mode != "" && !oneOf(mode, replicationMode) {
		return invalid("The value '%s' of parameter 'replicationMode' is not allowed. Allowed values are: Full, Shallow.", mode)
	}
	targets := make([]map[string]any, 0, len(regions)+len(zones))
	for _, tr := range regions {
		targets = append(targets, tr.(map[string]any))
	}
	targets = append(targets, zones...)
	var old map[string]any
	if existing != nil {
		old = props(existing)
	}
	if e := s.checkEncryption(res, p, targets, old); e != nil {
		return e
	}
	if e := s.checkSecurityProfile(res, p, old); e != nil {
		return e
	}
	var oldEOL any
	if old != nil {
		oldEOL = old["publishingProfile"].(map[string]any)["endOfLifeDate"]
	}
	if e := s.checkEndOfLife(pp["endOfLifeDate"], oldEOL); e != nil {
		return e
	}
	delete(pp, "publishedDate")
	now := s.opts.Now().UTC()
	if existing == nil {
		src := versionSource(p)
		if src == "" {
			return errorf(http.StatusBadRequest, "InvalidParameter", "Required parameter 'storageProfile.source' (or osDiskImage.source) is missing (null).")
		}
		if e := checkStorage(p); e != nil {
			return e
		}
		if !strings.HasPrefix(src, "/subscriptions/") && !strings.HasPrefix(src, "https://") && !strings.HasPrefix(strings.ToLower(src), "/communitygalleries/") {
			return errorf(http.StatusBadRequest, "InvalidParameter", "The source '%s' is neither a resource ID nor an https URI.", src)
		}
		if n := s.st.count(kindVersion, subscriptionOf(strings.ToLower(res.ID)), loc); n >= maxVersions {
			return errorf(http.StatusConflict, "OperationNotAllowed", "Operation results in exceeding quota limits of Gallery Image Version. Maximum allowed: %d, Current in use: %d in region %s.", maxVersions, n, loc)
		}
		pp["publishedDate"] = now.Format(time.RFC3339Nano)
		res.SizeGB = s.opts.DefaultImageSizeGB
		res.Regions = map[string]*regionReplica{}
	} else {
		keepSource(old, p)
		if e := sameStorage(old, p); e != nil {
			return e
		}
		keepCaching(old, p)
		oldPP := old["publishingProfile"].(map[string]any)
		if !strings.EqualFold(orDefault(str(oldPP["replicationMode"]), "Full"), orDefault(str(pp["replicationMode"]), "Full")) {
			return changeNotAllowed("galleryImageVersion.properties.publishingProfile.replicationMode")
		}
		if sp, ok := old["safetyProfile"].(map[string]any); ok && sp["allowDeletionOfReplicatedLocations"] == false {
			for _, tr := range oldPP["targetRegions"].([]any) {
				if n := str(tr.(map[string]any)["name"]); !seen[n] {
					return errorf(http.StatusConflict, "OperationNotAllowed", "Region '%s' cannot be removed from the gallery image version: its safety profile does not allow the deletion of replicated locations (allowDeletionOfReplicatedLocations is false).", n)
				}
			}
		}
		oldStorage := map[string]string{}
		for _, tr := range old["publishingProfile"].(map[string]any)["targetRegions"].([]any) {
			m := tr.(map[string]any)
			oldStorage[str(m["name"])] = str(m["storageAccountType"])
		}
		for _, tr := range regions {
			m := tr.(map[string]any)
			if was, ok := oldStorage[str(m["name"])]; ok && !strings.EqualFold(was, str(m["storageAccountType"])) {
				return errorf(http.StatusConflict, "PropertyChangeNotAllowed", "Changing property 'targetRegions.storageAccountType' of region '%s' is not allowed; remove the region and add it again.", str(m["name"]))
			}
		}
		pp["publishedDate"] = old["publishingProfile"].(map[string]any)["publishedDate"]
		res.SizeGB = existing.SizeGB
		res.Regions = map[string]*regionReplica{}
		for n, rr := range existing.Regions {
			if seen[n] {
				res.Regions[n] = rr
			}
		}
	}
	sp, _ := p["storageProfile"].(map[string]any)
	if od, ok := sp["osDiskImage"].(map[string]any); ok {
		od["sizeInGB"] = math.Ceil(res.SizeGB)
	} else if sp != nil {
		sp["osDiskImage"] = map[string]any{"sizeInGB": math.Ceil(res.SizeGB), "hostCaching": "ReadOnly"}
	}
	// Only regions new to the version replicate.
	for n := range seen {
		if res.Regions[n] != nil {
			continue
		}
		dur := time.Duration(res.SizeGB / s.opts.ReplicationRate * float64(time.Second))
		res.Regions[n] = &regionReplica{Start: now, Done: now.Add(dur), Failed: s.fault.failsRegion(n)}
	}
	return nil
}

// replicationStatus computes the version's per-region replication from
// elapsed time.
func (s *Server) replicationStatus(res *resource) (aggregated string, summary []any) {
	now := s.opts.Now()
	names := make([]string, 0, len(res.Regions))
	for n := range res.Regions {
		names = append(names, n)
	}
	sort.Strings(names)
	aggregated = "Completed"
	for _, n := range names {
		rr := res.Regions[n]
		st, progress, details := "Completed", 100, ""
		switch {
		case rr.Failed:
			st, progress, details = "Failed", 0, fmt.Sprintf("Replication to region '%s' failed: the region could not accept the copy (injected fault).", n)
			aggregated = "Failed"
		case now.Before(rr.Done):
			st = "Replicating"
			total := rr.Done.Sub(rr.Start)
			progress = int(float64(now.Sub(rr.Start)) / float64(total) * 100)
			progress = max(0, min(progress, 99))
			if aggregated == "Completed" {
				aggregated = "InProgress"
			}
		}
		e := map[string]any{"region": n, "state": st, "progress": progress}
		if details != "" {
			e["details"] = details
		}
		summary = append(summary, e)
	}
	return aggregated, summary
}

// view is the resource as GET returns it.
//
// Only the top level and properties are copied: views are encoded while
// the server's lock is held and never modified below properties, so the
// rest is shared with the stored resource.
func (s *Server) view(res *resource, expandReplication bool) map[string]any {
	out := make(map[string]any, len(res.Body))
	for k, v := range res.Body {
		out[k] = v
	}
	p := map[string]any{}
	if stored, ok := res.Body["properties"].(map[string]any); ok {
		for k, v := range stored {
			p[k] = v
		}
	}
	out["properties"] = p
	p["provisioningState"] = "Succeeded"
	if res.Type == kinds[kindVersion].armType {
		agg, summary := s.replicationStatus(res)
		switch agg {
		case "InProgress":
			p["provisioningState"] = "Creating"
		case "Failed":
			p["provisioningState"] = "Failed"
		}
		if expandReplication {
			p["replicationStatus"] = map[string]any{"aggregatedState": agg, "summary": summary}
		}
	}
	return out
}

func (s *Server) listChildren(w http.ResponseWriter, r *http.Request, parent kind, base string, names []string) *armError {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pkey := strings.ToLower(computeID(base, parent, names))
	if s.st.Resources[pkey] == nil {
		return notFound(parent, names, base)
	}
	keys := slices.Collect(maps.Keys(s.st.childKeys(pkey)))
	s.pageKeys(w, r, keys, func(k string) map[string]any {
		return shapeForAPIVersion(parent+1, r.URL.Query().Get("api-version"), s.view(s.st.Resources[k], false))
	})
	return nil
}

func (s *Server) listGalleries(w http.ResponseWriter, r *http.Request, prefix string) *armError {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.st.keysOfType(kinds[kindGallery].armType) {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	s.pageKeys(w, r, keys, func(k string) map[string]any {
		return shapeForAPIVersion(kindGallery, r.URL.Query().Get("api-version"), withoutGroups(s.view(s.st.Resources[k], false)))
	})
	return nil
}

func props(r *resource) map[string]any {
	p, _ := r.Body["properties"].(map[string]any)
	if p == nil {
		p = map[string]any{}
		r.Body["properties"] = p
	}
	return p
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func deepCopy(m map[string]any) map[string]any {
	data, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}

// mergePatch applies an RFC 7396 JSON merge patch, as ARM PATCH does.
func mergePatch(dst, patch map[string]any) {
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			dm, ok := dst[k].(map[string]any)
			if !ok || k == "tags" {
				dm = map[string]any{}
			}
			mergePatch(dm, pv)
			dst[k] = dm
		default:
			dst[k] = v
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// systemData is ARM's record of who created a resource and who changed it
// last, and when: the caller's object ID (the estate's owner is "owner").
func systemData(r *http.Request, existing *resource) map[string]any {
	by := principalOf(r)
	if by == "" {
		by = "owner"
	}
	now := time.Now().UTC().Format(time.RFC3339)
	sd := map[string]any{"lastModifiedBy": by, "lastModifiedByType": "User", "lastModifiedAt": now,
		"createdBy": by, "createdByType": "User", "createdAt": now}
	if existing != nil {
		if old, ok := existing.Body["systemData"].(map[string]any); ok {
			for _, k := range []string{"createdBy", "createdByType", "createdAt"} {
				if v, ok := old[k]; ok {
					sd[k] = v
				}
			}
		}
	}
	return sd
}

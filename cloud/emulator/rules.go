package emulator

import (
	"encoding/base64"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
)

// The service's rules for the properties of galleries, image definitions
// and image versions beyond their types, with the service's error codes and
// messages where they are documented:
//
//   - "Changing property 'galleryImage.properties.<property>' is not
//     allowed." (409 PropertyChangeNotAllowed, target the property) and the
//     version-side messages below are from "Troubleshoot shared image
//     galleries in Azure" (MicrosoftDocs/azure-docs,
//     articles/virtual-machines/troubleshooting-shared-images.md); the code
//     and target of a change refused are as the service answers them
//     (e.g. hyperVGeneration, and "Changing property 'DiskControllerTypes'
//     is not allowed." for a feature changed without allowUpdateImage).
//   - Validation failures whose message the documentation gives but not the
//     code are answered 400 InvalidParameter, the code the service uses for
//     its other parameter checks ("The value … of parameter … is out of
//     range", same page).
//   - Limits are the overview's (articles/virtual-machines/
//     azure-compute-gallery.md, "Limits"): up to 100 replicas; direct
//     sharing with at most 30 subscriptions and 5 tenants, on a gallery
//     created with sharingProfile.permissions Groups only.

const (
	maxTags          = 50
	maxSubscriptions = 30
	maxTenants       = 5
)

// trustedOrConfidential are the SecurityType feature values that need a
// Generation 2 (hyperVGeneration V2) image.
var trustedOrConfidential = []string{"TrustedLaunch", "TrustedLaunchSupported", "ConfidentialVM", "ConfidentialVmSupported", "TrustedLaunchAndConfidentialVmSupported"}

var (
	architectures   = []string{"x64", "Arm64"}
	hostCachings    = []string{"None", "ReadOnly", "ReadWrite"}
	replicationMode = []string{"Full", "Shallow"}
	edgeStorages    = []string{"Standard_LRS", "Standard_ZRS", "StandardSSD_LRS", "Premium_LRS"}
)

func changeNotAllowed(target string) *armError {
	e := errorf(http.StatusConflict, "PropertyChangeNotAllowed", "Changing property '%s' is not allowed.", target)
	e.Target = target
	return e
}

func invalid(format string, args ...any) *armError {
	return errorf(http.StatusBadRequest, "InvalidParameter", format, args...)
}

// Resource Manager's tag rules ("Use tags to organize your Azure
// resources", Limitations): at most 50 tags per resource; a name of at most
// 512 characters that is not empty and contains none of < > % & \ ? / (nor
// control characters, as ARM's message says); a value of at most 256
// characters. Lengths are counted as ARM counts them, in UTF-16 code units.
// The codes and messages are ARM's (InvalidTags, InvalidTagName,
// InvalidTagNameCharacters, InvalidTagValueLength). Tag names are checked
// in sorted order so that the first error named does not depend on map
// order.
const (
	maxTagName  = 512
	maxTagValue = 256
)

func checkTags(body map[string]any) *armError {
	tags, ok := body["tags"].(map[string]any)
	if !ok {
		return nil
	}
	if len(tags) > maxTags {
		return errorf(http.StatusBadRequest, "InvalidTags", "Too many tags specified. Requested tag count - '%d'. Maximum number of tags allowed - '%d'.", len(tags), maxTags)
	}
	names := make([]string, 0, len(tags))
	for n := range tags {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			return errorf(http.StatusBadRequest, "InvalidTagName", "The tag name must be non-null, non-empty and non-whitespace only. Please provide an actual value.")
		}
		if strings.ContainsAny(n, `<>%&\?/`) || strings.ContainsFunc(n, unicode.IsControl) {
			return errorf(http.StatusBadRequest, "InvalidTagNameCharacters", "The tag names '%s' have reserved characters '<,>,%%,&,\\,?,/' or control characters.", n)
		}
		if utf16Len(n) > maxTagName {
			return errorf(http.StatusBadRequest, "InvalidTagName", "Tag key too large. Following tag name '%s' exceeded the maximum length. Maximum allowed length for tag name - '%d' characters.", n, maxTagName)
		}
		v, ok := tags[n].(string)
		if !ok {
			return errorf(http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: the value of tag '%s' is not a string.", n)
		}
		if utf16Len(v) > maxTagValue {
			return errorf(http.StatusBadRequest, "InvalidTagValueLength", "Tag value too large. Following tag value '%s' exceeded the maximum length. Maximum allowed length for tag value - '%d' characters.", v, maxTagValue)
		}
	}
	return nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// features returns an image definition's features, name → value.
func features(p map[string]any) map[string]string {
	out := map[string]string{}
	fs, _ := p["features"].([]any)
	for _, f := range fs {
		if m, ok := f.(map[string]any); ok {
			out[str(m["name"])] = str(m["value"])
		}
	}
	return out
}

// featureVersions returns the features' startsAtVersion, name → version
// (api-version 2024-03-03), and refuses one that is not a version name.
func featureVersions(p map[string]any) (map[string]string, *armError) {
	out := map[string]string{}
	fs, _ := p["features"].([]any)
	for _, f := range fs {
		m, ok := f.(map[string]any)
		if !ok || m["startsAtVersion"] == nil {
			continue
		}
		v := str(m["startsAtVersion"])
		if !kinds[kindVersion].name.MatchString(v) || !validVersionName(v) {
			return nil, invalid("The startsAtVersion '%s' of feature '%s' is not a gallery image version name (Major.Minor.Patch).", v, str(m["name"]))
		}
		out[str(m["name"])] = v
	}
	return out, nil
}

func securityType(p map[string]any) string {
	for n, v := range features(p) {
		if strings.EqualFold(n, "SecurityType") {
			return v
		}
	}
	return ""
}

// checkImageRules: architecture and security type need Generation 2; on an
// update, the immutable properties are unchanged and the features change
// only with allowUpdateImage.
func (s *Server) checkImageRules(p map[string]any, existing *resource) *armError {
	gen := str(p["hyperVGeneration"])
	if a := str(p["architecture"]); a != "" {
		if !oneOf(a, architectures) {
			return invalid("The value '%s' of parameter 'architecture' is not allowed. Allowed values are: x64, Arm64.", a)
		}
		if strings.EqualFold(a, "Arm64") && !strings.EqualFold(gen, "V2") {
			return invalid("The architecture 'Arm64' requires hyperVGeneration 'V2'; the image definition has '%s'.", gen)
		}
	}
	if st := securityType(p); st != "" && oneOf(st, trustedOrConfidential) && !strings.EqualFold(gen, "V2") {
		return invalid("The feature 'SecurityType' with value '%s' requires hyperVGeneration 'V2'; the image definition has '%s'.", st, gen)
	}
	if e := s.checkEndOfLife(p["endOfLifeDate"], nil); e != nil && existing == nil {
		return e
	}
	nowFrom, e := featureVersions(p)
	if e != nil {
		return e
	}
	if existing == nil {
		return nil
	}
	old := props(existing)
	if e := s.checkEndOfLife(p["endOfLifeDate"], old["endOfLifeDate"]); e != nil {
		return e
	}
	for _, f := range []string{"identifier", "osType", "osState", "hyperVGeneration", "architecture", "purchasePlan", "eula", "privacyStatementUri"} {
		if !jsonEqual(old[f], p[f]) {
			return changeNotAllowed("galleryImage.properties." + f)
		}
	}
	was, now := features(old), features(p)
	wasFrom, _ := featureVersions(old)
	if allow, _ := p["allowUpdateImage"].(bool); !allow {
		names := map[string]bool{}
		for n := range was {
			names[n] = true
		}
		for n := range now {
			names[n] = true
		}
		for _, n := range slices.Sorted(maps.Keys(names)) {
			if was[n] != now[n] || wasFrom[n] != nowFrom[n] {
				return changeNotAllowed(n)
			}
		}
	}
	return nil
}

// checkEndOfLife: an end-of-life date that is set or changed must be in the
// future ("EndOfLifeDate must be set to a future date.").
func (s *Server) checkEndOfLife(v, was any) *armError {
	d := str(v)
	if d == "" || d == str(was) {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, d)
	if err != nil {
		t, err = time.Parse("2006-01-02", d)
	}
	if err != nil {
		return invalid("Could not convert string to DateTimeOffset: %s. Path 'properties.endOfLifeDate'", d)
	}
	if !t.After(s.opts.Now()) {
		return invalid("EndOfLifeDate must be set to a future date.")
	}
	return nil
}

// diskImage is one disk of a version's storage profile.
type diskImage struct {
	lun     int // -1 for the OS disk
	source  string
	caching string
}

// storage reads a version's storage profile: the artifact source
// (storageProfile.source), the OS disk and the data disks.
func storage(p map[string]any) (artifact string, disks []diskImage) {
	sp, _ := p["storageProfile"].(map[string]any)
	if src, ok := sp["source"].(map[string]any); ok {
		for _, k := range []string{"id", "virtualMachineId", "communityGalleryImageId"} {
			if v := str(src[k]); v != "" {
				artifact += k + "=" + v
			}
		}
	}
	disk := func(m map[string]any, lun int) diskImage {
		d := diskImage{lun: lun, caching: str(m["hostCaching"])}
		if src, ok := m["source"].(map[string]any); ok {
			d.source = str(src["id"]) + str(src["uri"])
		}
		return d
	}
	if od, ok := sp["osDiskImage"].(map[string]any); ok {
		disks = append(disks, disk(od, -1))
	}
	dds, _ := sp["dataDiskImages"].([]any)
	for _, dd := range dds {
		if m, ok := dd.(map[string]any); ok {
			lun, _ := m["lun"].(float64)
			disks = append(disks, disk(m, int(lun)))
		}
	}
	return artifact, disks
}

func armTypeOf(id string) string {
	l := strings.ToLower(id)
	for _, t := range []string{"snapshots", "disks", "images", "galleries", "virtualmachines"} {
		if strings.Contains(l, "/providers/microsoft.compute/"+t+"/") {
			return t
		}
	}
	return ""
}

// checkStorage: exactly one kind of source, each of the right type, data
// disks with unique LUNs and sources. It fills in the service's default
// host caching (ReadOnly for the OS disk, None for data disks).
func checkStorage(p map[string]any) *armError {
	sp, _ := p["storageProfile"].(map[string]any)
	if sp == nil {
		return invalid("Required parameter 'storageProfile' is missing (null).")
	}
	artifact, disks := storage(p)
	diskSources := 0
	for _, d := range disks {
		if d.source != "" {
			diskSources++
		}
	}
	osSource := len(disks) > 0 && disks[0].lun == -1 && disks[0].source != ""
	if (artifact == "") == !osSource || strings.Count(artifact, "=") > 1 || (artifact != "" && diskSources > 0) {
		return invalid("The gallery artifact version source can only be specified either directly under storageProfile or within individual OS or data disks. One and only one source type (user image, snapshot, disk, virtual machine) can be provided.")
	}
	if src, ok := sp["source"].(map[string]any); ok {
		if id := str(src["id"]); id != "" {
			if t := armTypeOf(id); t != "images" && t != "galleries" && t != "virtualmachines" {
				return invalid("The source id: %s must either be a managed image, virtual machine or another gallery image version", id)
			}
		}
	}
	luns, sources := map[int]bool{}, map[string]bool{}
	for _, d := range disks {
		if d.caching != "" && !oneOf(d.caching, hostCachings) {
			return invalid("The value '%s' of parameter 'hostCaching' is not allowed. Allowed values are: None, ReadOnly, ReadWrite.", d.caching)
		}
		if d.source == "" {
			continue
		}
		if !strings.HasPrefix(d.source, "https://") {
			if t := armTypeOf(d.source); t != "snapshots" && t != "disks" {
				return invalid("The source id: %s must be a managed disk or snapshot.", d.source)
			}
		}
		if sources[strings.ToLower(d.source)] {
			if d.lun >= 0 && strings.EqualFold(d.source, disks[0].source) {
				return invalid("OSDiskImage and DataDiskImage cannot point to same blob %s", d.source)
			}
			return invalid("Duplicated source ids are found in the input disks. Source id should be unique for each disk.")
		}
		sources[strings.ToLower(d.source)] = true
		if d.lun < 0 {
			continue
		}
		if luns[d.lun] {
			return invalid("Duplicated lun numbers have been detected in the input data disks. Lun number must be unique for each data disk.")
		}
		luns[d.lun] = true
	}
	if od, ok := sp["osDiskImage"].(map[string]any); ok && od["source"] != nil && str(od["hostCaching"]) == "" {
		od["hostCaching"] = "ReadOnly"
	}
	dds, _ := sp["dataDiskImages"].([]any)
	for _, dd := range dds {
		if m, ok := dd.(map[string]any); ok && str(m["hostCaching"]) == "" {
			m["hostCaching"] = "None"
		}
	}
	return nil
}

// sameStorage compares the written parts of two storage profiles (not the
// sizes the service reports).
func sameStorage(old, next map[string]any) *armError {
	oa, od := storage(old)
	na, nd := storage(next)
	if oa != na {
		return changeNotAllowed("galleryImageVersion.properties.storageProfile.source.id")
	}
	key := func(ds []diskImage) map[int]diskImage {
		m := map[int]diskImage{}
		for _, d := range ds {
			m[d.lun] = d
		}
		return m
	}
	om, nm := key(od), key(nd)
	for lun, n := range nm {
		o, ok := om[lun]
		switch {
		case !ok && lun >= 0:
			return invalid("Adding new Data Disks or changing the LUN of a Data Disk in an existing Image is not allowed.")
		case !ok:
			return changeNotAllowed("galleryImageVersion.properties.storageProfile.osDiskImage.source.id")
		case !strings.EqualFold(o.source, n.source):
			if lun < 0 {
				return changeNotAllowed("galleryImageVersion.properties.storageProfile.osDiskImage.source.id")
			}
			return changeNotAllowed("galleryImageVersion.properties.storageProfile.dataDiskImages.source.id")
		case n.caching != "" && !strings.EqualFold(o.caching, n.caching):
			if lun < 0 {
				return changeNotAllowed("galleryImageVersion.properties.storageProfile.osDiskImage.hostCaching")
			}
			return changeNotAllowed("galleryImageVersion.properties.storageProfile.dataDiskImages.hostCaching")
		}
	}
	// A PUT that names disks names all of them.
	if len(nd) > 0 {
		for lun := range om {
			if _, ok := nm[lun]; !ok && lun >= 0 && len(nd) > 1 {
				return invalid("Adding new Data Disks or changing the LUN of a Data Disk in an existing Image is not allowed.")
			}
		}
	}
	return nil
}

// encryption is one target's encryption: the OS disk's disk encryption set
// and confidential settings, and the data disks' sets by LUN.
type encryption struct {
	os           string
	confidential bool
	data         map[int]string
}

func readEncryption(m map[string]any, region string) (encryption, *armError) {
	e := encryption{data: map[int]string{}}
	enc, _ := m["encryption"].(map[string]any)
	if od, ok := enc["osDiskImage"].(map[string]any); ok {
		e.os = str(od["diskEncryptionSetId"])
		if sp, ok := od["securityProfile"].(map[string]any); ok && (str(sp["confidentialVMEncryptionType"]) != "" || str(sp["secureVMDiskEncryptionSetId"]) != "") {
			e.confidential = true
			if strings.EqualFold(str(sp["confidentialVMEncryptionType"]), dataDiskConfidentialType) {
				return e, invalid("The confidential VM encryption type '%s' of region '%s' is for data disks only and cannot encrypt the OS disk.", str(sp["confidentialVMEncryptionType"]), region)
			}
		}
	}
	dds, _ := enc["dataDiskImages"].([]any)
	for _, dd := range dds {
		dm, _ := dd.(map[string]any)
		lun, _ := dm["lun"].(float64)
		if _, dup := e.data[int(lun)]; dup {
			return e, invalid("Duplicate luns '%d' were specified in target region '%s' encryption.dataDiskImages.", int(lun), region)
		}
		e.data[int(lun)] = str(dm["diskEncryptionSetId"])
		// A data disk's confidential encryption (api-version 2026-03-03):
		// DataDiskEncryptedWithCmk, the REST spec's type for data disks,
		// with the secure VM disk encryption set of its key.
		if sp, ok := dm["securityProfile"].(map[string]any); ok && (str(sp["confidentialVMEncryptionType"]) != "" || str(sp["secureVMDiskEncryptionSetId"]) != "") {
			e.confidential = true
			if !strings.EqualFold(str(sp["confidentialVMEncryptionType"]), dataDiskConfidentialType) || str(sp["secureVMDiskEncryptionSetId"]) == "" {
				return e, invalid("The confidential VM encryption of data disk lun '%d' in region '%s' must be '%s' with a secureVMDiskEncryptionSetId.", int(lun), region, dataDiskConfidentialType)
			}
		}
	}
	return e, nil
}

// dataDiskConfidentialType is the confidential VM encryption type of data
// disks ("should only be used for data disks, and should not be used for
// OS disk encryption", REST spec ConfidentialVMEncryptionType).
const dataDiskConfidentialType = "DataDiskEncryptedWithCmk"

// checkEncryption: encryption LUNs are the source's data disk LUNs (when
// the request names its data disks), a disk encrypted in one target region
// is encrypted in every target region, confidential VM encryption needs a
// ConfidentialVM image, and an existing region's encryption does not
// change.
func (s *Server) checkEncryption(res *resource, p map[string]any, targets []map[string]any, old map[string]any) *armError {
	artifact, disks := storage(p)
	var sourceLUNs []int
	for _, d := range disks {
		if d.lun >= 0 {
			sourceLUNs = append(sourceLUNs, d.lun)
		}
	}
	sort.Ints(sourceLUNs)
	// With an OS disk source, the request's data disks are all the
	// version's; a managed image, VM or version brings its own, unknown
	// here.
	known := artifact == ""
	lunList := make([]string, len(sourceLUNs))
	for i, l := range sourceLUNs {
		lunList[i] = strconv.Itoa(l)
	}
	encs := map[string]encryption{}
	var names []string
	for _, m := range targets {
		name := str(m["name"])
		if ext, ok := m["extendedLocation"].(map[string]any); ok {
			name = str(ext["name"])
		}
		e, err := readEncryption(m, name)
		if err != nil {
			return err
		}
		for lun := range e.data {
			if known && !containsInt(sourceLUNs, lun) {
				return invalid("An invalid lun [%d] was specified in encryption.dataDiskImages. The lun must be one of the following values ['%s'].", lun, strings.Join(lunList, ","))
			}
		}
		if e.confidential {
			// Only a ConfidentialVM image holds the VM guest state that
			// confidential disk encryption goes with ("Create a
			// confidential VM from an Azure Compute Gallery image"; the
			// *Supported types are generic Gen2 images without it, Azure
			// Compute Gallery overview).
			if st := s.parentSecurityType(res); !strings.EqualFold(st, "ConfidentialVM") {
				return invalid("The confidential VM encryption of region '%s' needs an image definition with the SecurityType feature ConfidentialVM; it has '%s'.", name, st)
			}
		}
		// A disk encrypted in one target region is encrypted in every
		// target region (the service's refusals as "Troubleshoot shared
		// image galleries in Azure" lists them name target regions only).
		if _, edge := m["extendedLocation"]; !edge {
			encs[name] = e
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, a := range names {
		for _, b := range names {
			ea, eb := encs[a], encs[b]
			if ea.os != "" && eb.os == "" {
				return invalid("A disk encryption set is required for disk 'galleryArtifactVersion.properties.publishingProfile.targetRegions.encryption.osDiskImage.diskEncryptionSetId' in target region '%s' since disk encryption set '%s' is used for the corresponding disk in region '%s'", b, ea.os, a)
			}
			for lun, des := range ea.data {
				if des != "" && eb.data[lun] == "" {
					return invalid("A disk encryption set is required for disk 'LUN %d' in target region '%s' since disk encryption set '%s' is used for the corresponding disk in region '%s'", lun, b, des, a)
				}
			}
		}
	}
	if old == nil {
		return nil
	}
	oldPP, _ := old["publishingProfile"].(map[string]any)
	oldTargets, _ := oldPP["targetRegions"].([]any)
	for _, t := range oldTargets {
		m, _ := t.(map[string]any)
		name := str(m["name"])
		was, _ := readEncryption(m, name)
		now, ok := encs[name]
		if !ok {
			continue
		}
		for lun := range now.data {
			if _, had := was.data[lun]; !had {
				return invalid("Cannot specify new data disk image encryption lun [%d] with a disk encryption set in region [%s] for update gallery image version request. To update this version, remove the new lun. If you need to change the data disk image encryption settings, you must create a new gallery image version with the correct settings.", lun, name)
			}
		}
		if !jsonEqual(m["encryption"], regionByName(targets, name)["encryption"]) && regionByName(targets, name)["encryption"] != nil {
			return changeNotAllowed("galleryImageVersion.properties.publishingProfile.targetRegions.encryption")
		}
	}
	return nil
}

func regionByName(targets []map[string]any, name string) map[string]any {
	for _, m := range targets {
		if str(m["name"]) == name {
			return m
		}
	}
	return map[string]any{}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// checkSecurityProfile: a version's UEFI settings ("Secure Boot UEFI
// keys") go with a definition whose SecurityType is TrustedLaunchSupported
// or TrustedLaunchAndConfidentialVmSupported; template names and key types
// are the REST API's, key values base64; the settings are given at
// creation — an update that names other ones is refused, one that leaves
// the profile out keeps it.
func (s *Server) checkSecurityProfile(res *resource, p, old map[string]any) *armError {
	sp, given := p["securityProfile"].(map[string]any)
	if old != nil {
		was, had := old["securityProfile"]
		switch {
		case !given && had:
			p["securityProfile"] = was
			return nil
		case given && !jsonEqual(was, p["securityProfile"]):
			return changeNotAllowed("galleryImageVersion.properties.securityProfile")
		}
	}
	uefi, ok := sp["uefiSettings"].(map[string]any)
	if !ok {
		return nil
	}
	if st := s.parentSecurityType(res); !strings.EqualFold(st, "TrustedLaunchSupported") && !strings.EqualFold(st, "TrustedLaunchAndConfidentialVmSupported") {
		return invalid("UEFI settings need an image definition with the SecurityType feature TrustedLaunchSupported or TrustedLaunchAndConfidentialVmSupported; it has '%s'.", st)
	}
	names, _ := uefi["signatureTemplateNames"].([]any)
	for _, n := range names {
		if !oneOf(str(n), []string{"NoSignatureTemplate", "MicrosoftUefiCertificateAuthorityTemplate", "MicrosoftWindowsTemplate"}) {
			return invalid("The value '%s' of parameter 'signatureTemplateNames' is not allowed.", str(n))
		}
	}
	sigs, _ := uefi["additionalSignatures"].(map[string]any)
	var keys []any
	if pk, ok := sigs["pk"]; ok {
		keys = append(keys, pk)
	}
	for _, db := range []string{"kek", "db", "dbx"} {
		l, _ := sigs[db].([]any)
		keys = append(keys, l...)
	}
	for _, k := range keys {
		m, _ := k.(map[string]any)
		if t := str(m["type"]); !oneOf(t, []string{"sha256", "x509"}) {
			return invalid("The value '%s' of parameter 'type' of a UEFI key is not allowed. Allowed values are: sha256, x509.", t)
		}
		vals, _ := m["value"].([]any)
		for _, v := range vals {
			if _, err := base64.StdEncoding.DecodeString(str(v)); err != nil || str(v) == "" {
				return invalid("The UEFI key value '%s' is not base64.", str(v))
			}
		}
	}
	return nil
}

// parentSecurityType is the SecurityType feature of a version's image
// definition.
func (s *Server) parentSecurityType(res *resource) string {
	parent := s.st.Resources[parentKey(res.ID)]
	if parent == nil {
		return ""
	}
	return securityType(props(parent))
}

// checkEdgeZones: each extended location is an edge zone whose parent
// region is a target region of the version.
func checkEdgeZones(pp map[string]any, regions map[string]bool) ([]map[string]any, *armError) {
	tels, _ := pp["targetExtendedLocations"].([]any)
	var out []map[string]any
	seen := map[string]bool{}
	for i, t := range tels {
		m, ok := t.(map[string]any)
		ext, _ := m["extendedLocation"].(map[string]any)
		if !ok || str(ext["name"]) == "" {
			return nil, invalid("Target extended location %d has no extendedLocation.name.", i)
		}
		zone := strings.ToLower(str(ext["name"]))
		if seen[zone] {
			return nil, invalid("Duplicate extended locations are not allowed in target publishing extended locations: '%s'.", zone)
		}
		seen[zone] = true
		if typ := str(ext["type"]); typ != "" && !strings.EqualFold(typ, "EdgeZone") {
			return nil, invalid("The value '%s' of parameter 'extendedLocation.type' is not allowed. Allowed values are: EdgeZone.", typ)
		}
		parent := normalizeRegion(str(m["name"]))
		if !regions[parent] {
			return nil, invalid("The edge zone '%s' is in region '%s', which is not a target region of the gallery image version (%s).", zone, parent, strings.Join(slices.Sorted(maps.Keys(regions)), ", "))
		}
		m["name"] = parent
		if m["extendedLocationReplicaCount"] == nil {
			m["extendedLocationReplicaCount"] = float64(1)
		}
		if c, _ := m["extendedLocationReplicaCount"].(float64); c < 1 || c > maxReplicas {
			return nil, invalid("The value %v of parameter 'extendedLocationReplicaCount' for extended location '%s' is out of range. The value must be between 1 and %d, inclusive.", m["extendedLocationReplicaCount"], zone, maxReplicas)
		}
		if str(m["storageAccountType"]) == "" {
			m["storageAccountType"] = "StandardSSD_LRS"
		}
		if !oneOf(str(m["storageAccountType"]), edgeStorages) {
			return nil, invalid("The value '%s' of parameter 'storageAccountType' for extended location '%s' is not allowed. Allowed values are: %s.", str(m["storageAccountType"]), zone, strings.Join(edgeStorages, ", "))
		}
		out = append(out, m)
	}
	return out, nil
}

// checkSharingGroups: Add and Remove need a gallery created for direct
// sharing, and the groups stay within the service's limits.
func checkSharingGroups(gallery, permission string, subscriptions, tenants int) *armError {
	if permission != "Groups" {
		return errorf(http.StatusConflict, "OperationNotAllowed", "Gallery '%s' was not created for direct sharing (sharingProfile.permissions is '%s'); only a gallery created with sharingProfile.permissions 'Groups' can be shared with subscriptions and tenants.", gallery, permission)
	}
	if subscriptions > maxSubscriptions {
		return invalid("A gallery can be shared with at most %d subscriptions; this change would share it with %d.", maxSubscriptions, subscriptions)
	}
	if tenants > maxTenants {
		return invalid("A gallery can be shared with at most %d tenants; this change would share it with %d.", maxTenants, tenants)
	}
	return nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// keepCaching carries the host caching the service chose on creation over
// to a PUT that names the same disks without it.
// keepSource fills in the sources a version PUT leaves out: the service
// treats an omitted storageProfile.source, or an OS or data disk image
// named without its source, as unchanged (the az CLI's `az sig
// image-version update` drops the disk images of a version made from a
// managed image, and clients that rebuild the body from a GET of an older
// api-version have no source to send). A source that is named is compared
// with the stored one by sameStorage.
func keepSource(old, next map[string]any) {
	osp, _ := old["storageProfile"].(map[string]any)
	if osp == nil {
		return
	}
	nsp, _ := next["storageProfile"].(map[string]any)
	if nsp == nil {
		nsp = map[string]any{}
		next["storageProfile"] = nsp
	}
	if src, ok := osp["source"].(map[string]any); ok && len(src) > 0 && !hasSource(nsp) {
		nsp["source"] = src
	}
	if oo, ok := osp["osDiskImage"].(map[string]any); ok && oo["source"] != nil {
		if no, ok := nsp["osDiskImage"].(map[string]any); ok && !hasSource(no) {
			no["source"] = oo["source"]
		}
	}
	ods, _ := osp["dataDiskImages"].([]any)
	nds, _ := nsp["dataDiskImages"].([]any)
	for _, nd := range nds {
		nm, _ := nd.(map[string]any)
		if nm == nil || hasSource(nm) {
			continue
		}
		for _, od := range ods {
			if om, _ := od.(map[string]any); om != nil && jsonEqual(om["lun"], nm["lun"]) && om["source"] != nil {
				nm["source"] = om["source"]
			}
		}
	}
}

// hasSource reports whether m names a source: a "source" object with at
// least one non-empty value.
func hasSource(m map[string]any) bool {
	src, _ := m["source"].(map[string]any)
	for _, v := range src {
		if str(v) != "" {
			return true
		}
	}
	return false
}

func keepCaching(old, next map[string]any) {
	osp, _ := old["storageProfile"].(map[string]any)
	nsp, _ := next["storageProfile"].(map[string]any)
	if osp == nil || nsp == nil {
		return
	}
	if oo, ok := osp["osDiskImage"].(map[string]any); ok {
		if no, ok := nsp["osDiskImage"].(map[string]any); ok && str(no["hostCaching"]) == "" {
			no["hostCaching"] = oo["hostCaching"]
		}
	}
	ods, _ := osp["dataDiskImages"].([]any)
	nds, _ := nsp["dataDiskImages"].([]any)
	for _, nd := range nds {
		nm, _ := nd.(map[string]any)
		if nm == nil || str(nm["hostCaching"]) != "" {
			continue
		}
		for _, od := range ods {
			if om, _ := od.(map[string]any); om != nil && jsonEqual(om["lun"], nm["lun"]) {
				nm["hostCaching"] = om["hostCaching"]
			}
		}
	}
}

// checkDelete: a community gallery is reset (its sharing profile back to
// private) before it is deleted, and a version whose safety profile blocks
// deletion before its end of life is kept until then.
func (s *Server) checkDelete(k kind, existing *resource) *armError {
	p := props(existing)
	switch k {
	case kindGallery:
		if sp, ok := p["sharingProfile"].(map[string]any); ok && strings.EqualFold(str(sp["permissions"]), "Community") {
			return errorf(http.StatusConflict, "OperationNotAllowed", "Gallery '%s' is shared with the community; reset its sharing profile (POST …/share with operationType Reset) before deleting it.", lastSeg(existing.ID))
		}
	case kindVersion:
		sp, _ := p["safetyProfile"].(map[string]any)
		pp, _ := p["publishingProfile"].(map[string]any)
		if sp["blockDeletionBeforeEndOfLife"] == true {
			eol := str(pp["endOfLifeDate"])
			t, err := time.Parse(time.RFC3339Nano, eol)
			if err != nil {
				t, err = time.Parse("2006-01-02", eol)
			}
			if err == nil && s.opts.Now().Before(t) {
				return errorf(http.StatusConflict, "OperationNotAllowed", "The gallery image version '%s' cannot be deleted before its end of life date %s: its safety profile blocks deletion before end of life.", lastSeg(existing.ID), eol)
			}
		}
	}
	return nil
}

// withoutGroups is a gallery view without its sharing groups, as the
// service answers a GET without $select=Permissions or
// $expand=SharingProfile/Groups, and every list.
func withoutGroups(view map[string]any) map[string]any {
	p, _ := view["properties"].(map[string]any)
	sp, ok := p["sharingProfile"].(map[string]any)
	if !ok || sp["groups"] == nil {
		return view
	}
	trimmed := make(map[string]any, len(sp))
	for k, v := range sp {
		if k != "groups" {
			trimmed[k] = v
		}
	}
	np := make(map[string]any, len(p))
	for k, v := range p {
		np[k] = v
	}
	np["sharingProfile"] = trimmed
	out := make(map[string]any, len(view))
	for k, v := range view {
		out[k] = v
	}
	out["properties"] = np
	return out
}

package model

import (
	"fmt"
	"strconv"
	"strings"
)

// The property tables declare, once, every property a user sets on a
// resource kind: where it lives in the configuration (CUE) and in the ARM
// resource body (ARM), whether the service updates it in place, forces a
// replace, or updates it only while a flag of the resource is set, the
// service's default, the api-version that introduced it, and — for a plain
// scalar — its kind and where its value lives (Ref). Production code reads
// them: the loader checks and fills scalars by kind, the planner's diff
// takes each property's mutability from here, cloud/azure writes and reads
// a scalar at its ARM path, import writes it at its CUE path, and plans
// render the field diffs the planner finds. The value constraint lives in
// the CUE schema (schema/curator.cue), at the CUE path the table names; a
// test checks that each path exists there. The emulator never reads these
// tables: it stands for Azure and keeps its own knowledge.
//
// A property with structure (regions and replication, encryption, sharing,
// sources, the safety profile, tags, features) is declared here too, with
// Kind Structured: each layer keeps code of its own for it, and takes its
// mutability from the table.
//
// Sources: the REST API specification of Microsoft.Compute galleries
// (GalleryRP, api-version 2026-03-03: Gallery, GalleryImage,
// GalleryImageVersion and their Update models; 2018-06-01 for the first
// api-version of galleries), and the Azure Compute Gallery documentation
// ("Create an image definition and an image version", "Share images",
// "Replicate to edge zones", "Soft delete").

// Mutability is what the service does when a property changes.
type Mutability int

const (
	// ForcesReplace: the service refuses the change; the resource must be
	// deleted and created again.
	ForcesReplace Mutability = iota
	// Updatable in place (PATCH).
	Updatable
	// UpdatableWithFlag: updatable in place only while the resource's
	// boolean property named by Property.Flag is true (an image
	// definition's features and its allowUpdateImage); a replace
	// otherwise.
	UpdatableWithFlag
	// PerRegion: applied region by region, as a replication change; a
	// region whose value changes is removed and added again.
	PerRegion
)

func (m Mutability) String() string {
	switch m {
	case Updatable:
		return "updatable"
	case UpdatableWithFlag:
		return "updatable with its flag"
	case PerRegion:
		return "per region"
	}
	return "forces replace"
}

// Kind is the kind of a property's value.
type Kind int

const (
	// Structured: a value with structure, handled by code of its own in
	// each layer.
	Structured Kind = iota
	// String is plain text.
	String
	// URI is an absolute URI; the loader checks it.
	URI
	// Date is a date, YYYY-MM-DD; the loader checks it.
	Date
	// Bool is true or false.
	Bool
	// Int is a whole number.
	Int
)

// Property is one property of a resource kind.
type Property struct {
	// CUE is its path in the configuration, relative to the resource
	// ("regions.<region>.replicas").
	CUE string
	// ARM is its path in the ARM resource body, "[]" marking a list
	// element ("properties.publishingProfile.targetRegions[].regionalReplicaCount").
	// Several ARM paths may back one CUE property (an alternative each);
	// a plain scalar has exactly one.
	ARM []string
	// Mutability is how a change is applied.
	Mutability Mutability
	// Flag, for UpdatableWithFlag, is the CUE path of the resource's
	// boolean property that allows the update in place.
	Flag string
	// PatchClears, for an updatable scalar, says that a PATCH sending its
	// zero value clears it on the service. Otherwise a PATCH that leaves it
	// out keeps it, so removing it makes cloud/azure write the resource
	// whole (PUT).
	PatchClears bool
	// Default is the service's value when the configuration leaves it out
	// ("" for none), as the configuration writes it.
	Default string
	// Since is the GalleryRP api-version that introduced it ("" where the
	// table does not record it).
	Since string
	// Kind is the kind of its value; Structured for a property with code
	// of its own.
	Kind Kind
	// Ref returns a pointer to the Go field that holds a scalar's value in
	// a resource of this kind (*string, *bool or *int). When nil, the value
	// is kept in the resource's Extensions under the CUE path: a property
	// declared without a Go field of its own.
	Ref func(resource any) any
	// Rule names the checks the loader makes beyond the schema's type.
	Rule string
}

// Scalar reports whether the property is a plain scalar, which every
// layer handles from this declaration alone.
func (p Property) Scalar() bool { return p.Kind != Structured }

// ref builds a Property.Ref from a typed accessor.
func ref[R any, V string | bool | int](f func(*R) *V) func(any) any {
	return func(r any) any { return f(r.(*R)) }
}

// extensible is a resource that keeps values of properties declared without
// a Go field of their own.
type extensible interface{ extensions() *map[string]any }

func (g *Gallery) extensions() *map[string]any         { return &g.Extensions }
func (d *ImageDefinition) extensions() *map[string]any { return &d.Extensions }
func (v *ImageVersion) extensions() *map[string]any    { return &v.Extensions }

// zero is the zero value of a scalar kind.
func (k Kind) zero() any {
	switch k {
	case Bool:
		return false
	case Int:
		return 0
	case Structured:
		return nil
	}
	return ""
}

// Value is a scalar's value in resource r (a pointer to the resource kind
// of the table the property is in); the kind's zero value when unset.
func (p Property) Value(r any) any {
	if !p.Scalar() {
		return nil
	}
	if p.Ref != nil {
		switch v := p.Ref(r).(type) {
		case *string:
			return *v
		case *bool:
			return *v
		case *int:
			return *v
		}
		panic(fmt.Sprintf("property %s: Ref gives an unsupported type", p.CUE))
	}
	if e, ok := r.(extensible); ok {
		if v, ok := (*e.extensions())[p.CUE]; ok {
			// A resource read back from JSON (a saved plan, the config
			// cache) holds a whole number as float64: the kind's type.
			if c, err := p.convert(v); err == nil {
				return c
			}
			return v
		}
	}
	return p.Kind.zero()
}

// IsDefault reports whether r leaves the scalar unset or sets the
// service's default, which a configuration need not write.
func (p Property) IsDefault(r any) bool {
	if !p.IsSet(r) {
		return true
	}
	def, err := p.Parse(p.Default)
	return p.Default != "" && err == nil && def == p.Value(r)
}

// Lookup is the declaration at cue in table. It panics when there is none:
// the tables are part of the program, and code names their paths.
func Lookup(table []Property, cue string) Property {
	p, ok := PropertyByCUE(table, cue)
	if !ok {
		panic("model: no property " + cue + " in its table")
	}
	return p
}

// IsSet reports whether r holds a value other than the kind's zero.
func (p Property) IsSet(r any) bool {
	if p.Ref != nil {
		// The common case, read without boxing the value.
		switch v := p.Ref(r).(type) {
		case *string:
			return *v != ""
		case *bool:
			return *v
		case *int:
			return *v != 0
		}
	}
	return p.Value(r) != p.Kind.zero()
}

// EqualEffective reports whether a and b, resources of the property's kind,
// hold the same effective value (the service's default standing in for an
// unset one); ok is false when the property cannot be compared this way
// (not a scalar with a Go field), and the caller compares Effective values.
// It reads the fields in place: the planner compares every scalar of every
// resource with it, so it allocates nothing.
func (p Property) EqualEffective(a, b any) (equal, ok bool) {
	if p.Ref == nil || !p.Scalar() {
		return false, false
	}
	switch va := p.Ref(a).(type) {
	case *string:
		vb := p.Ref(b).(*string)
		x, y := *va, *vb
		if x == "" {
			x = p.Default
		}
		if y == "" {
			y = p.Default
		}
		return x == y, true
	case *bool:
		vb := p.Ref(b).(*bool)
		x, y := *va, *vb
		if p.Default != "" {
			def, err := strconv.ParseBool(p.Default)
			if err != nil {
				return false, false
			}
			x, y = x || def, y || def
		}
		return x == y, true
	case *int:
		vb := p.Ref(b).(*int)
		x, y := *va, *vb
		if p.Default != "" {
			def, err := strconv.Atoi(p.Default)
			if err != nil {
				return false, false
			}
			if x == 0 {
				x = def
			}
			if y == 0 {
				y = def
			}
		}
		return x == y, true
	}
	return false, false
}

// Effective is the scalar's value in r, or the service's default when it
// is unset.
func (p Property) Effective(r any) any {
	if !p.IsSet(r) && p.Default != "" {
		if v, err := p.Parse(p.Default); err == nil {
			return v
		}
	}
	return p.Value(r)
}

// Parse reads a value of the property's kind from its text (a default, an
// ARM answer's string).
func (p Property) Parse(s string) (any, error) {
	switch p.Kind {
	case Bool:
		return strconv.ParseBool(s)
	case Int:
		return strconv.Atoi(s)
	}
	return s, nil
}

// SetValue stores v, converted to the property's kind (a JSON number is a
// float64), in resource r.
func (p Property) SetValue(r any, v any) error {
	v, err := p.convert(v)
	if err != nil {
		return err
	}
	if p.Ref != nil {
		switch f := p.Ref(r).(type) {
		case *string:
			*f = v.(string)
		case *bool:
			*f = v.(bool)
		case *int:
			*f = v.(int)
		}
		return nil
	}
	e, ok := r.(extensible)
	if !ok {
		return fmt.Errorf("property %s: %T keeps no extensions", p.CUE, r)
	}
	m := e.extensions()
	if v == p.Kind.zero() {
		delete(*m, p.CUE)
		return nil
	}
	if *m == nil {
		*m = map[string]any{}
	}
	(*m)[p.CUE] = v
	return nil
}

func (p Property) convert(v any) (any, error) {
	switch p.Kind {
	case String, URI, Date:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case Bool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case Int:
		switch n := v.(type) {
		case int:
			return n, nil
		case int32:
			return int(n), nil
		case int64:
			return int(n), nil
		case float64:
			if n == float64(int(n)) {
				return int(n), nil
			}
		}
	default:
		return nil, fmt.Errorf("property %s is structured: it has code of its own", p.CUE)
	}
	return nil, fmt.Errorf("property %s: %v (%T) is not a %s", p.CUE, v, v, p.Kind)
}

func (k Kind) String() string {
	return [...]string{"structured value", "string", "URI", "date", "boolean", "whole number"}[k]
}

// UpdatableIn reports whether a change of p is made in place on resource
// r (the desired resource): Updatable, or UpdatableWithFlag while the flag
// property of table is true in r.
func UpdatableIn(table []Property, p Property, r any) bool {
	switch p.Mutability {
	case Updatable:
		return true
	case UpdatableWithFlag:
		f, ok := PropertyByCUE(table, p.Flag)
		return ok && f.Value(r) == true
	}
	return false
}

// ARMPath is a scalar's ARM path split into its labels.
func (p Property) armPath() []string { return strings.Split(p.ARM[0], ".") }

// ToARM writes a scalar's value from r into body, the JSON object of the
// resource as the ARM API takes it, at its ARM path. A zero value is left
// out unless always is set (a PATCH that clears it).
func (p Property) ToARM(body map[string]any, r any, always bool) {
	v := p.Value(r)
	if v == p.Kind.zero() && !always {
		return
	}
	path := p.armPath()
	m := body
	for _, label := range path[:len(path)-1] {
		next, ok := m[label].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[label] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// FromARM reads a scalar at its ARM path in body (an ARM answer decoded as
// JSON) into r; an absent value is the service's default (resources made
// before the property existed report none), or the kind's zero.
func (p Property) FromARM(body map[string]any, r any) error {
	var v any = body
	for _, label := range p.armPath() {
		m, ok := v.(map[string]any)
		if !ok {
			v = nil
			break
		}
		v = m[label]
	}
	if v == nil || v == "" {
		v = p.Kind.zero()
		if p.Default != "" {
			def, err := p.Parse(p.Default)
			if err != nil {
				return fmt.Errorf("property %s: default %q: %w", p.CUE, p.Default, err)
			}
			v = def
		}
	}
	return p.SetValue(r, v)
}

// tagRule is what the loader checks of a resource's tags (schema/tags.go):
// Resource Manager's tag rules, curator's ownership tag counted.
const tagRule = "at most 49 (curator's ownership tag is the 50th); names of 1-512 characters without < > % & \\ ? / or control characters, unique regardless of case; values of at most 256 characters (UTF-16 code units, as Azure counts)"

// GalleryProperties are a gallery's properties.
var GalleryProperties = []Property{
	{CUE: "location", ARM: []string{"location"}, Mutability: ForcesReplace, Since: "2018-06-01", Rule: "a known region, normalised"},
	{CUE: "description", ARM: []string{"properties.description"}, Mutability: Updatable, PatchClears: true, Since: "2018-06-01",
		Kind: String, Ref: ref(func(g *Gallery) *string { return &g.Description })},
	{CUE: "tags", ARM: []string{"tags"}, Mutability: Updatable, Since: "2018-06-01", Rule: tagRule},
	{CUE: "sharing.permission", ARM: []string{"properties.sharingProfile.permissions"}, Mutability: Updatable, Default: "Private",
		Rule: "Groups and Community only on a gallery created so (a change to either forces a replace); Community needs sharing.community; no encrypted version in a Groups or Community gallery, and versions made in its region"},
	{CUE: "sharing.subscriptions", ARM: []string{"properties.sharingProfile.groups[].ids"}, Mutability: Updatable, Rule: "GUIDs; at most 30 subscriptions"},
	{CUE: "sharing.tenants", ARM: []string{"properties.sharingProfile.groups[].ids"}, Mutability: Updatable, Rule: "GUIDs; at most 5 tenants"},
	{CUE: "sharing.community", ARM: []string{"properties.sharingProfile.communityGalleryInfo"}, Mutability: Updatable,
		Rule: "publisherUri a URI, prefix 5-16 characters"},
	{CUE: "softDelete", ARM: []string{"properties.softDeletePolicy.isSoftDeleteEnabled"}, Mutability: Updatable, PatchClears: true, Default: "false", Since: "2021-07-01",
		Kind: Bool, Ref: ref(func(g *Gallery) *bool { return &g.SoftDelete })},
	// The soft-delete periods (armcompute v8.4.0, the SDK of api-version
	// 2026-03-03: "New field GracePeriodInDays, RetentionPeriodInDays in
	// struct SoftDeletePolicy"). Left out, the service's own periods
	// apply and are not managed.
	{CUE: "softDeleteRetentionDays", ARM: []string{"properties.softDeletePolicy.retentionPeriodInDays"}, Mutability: Updatable, Since: "2026-03-03",
		Kind: Int, Rule: "≥ 1, with softDelete: true"},
	{CUE: "softDeleteGraceDays", ARM: []string{"properties.softDeletePolicy.gracePeriodInDays"}, Mutability: Updatable, Since: "2026-03-03",
		Kind: Int, Rule: "≥ 1, with softDelete: true"},
}

// ImageProperties are an image definition's properties, in the order
// import writes them and the planner lists their diffs.
var ImageProperties = []Property{
	{CUE: "publisher", ARM: []string{"properties.identifier.publisher"}, Mutability: ForcesReplace, Since: "2018-06-01", Rule: "1-128 characters; publisher/offer/sku unique in the gallery",
		Kind: String, Ref: ref(func(d *ImageDefinition) *string { return &d.Publisher })},
	{CUE: "offer", ARM: []string{"properties.identifier.offer"}, Mutability: ForcesReplace, Since: "2018-06-01", Rule: "1-64 characters",
		Kind: String, Ref: ref(func(d *ImageDefinition) *string { return &d.Offer })},
	{CUE: "sku", ARM: []string{"properties.identifier.sku"}, Mutability: ForcesReplace, Since: "2018-06-01", Rule: "1-64 characters",
		Kind: String, Ref: ref(func(d *ImageDefinition) *string { return &d.SKU })},
	{CUE: "osType", ARM: []string{"properties.osType"}, Mutability: ForcesReplace, Since: "2018-06-01",
		Kind: String, Ref: ref(func(d *ImageDefinition) *string { return &d.OSType })},
	{CUE: "osState", ARM: []string{"properties.osState"}, Mutability: ForcesReplace, Since: "2018-06-01",
		Kind: String, Ref: ref(func(d *ImageDefinition) *string { return &d.OSState })},
	{CUE: "hyperVGeneration", ARM: []string{"properties.hyperVGeneration"}, Mutability: ForcesReplace, Default: "V1", Since: "2019-07-01",
		Kind: String, Ref: ref(func(d *ImageDefinition) *string { return &d.HyperVGeneration })},
	{CUE: "architecture", ARM: []string{"properties.architecture"}, Mutability: ForcesReplace, Default: "x64", Since: "2021-10-01", Rule: "Arm64 needs hyperVGeneration V2",
		Kind: String, Ref: ref(func(d *ImageDefinition) *string { return &d.Architecture })},
	{CUE: "securityType", ARM: []string{"properties.features[].name", "properties.features[].value", "properties.features[].startsAtVersion"}, Mutability: UpdatableWithFlag, Flag: "allowUpdateImage",
		Rule: "the SecurityType feature, always sent (Standard when left out); other than Standard needs hyperVGeneration V2; {value, startsAtVersion} applies it from a version on"},
	{CUE: "features", ARM: []string{"properties.features[].name", "properties.features[].value", "properties.features[].startsAtVersion"}, Mutability: UpdatableWithFlag, Flag: "allowUpdateImage",
		Rule: "SecurityType is written as securityType; a value, or {value, startsAtVersion} (a version name, api-version 2024-03-03) for a feature that applies from that version on"},
	{CUE: "allowUpdateImage", ARM: []string{"properties.allowUpdateImage"}, Mutability: Updatable, PatchClears: true, Default: "false", Since: "2024-03-03",
		Kind: Bool, Ref: ref(func(d *ImageDefinition) *bool { return &d.AllowUpdateImage })},
	{CUE: "description", ARM: []string{"properties.description"}, Mutability: Updatable, PatchClears: true, Since: "2018-06-01",
		Kind: String, Ref: ref(func(d *ImageDefinition) *string { return &d.Description })},
	{CUE: "eula", ARM: []string{"properties.eula"}, Mutability: ForcesReplace, Since: "2018-06-01",
		Kind: String, Ref: ref(func(d *ImageDefinition) *string { return &d.EULA })},
	{CUE: "privacyStatementUri", ARM: []string{"properties.privacyStatementUri"}, Mutability: ForcesReplace, Since: "2018-06-01", Rule: "an absolute URI",
		Kind: URI, Ref: ref(func(d *ImageDefinition) *string { return &d.PrivacyStatementURI })},
	{CUE: "releaseNoteUri", ARM: []string{"properties.releaseNoteUri"}, Mutability: Updatable, Since: "2018-06-01", Rule: "an absolute URI",
		Kind: URI, Ref: ref(func(d *ImageDefinition) *string { return &d.ReleaseNoteURI })},
	// An end-of-life date removed from the configuration is removed from
	// the definition: a PATCH cannot clear it, so cloud/azure writes the
	// definition whole (PUT) without it.
	{CUE: "endOfLife", ARM: []string{"properties.endOfLifeDate"}, Mutability: Updatable, Since: "2018-06-01", Rule: "a date (YYYY-MM-DD) in the future when set",
		Kind: Date, Ref: ref(func(d *ImageDefinition) *string { return &d.EndOfLife })},
	{CUE: "recommended.vCPUs", ARM: []string{"properties.recommended.vCPUs.min", "properties.recommended.vCPUs.max"}, Mutability: Updatable, Since: "2018-06-01", Rule: "min ≤ max"},
	{CUE: "recommended.memoryGB", ARM: []string{"properties.recommended.memory.min", "properties.recommended.memory.max"}, Mutability: Updatable, Since: "2018-06-01", Rule: "min ≤ max"},
	{CUE: "disallowedDiskTypes", ARM: []string{"properties.disallowed.diskTypes"}, Mutability: Updatable, Since: "2018-06-01"},
	{CUE: "purchasePlan", ARM: []string{"properties.purchasePlan.publisher", "properties.purchasePlan.name", "properties.purchasePlan.product"}, Mutability: ForcesReplace, Since: "2018-06-01"},
	{CUE: "tags", ARM: []string{"tags"}, Mutability: Updatable, Since: "2018-06-01", Rule: tagRule},
}

// VersionProperties are an image version's properties.
var VersionProperties = []Property{
	{CUE: "source.managedImage", ARM: []string{"properties.storageProfile.source.id"}, Mutability: ForcesReplace, Rule: "exactly one OS disk source"},
	{CUE: "source.version", ARM: []string{"properties.storageProfile.source.id"}, Mutability: ForcesReplace},
	{CUE: "source.virtualMachine", ARM: []string{"properties.storageProfile.source.virtualMachineId"}, Mutability: ForcesReplace},
	{CUE: "source.communityVersion", ARM: []string{"properties.storageProfile.source.communityGalleryImageId"}, Mutability: ForcesReplace},
	{CUE: "source.snapshot", ARM: []string{"properties.storageProfile.osDiskImage.source.id"}, Mutability: ForcesReplace},
	{CUE: "source.disk", ARM: []string{"properties.storageProfile.osDiskImage.source.id"}, Mutability: ForcesReplace},
	{CUE: "source.vhd", ARM: []string{"properties.storageProfile.osDiskImage.source.uri", "properties.storageProfile.osDiskImage.source.storageAccountId"}, Mutability: ForcesReplace},
	{CUE: "source.hostCaching", ARM: []string{"properties.storageProfile.osDiskImage.hostCaching"}, Mutability: ForcesReplace},
	{CUE: "source.dataDisks", ARM: []string{
		"properties.storageProfile.dataDiskImages[].lun", "properties.storageProfile.dataDiskImages[].hostCaching",
		"properties.storageProfile.dataDiskImages[].source.id", "properties.storageProfile.dataDiskImages[].source.uri",
		"properties.storageProfile.dataDiskImages[].source.storageAccountId",
	}, Mutability: ForcesReplace, Rule: "unique LUNs; only with a snapshot, disk or VHD OS disk"},
	{CUE: "location", ARM: []string{"location"}, Mutability: ForcesReplace, Rule: "the source region, among the target regions"},
	{CUE: "replicas", ARM: []string{"properties.publishingProfile.replicaCount"}, Mutability: Updatable, Default: "1"},
	{CUE: "storage", ARM: []string{"properties.publishingProfile.storageAccountType"}, Mutability: PerRegion, Default: "Standard_LRS"},
	{CUE: "regions", ARM: []string{"properties.publishingProfile.targetRegions[].name"}, Mutability: PerRegion, Rule: "known regions; includes the source region"},
	{CUE: "regions.<region>.replicas", ARM: []string{"properties.publishingProfile.targetRegions[].regionalReplicaCount"}, Mutability: PerRegion, Rule: "1-100"},
	{CUE: "regions.<region>.storage", ARM: []string{"properties.publishingProfile.targetRegions[].storageAccountType"}, Mutability: PerRegion},
	{CUE: "regions.<region>.excludeFromLatest", ARM: []string{"properties.publishingProfile.targetRegions[].excludeFromLatest"}, Mutability: PerRegion},
	{CUE: "regions.<region>.encryption", ARM: []string{
		"properties.publishingProfile.targetRegions[].encryption.osDiskImage.diskEncryptionSetId",
		"properties.publishingProfile.targetRegions[].encryption.osDiskImage.securityProfile.confidentialVMEncryptionType",
		"properties.publishingProfile.targetRegions[].encryption.osDiskImage.securityProfile.secureVMDiskEncryptionSetId",
		"properties.publishingProfile.targetRegions[].encryption.dataDiskImages[].lun",
		"properties.publishingProfile.targetRegions[].encryption.dataDiskImages[].diskEncryptionSetId",
		"properties.publishingProfile.targetRegions[].encryption.dataDiskImages[].securityProfile.confidentialVMEncryptionType",
		"properties.publishingProfile.targetRegions[].encryption.dataDiskImages[].securityProfile.secureVMDiskEncryptionSetId",
	}, Mutability: PerRegion, Rule: "data disk LUNs among the source's; Confidential VM encryption only on a ConfidentialVM image (a data disk's: DataDiskEncryptedWithCmk with its secure set); a disk encrypted in one target region is encrypted in every target region"},
	{CUE: "replicationMode", ARM: []string{"properties.publishingProfile.replicationMode"}, Mutability: ForcesReplace, Default: "Full", Since: "2021-07-01",
		Kind: String, Ref: ref(func(v *ImageVersion) *string { return &v.ReplicationMode })},
	{CUE: "excludeFromLatest", ARM: []string{"properties.publishingProfile.excludeFromLatest"}, Mutability: Updatable, Default: "false", Since: "2018-06-01",
		Kind: Bool, Ref: ref(func(v *ImageVersion) *bool { return &v.ExcludeFromLatest })},
	{CUE: "endOfLife", ARM: []string{"properties.publishingProfile.endOfLifeDate"}, Mutability: Updatable, Since: "2018-06-01", Rule: "a date (YYYY-MM-DD) in the future when set",
		Kind: Date, Ref: ref(func(v *ImageVersion) *string { return &v.EndOfLife })},
	{CUE: "safety.allowDeletionOfReplicatedLocations", ARM: []string{"properties.safetyProfile.allowDeletionOfReplicatedLocations"}, Mutability: Updatable, Default: "true"},
	{CUE: "safety.blockDeletionBeforeEndOfLife", ARM: []string{"properties.safetyProfile.blockDeletionBeforeEndOfLife"}, Mutability: Updatable, Default: "false"},
	{CUE: "edgeZones", ARM: []string{
		"properties.publishingProfile.targetExtendedLocations[].name",
		"properties.publishingProfile.targetExtendedLocations[].extendedLocation.name",
		"properties.publishingProfile.targetExtendedLocations[].extendedLocation.type",
		"properties.publishingProfile.targetExtendedLocations[].extendedLocationReplicaCount",
		"properties.publishingProfile.targetExtendedLocations[].storageAccountType",
	}, Mutability: PerRegion, Rule: "the parent region is a target region"},
	{CUE: "edgeZones.<zone>.encryption", ARM: []string{
		"properties.publishingProfile.targetExtendedLocations[].encryption.osDiskImage.diskEncryptionSetId",
		"properties.publishingProfile.targetExtendedLocations[].encryption.osDiskImage.securityProfile.confidentialVMEncryptionType",
		"properties.publishingProfile.targetExtendedLocations[].encryption.osDiskImage.securityProfile.secureVMDiskEncryptionSetId",
		"properties.publishingProfile.targetExtendedLocations[].encryption.dataDiskImages[].lun",
		"properties.publishingProfile.targetExtendedLocations[].encryption.dataDiskImages[].diskEncryptionSetId",
		"properties.publishingProfile.targetExtendedLocations[].encryption.dataDiskImages[].securityProfile.confidentialVMEncryptionType",
		"properties.publishingProfile.targetExtendedLocations[].encryption.dataDiskImages[].securityProfile.secureVMDiskEncryptionSetId",
	}, Mutability: PerRegion},
	// UEFI keys are given when the version is created ("Secure Boot UEFI
	// keys": each scenario creates a new image version with its
	// securityProfile block); the REST spec offers no update of them, so a
	// change replaces the version.
	{CUE: "securityProfile.uefiSettings", ARM: []string{
		"properties.securityProfile.uefiSettings.signatureTemplateNames",
		"properties.securityProfile.uefiSettings.additionalSignatures.pk.type",
		"properties.securityProfile.uefiSettings.additionalSignatures.pk.value",
		"properties.securityProfile.uefiSettings.additionalSignatures.kek[].type",
		"properties.securityProfile.uefiSettings.additionalSignatures.kek[].value",
		"properties.securityProfile.uefiSettings.additionalSignatures.db[].type",
		"properties.securityProfile.uefiSettings.additionalSignatures.db[].value",
		"properties.securityProfile.uefiSettings.additionalSignatures.dbx[].type",
		"properties.securityProfile.uefiSettings.additionalSignatures.dbx[].value",
	}, Mutability: ForcesReplace, Since: "2022-08-03",
		Rule: "a TrustedLaunchSupported or TrustedLaunchAndConfidentialVmSupported definition; values base64, a sha256 one 32 bytes"},
	{CUE: "tags", ARM: []string{"tags"}, Mutability: Updatable, Rule: tagRule},
}

// Unsupported are the writable ARM properties of the 2026-03-03 models
// (armcompute Gallery, GalleryImage, GalleryImageVersion; armauthorization
// role assignments) that curator cannot express, with the reason. curator
// neither sets nor diffs them. TestEveryWritablePropertyIsExpressible
// (cmd/curator) walks the SDK's models and holds every other writable
// property to reaching the wire from a configuration.
var Unsupported = map[string]string{
	"properties.identifier.uniqueName":                                   "read-only: the service names the gallery",
	"properties.publishingProfile.storageAccountStrategy":                "not expressible with storage: curator always sends publishingProfile.storageAccountType (Standard_LRS unless configured), which the service does not take together with a strategy (\"Cannot be specified along with storageAccountStrategy\"), so the strategy's PreferStandard_ZRS default of 2025-03-03 never applies",
	"properties.publishingProfile.targetRegions[].additionalReplicaSets": "not modelled yet: each target region holds its replicas in one storage type (regions.<region>.storage)",
	"properties.storageProfile.osDiskImage.sizeInGB":                     "read-only: reported by the service",
	"properties.storageProfile.dataDiskImages[].sizeInGB":                "read-only: reported by the service",
	"properties.securityProfile.secretsProvisioningSettings": "not modelled: secrets provisioning settings of an image version (api-version 2026-03-03 only); " +
		"no document says which operating systems, components and component versions the service takes or whether they can change, so curator cannot validate or plan them",
	"properties.imageMetadataProfiles":                    "not modelled: image metadata profiles of an image version",
	"properties.restore":                                  "an operation, not a desired state: it restores a soft-deleted version, which curator would create again instead",
	"properties.safetyProfile.policyViolations":           "reported by users of the image, not by its publisher",
	"properties.safetyProfile.reportedForPolicyViolation": "read-only",
	"properties.publishingProfile.publishedDate":          "read-only: observed, shown by import as a comment",
	"identity": "not modelled yet: the gallery's managed identity; curator neither sets nor removes it",
	// Role assignments (armauthorization RoleAssignmentProperties).
	"properties.condition":                          "not modelled yet: curator's shares grant a role without an ABAC condition",
	"properties.conditionVersion":                   "goes with properties.condition",
	"properties.delegatedManagedIdentityResourceId": "for assignments made through a delegated managed identity (Azure Lighthouse); curator assigns roles to principals directly",
}

// SetByCurator are the ARM paths curator writes that no configuration
// property backs, per resource kind ("gallery", "image", "version"), with
// the reason.
var SetByCurator = map[string]map[string]string{
	"image": {"location": "an image definition lives in its gallery's location, which cloud/azure reads and sends"},
}

// PropertyByCUE finds a property of a table by its configuration path.
func PropertyByCUE(table []Property, cue string) (Property, bool) {
	for _, p := range table {
		if p.CUE == cue {
			return p, true
		}
	}
	return Property{}, false
}

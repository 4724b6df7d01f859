package model

// The property tables say, for every property a user sets on a resource
// kind, where it lives in the configuration (CUE) and in the ARM resource
// body (ARM), whether the service updates it in place or a change forces a
// replace, its default, and which rule checks it. The loader, the planner's
// diff, cloud/azure's mapping and the emulator read them or are tested
// against them, so that they cannot disagree; a test in cloud/azure walks
// the Azure SDK's model types and fails on a writable field that is in no
// table and not listed in Unsupported.
//
// Sources: the REST API specification of Microsoft.Compute galleries
// (GalleryRP, api-version 2026-03-03: Gallery, GalleryImage,
// GalleryImageVersion and their Update models), and the Azure Compute
// Gallery documentation ("Create an image definition and an image
// version", "Share images", "Replicate to edge zones", "Soft delete").

// Mutability is what the service does when a property changes.
type Mutability int

const (
	// ForcesReplace: the service refuses the change; the resource must be
	// deleted and created again.
	ForcesReplace Mutability = iota
	// Updatable in place (PATCH).
	Updatable
	// UpdatableWithAllowUpdateImage: updatable only while the image
	// definition's allowUpdateImage is true (its features).
	UpdatableWithAllowUpdateImage
	// PerRegion: applied region by region, as a replication change; a
	// region whose value changes is removed and added again.
	PerRegion
)

func (m Mutability) String() string {
	switch m {
	case Updatable:
		return "updatable"
	case UpdatableWithAllowUpdateImage:
		return "updatable with allowUpdateImage"
	case PerRegion:
		return "per region"
	}
	return "forces replace"
}

// Property is one property of a resource kind.
type Property struct {
	// CUE is its path in the configuration, relative to the resource
	// ("regions.<region>.replicas").
	CUE string
	// ARM is its path in the ARM resource body, "[]" marking a list
	// element ("properties.publishingProfile.targetRegions[].regionalReplicaCount").
	// Several ARM paths may back one CUE property (an alternative each).
	ARM []string
	// Mutability is how a change is applied.
	Mutability Mutability
	// Default is the value when the configuration leaves it out ("" for
	// none).
	Default string
	// Rule names the checks the loader makes beyond the schema's type.
	Rule string
}

// GalleryProperties are a gallery's properties.
var GalleryProperties = []Property{
	{CUE: "location", ARM: []string{"location"}, Mutability: ForcesReplace, Rule: "a known region, normalised"},
	{CUE: "description", ARM: []string{"properties.description"}, Mutability: Updatable},
	{CUE: "tags", ARM: []string{"tags"}, Mutability: Updatable, Rule: "at most 50 tags with curator's ownership tag"},
	{CUE: "sharing.permission", ARM: []string{"properties.sharingProfile.permissions"}, Mutability: Updatable, Default: "Private",
		Rule: "Groups only on a gallery created with it; Community needs sharing.community"},
	{CUE: "sharing.subscriptions", ARM: []string{"properties.sharingProfile.groups[].ids"}, Mutability: Updatable, Rule: "GUIDs; at most 30 subscriptions"},
	{CUE: "sharing.tenants", ARM: []string{"properties.sharingProfile.groups[].ids"}, Mutability: Updatable, Rule: "GUIDs; at most 5 tenants"},
	{CUE: "sharing.community", ARM: []string{"properties.sharingProfile.communityGalleryInfo"}, Mutability: Updatable,
		Rule: "publisherUri a URI, prefix 5-16 characters"},
	{CUE: "softDelete", ARM: []string{"properties.softDeletePolicy.isSoftDeleteEnabled"}, Mutability: Updatable, Default: "false"},
}

// ImageProperties are an image definition's properties.
var ImageProperties = []Property{
	{CUE: "publisher", ARM: []string{"properties.identifier.publisher"}, Mutability: ForcesReplace, Rule: "1-128 characters; publisher/offer/sku unique in the gallery"},
	{CUE: "offer", ARM: []string{"properties.identifier.offer"}, Mutability: ForcesReplace, Rule: "1-64 characters"},
	{CUE: "sku", ARM: []string{"properties.identifier.sku"}, Mutability: ForcesReplace, Rule: "1-64 characters"},
	{CUE: "osType", ARM: []string{"properties.osType"}, Mutability: ForcesReplace},
	{CUE: "osState", ARM: []string{"properties.osState"}, Mutability: ForcesReplace},
	{CUE: "hyperVGeneration", ARM: []string{"properties.hyperVGeneration"}, Mutability: ForcesReplace, Default: "V1"},
	{CUE: "architecture", ARM: []string{"properties.architecture"}, Mutability: ForcesReplace, Default: "x64", Rule: "Arm64 needs hyperVGeneration V2"},
	{CUE: "securityType", ARM: []string{"properties.features[].name", "properties.features[].value"}, Mutability: UpdatableWithAllowUpdateImage,
		Rule: "the SecurityType feature; needs hyperVGeneration V2"},
	{CUE: "features", ARM: []string{"properties.features[].name", "properties.features[].value"}, Mutability: UpdatableWithAllowUpdateImage,
		Rule: "SecurityType is written as securityType"},
	{CUE: "allowUpdateImage", ARM: []string{"properties.allowUpdateImage"}, Mutability: Updatable, Default: "false"},
	{CUE: "description", ARM: []string{"properties.description"}, Mutability: Updatable},
	{CUE: "eula", ARM: []string{"properties.eula"}, Mutability: ForcesReplace},
	{CUE: "privacyStatementUri", ARM: []string{"properties.privacyStatementUri"}, Mutability: ForcesReplace, Rule: "an absolute URI"},
	{CUE: "releaseNoteUri", ARM: []string{"properties.releaseNoteUri"}, Mutability: Updatable, Rule: "an absolute URI"},
	{CUE: "endOfLife", ARM: []string{"properties.endOfLifeDate"}, Mutability: Updatable, Rule: "a date (YYYY-MM-DD) in the future when set"},
	{CUE: "recommended.vCPUs", ARM: []string{"properties.recommended.vCPUs.min", "properties.recommended.vCPUs.max"}, Mutability: Updatable, Rule: "min ≤ max"},
	{CUE: "recommended.memoryGB", ARM: []string{"properties.recommended.memory.min", "properties.recommended.memory.max"}, Mutability: Updatable, Rule: "min ≤ max"},
	{CUE: "disallowedDiskTypes", ARM: []string{"properties.disallowed.diskTypes"}, Mutability: Updatable},
	{CUE: "purchasePlan", ARM: []string{"properties.purchasePlan.publisher", "properties.purchasePlan.name", "properties.purchasePlan.product"}, Mutability: ForcesReplace},
	{CUE: "tags", ARM: []string{"tags"}, Mutability: Updatable, Rule: "at most 50 tags with curator's ownership tag"},
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
	}, Mutability: PerRegion, Rule: "data disk LUNs among the source's; Confidential VM encryption only on a ConfidentialVM image"},
	{CUE: "edgeZones", ARM: []string{
		"properties.publishingProfile.targetExtendedLocations[].name",
		"properties.publishingProfile.targetExtendedLocations[].extendedLocation.name",
		"properties.publishingProfile.targetExtendedLocations[].extendedLocationReplicaCount",
		"properties.publishingProfile.targetExtendedLocations[].storageAccountType",
	}, Mutability: PerRegion, Rule: "the parent region is a target region"},
	{CUE: "edgeZones.<zone>.encryption", ARM: []string{
		"properties.publishingProfile.targetExtendedLocations[].encryption.osDiskImage.diskEncryptionSetId",
		"properties.publishingProfile.targetExtendedLocations[].encryption.osDiskImage.securityProfile.confidentialVMEncryptionType",
		"properties.publishingProfile.targetExtendedLocations[].encryption.osDiskImage.securityProfile.secureVMDiskEncryptionSetId",
		"properties.publishingProfile.targetExtendedLocations[].encryption.dataDiskImages[].lun",
		"properties.publishingProfile.targetExtendedLocations[].encryption.dataDiskImages[].diskEncryptionSetId",
	}, Mutability: PerRegion},
	{CUE: "replicationMode", ARM: []string{"properties.publishingProfile.replicationMode"}, Mutability: ForcesReplace, Default: "Full"},
	{CUE: "excludeFromLatest", ARM: []string{"properties.publishingProfile.excludeFromLatest"}, Mutability: Updatable, Default: "false"},
	{CUE: "endOfLife", ARM: []string{"properties.publishingProfile.endOfLifeDate"}, Mutability: Updatable, Rule: "a date (YYYY-MM-DD) in the future when set"},
	{CUE: "safety.allowDeletionOfReplicatedLocations", ARM: []string{"properties.safetyProfile.allowDeletionOfReplicatedLocations"}, Mutability: Updatable, Default: "true"},
	{CUE: "safety.blockDeletionBeforeEndOfLife", ARM: []string{"properties.safetyProfile.blockDeletionBeforeEndOfLife"}, Mutability: Updatable, Default: "false"},
	{CUE: "tags", ARM: []string{"tags"}, Mutability: Updatable, Rule: "at most 50 tags with curator's ownership tag"},
}

// Unsupported are the writable ARM properties curator deliberately leaves
// alone, with the reason. curator neither sets nor diffs them.
var Unsupported = map[string]string{
	"properties.identifier.uniqueName":                                             "read-only: the service names the gallery",
	"properties.sharingProfile.groups[].type":                                      "derived from sharing.subscriptions and sharing.tenants",
	"properties.softDeletePolicy.retentionPeriodInDays":                            "the service's default retention; not settable in every api-version",
	"properties.softDeletePolicy.gracePeriodInDays":                                "the service's default grace period; not settable in every api-version",
	"properties.features[].startsAtVersion":                                        "feature versioning is preview-only; features apply to every version",
	"properties.publishingProfile.storageAccountStrategy":                          "preview; the service's default strategy",
	"properties.publishingProfile.targetRegions[].additionalReplicaSets":           "preview (mixed storage types in one region)",
	"properties.storageProfile.osDiskImage.sizeInGB":                               "read-only: reported by the service",
	"properties.storageProfile.dataDiskImages[].sizeInGB":                          "read-only: reported by the service",
	"properties.securityProfile":                                                   "UEFI key customisation is preview-only",
	"properties.imageMetadataProfiles":                                             "preview",
	"properties.restore":                                                           "restoring a soft-deleted version is an operation, not a desired state",
	"properties.safetyProfile.policyViolations":                                    "reported by users of the image, not by its publisher",
	"properties.safetyProfile.reportedForPolicyViolation":                          "read-only",
	"properties.publishingProfile.publishedDate":                                   "read-only: observed, shown by import as a comment",
	"properties.publishingProfile.targetExtendedLocations[].extendedLocation.type": "always EdgeZone",
	"identity": "the gallery's managed identity is not modelled yet; curator neither sets nor removes it",
	"properties.publishingProfile.targetRegions[].encryption.dataDiskImages[].securityProfile": "confidential encryption of data disks is not modelled: " +
		"a data disk's encryption is its disk encryption set (model.DataDiskEncryption)",
	"properties.publishingProfile.targetExtendedLocations[].encryption.dataDiskImages[].securityProfile": "confidential encryption of data disks is not modelled",
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

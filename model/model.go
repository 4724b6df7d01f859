// Package model holds the Go types of the estate curator reconciles —
// galleries, image definitions, image versions, shares, addresses, roles,
// regions — and, per resource kind, the table of its properties (see
// properties.go). Desired state (decoded from CUE by package schema) and
// actual state (read from the cloud by cloud/azure) are the same types, so
// the planner diffs like with like.
//
// The model holds exactly what the cloud can hold, plus a few desired-only
// knobs (Adopt, AllowReplace, SizeGB) and actual-only observations
// (Observed), both of which the diff ignores where they have no cloud
// counterpart.
//
// model imports no CUE, does no I/O and calls nothing: planner and
// cloud/azure use it without linking the CUE evaluator.
package model

import (
	"fmt"
	"strings"
)

// ManagedByTag is the tag curator puts on every gallery, image definition and
// image version it creates; its value is the configuration name. Nothing
// without it (or with another configuration's name) is ever updated or
// deleted.
const ManagedByTag = "curator.managed-by"

// DefaultSubscription and DefaultResourceGroup are the scope of a local target
// that names none.
const (
	DefaultSubscription  = "00000000-0000-0000-0000-000000000000"
	DefaultResourceGroup = "curator"
	DefaultName          = "default"
	DefaultMaxDeletes    = 10
)

// State is the whole estate in one scope (a subscription and resource group):
// galleries → image definitions → image versions, with their shares.
type State struct {
	// Name identifies the configuration; it is the value of ManagedByTag.
	Name   string `json:"name"`
	Target Target `json:"target"`
	// Prune deletes managed resources that left the configuration.
	Prune bool `json:"prune,omitempty"`
	// MaxDeletes refuses plans that delete more than this many resources.
	MaxDeletes int                 `json:"maxDeletes,omitempty"`
	Galleries  map[string]*Gallery `json:"galleries,omitempty"`
}

// Target says which cloud the configuration is reconciled against. Exactly
// one of Local and Azure is set.
type Target struct {
	Local *LocalTarget `json:"local,omitempty"`
	Azure *AzureTarget `json:"azure,omitempty"`
}

// LocalTarget is the embedded emulator, or a running `curator emulator serve`
// when Endpoint is set.
type LocalTarget struct {
	Endpoint      string `json:"endpoint,omitempty"`
	Subscription  string `json:"subscription,omitempty"`
	ResourceGroup string `json:"resourceGroup,omitempty"`
	// Lock, with Endpoint, replaces the file lock by a blob lease.
	Lock *Lock `json:"lock,omitempty"`
}

// AzureTarget is Azure Resource Manager.
type AzureTarget struct {
	Subscription  string `json:"subscription"`
	ResourceGroup string `json:"resourceGroup"`
	// Cloud is AzurePublic (default), AzureChina or AzureGovernment.
	Cloud string `json:"cloud,omitempty"`
	// Lock is the apply lock shared by every runner; without it the lock
	// is a file on this machine.
	Lock *Lock `json:"lock,omitempty"`
	// Read is how the actual state is read: "graph" (Azure Resource
	// Graph), "arm" (Resource Manager list calls), or "" to choose by the
	// configuration's size.
	Read string `json:"read,omitempty"`
}

// Lock is an apply lock held as a lease on an Azure blob.
type Lock struct {
	// Blob is the blob's URL:
	// https://<account>.blob.core.windows.net/<container>/<name>.
	Blob string `json:"blob"`
}

// BlobLock returns the target's blob lock, or nil when it locks with a
// file.
func (t Target) BlobLock() *Lock {
	switch {
	case t.Azure != nil:
		return t.Azure.Lock
	case t.Local != nil:
		return t.Local.Lock
	}
	return nil
}

// AzureCloud is the Azure cloud the target's Azure resources (its lock
// blob) live in: the Azure target's cloud, "" (AzurePublic) for a local
// target.
func (t Target) AzureCloud() string {
	if t.Azure != nil {
		return t.Azure.Cloud
	}
	return ""
}

// Scope returns the subscription and resource group the target manages,
// with the local defaults applied.
func (t Target) Scope() (subscription, resourceGroup string) {
	switch {
	case t.Azure != nil:
		return t.Azure.Subscription, t.Azure.ResourceGroup
	case t.Local != nil:
		subscription, resourceGroup = t.Local.Subscription, t.Local.ResourceGroup
	}
	if subscription == "" {
		subscription = DefaultSubscription
	}
	if resourceGroup == "" {
		resourceGroup = DefaultResourceGroup
	}
	return subscription, resourceGroup
}

// Kind is "local" or "azure".
func (t Target) Kind() string {
	if t.Azure != nil {
		return "azure"
	}
	return "local"
}

// Pos is a position in a configuration file. The zero Pos means "unknown"
// (actual state has none).
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// Gallery is an Azure Compute Gallery.
type Gallery struct {
	Location    string            `json:"location"`
	Description string            `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	// Sharing is the gallery's sharing profile (direct shared gallery or
	// community gallery); nil means private and unmanaged by curator.
	Sharing *Sharing `json:"sharing,omitempty"`
	// SoftDelete keeps deleted image versions recoverable for a while
	// (properties.softDeletePolicy.isSoftDeleteEnabled).
	SoftDelete bool                        `json:"softDelete,omitempty"`
	Shares     map[string]*Share           `json:"shares,omitempty"`
	Images     map[string]*ImageDefinition `json:"images,omitempty"`

	// Extensions hold the values of properties declared (model's property
	// tables) without a Go field of their own, by CUE path.
	Extensions map[string]any `json:"extensions,omitempty"`

	Adopt        bool `json:"adopt,omitempty"`
	AllowReplace bool `json:"allowReplace,omitempty"`
	Pos          Pos  `json:"-"`
}

// Sharing is a gallery's sharing profile.
type Sharing struct {
	// Permission is Private, Groups or Community.
	Permission    string     `json:"permission"`
	Subscriptions []string   `json:"subscriptions,omitempty"`
	Tenants       []string   `json:"tenants,omitempty"`
	Community     *Community `json:"community,omitempty"`
}

// Community is the public information of a community gallery.
type Community struct {
	PublisherURI   string `json:"publisherUri"`
	PublisherEmail string `json:"publisherEmail"`
	EULA           string `json:"eula"`
	Prefix         string `json:"prefix"`
}

// Share is an Azure RBAC role assignment at gallery or image definition
// scope. In desired state the map key is the user's label; in actual state it
// is the role assignment's name (a GUID). The planner matches shares by
// (PrincipalID, RoleDefinitionID(Role)), never by key.
type Share struct {
	PrincipalID string `json:"principalId"`
	// PrincipalType is User, Group, ServicePrincipal or ForeignGroup.
	PrincipalType string `json:"principalType,omitempty"`
	// Role is a built-in role name (see Roles) or a role definition GUID.
	Role string `json:"role"`
	// Description is set by the cloud side; curator writes one naming itself
	// and the configuration, which is how it recognises its own assignments.
	Description string `json:"description,omitempty"`
	// Name is the role assignment's name (a GUID) in actual state; empty in
	// desired state, where the cloud side derives it deterministically.
	Name string `json:"name,omitempty"`
	Pos  Pos    `json:"-"`
}

// ShareDescription is the description curator writes on the role
// assignments it creates for configuration name; it is how curator
// recognises its own assignments.
func ShareDescription(configName string) string {
	return "Managed by curator (configuration " + configName + ")"
}

// ImageDefinition is a gallery image: a logical grouping of image versions.
type ImageDefinition struct {
	Publisher string `json:"publisher"`
	Offer     string `json:"offer"`
	SKU       string `json:"sku"`
	// OSType is Linux or Windows.
	OSType string `json:"osType"`
	// OSState is Generalized or Specialized.
	OSState string `json:"osState"`
	// HyperVGeneration is V1 or V2 (defaulted to V1 by schema).
	HyperVGeneration string `json:"hyperVGeneration"`
	// Architecture is x64 or Arm64 (defaulted to x64 on both sides: the
	// service reports none for definitions made before it existed).
	Architecture string `json:"architecture,omitempty"`
	// SecurityType is the value of the SecurityType feature: TrustedLaunch,
	// TrustedLaunchSupported, ConfidentialVM, ConfidentialVmSupported or
	// TrustedLaunchAndConfidentialVmSupported; "" is none
	// (SecurityTypeStandard), whether the service reports no feature (a
	// definition made before api-version 2025-03-03) or the value
	// Standard (the opt-out curator sends; see SecurityTypeToSend).
	SecurityType string `json:"securityType,omitempty"`
	// Features are the definition's other features, name → value (e.g.
	// IsAcceleratedNetworkSupported: "True", DiskControllerTypes:
	// "SCSI, NVMe"); SecurityType is never among them.
	Features map[string]string `json:"features,omitempty"`
	// FeatureVersions are the features that apply from a version of the
	// definition on, name → that version (properties.features[].startsAtVersion,
	// api-version 2024-03-03); the security type's is under "SecurityType".
	// A feature not named here applies to every version.
	FeatureVersions map[string]string `json:"featureVersions,omitempty"`
	// AllowUpdateImage lets the features be updated in place
	// (properties.allowUpdateImage); without it a feature change forces a
	// replace.
	AllowUpdateImage    bool              `json:"allowUpdateImage,omitempty"`
	Description         string            `json:"description,omitempty"`
	EULA                string            `json:"eula,omitempty"`
	PrivacyStatementURI string            `json:"privacyStatementUri,omitempty"`
	ReleaseNoteURI      string            `json:"releaseNoteUri,omitempty"`
	EndOfLife           string            `json:"endOfLife,omitempty"` // YYYY-MM-DD
	Recommended         *Recommended      `json:"recommended,omitempty"`
	DisallowedDiskTypes []string          `json:"disallowedDiskTypes,omitempty"`
	PurchasePlan        *PurchasePlan     `json:"purchasePlan,omitempty"`
	Tags                map[string]string `json:"tags,omitempty"`
	Shares              map[string]*Share `json:"shares,omitempty"`
	// Versions are keyed by their Major.Minor.Patch name.
	Versions map[string]*ImageVersion `json:"versions,omitempty"`

	// Extensions hold the values of properties declared (model's property
	// tables) without a Go field of their own, by CUE path.
	Extensions map[string]any `json:"extensions,omitempty"`

	Adopt        bool `json:"adopt,omitempty"`
	AllowReplace bool `json:"allowReplace,omitempty"`
	Pos          Pos  `json:"-"`
}

// SecurityTypeStandard is the SecurityType feature's value for a
// definition without Trusted Launch or Confidential VM support: the
// configuration's opt-out (securityType: "Standard"), which the model
// holds as "".
const SecurityTypeStandard = "Standard"

// SecurityTypeFeature is the name of the feature that holds the security
// type.
const SecurityTypeFeature = "SecurityType"

// Versioned is a feature's value with the first version of the definition
// it applies to, as a configuration writes it: {value: "TrustedLaunch",
// startsAtVersion: "2.0.0"}.
type Versioned struct {
	Value           string `json:"value"`
	StartsAtVersion string `json:"startsAtVersion"`
}

// SecurityTypeAsWritten is d's security type as a configuration writes
// it: the value, or a Versioned when it applies from a version on; "" for
// none.
func (d *ImageDefinition) SecurityTypeAsWritten() any {
	if v := d.FeatureVersions[SecurityTypeFeature]; v != "" {
		return Versioned{Value: SecurityTypeToSend(d), StartsAtVersion: v}
	}
	return d.SecurityType
}

// FeaturesAsWritten are d's other features as a configuration writes
// them: name → value, or → Versioned for one that applies from a version
// on. It is nil when d has none.
func (d *ImageDefinition) FeaturesAsWritten() map[string]any {
	if len(d.Features) == 0 {
		return nil
	}
	out := make(map[string]any, len(d.Features))
	for n, v := range d.Features {
		if from := d.FeatureVersions[n]; from != "" {
			out[n] = Versioned{Value: v, StartsAtVersion: from}
		} else {
			out[n] = v
		}
	}
	return out
}

// SecurityTypeToSend is the SecurityType feature value curator writes for
// d: its security type, or Standard when it has none. "Starting with API
// 2025-03-03, all new Compute Gallery image definitions will default to
// Hyper-V Generation: V2, Security Type: TrustedLaunchSupported", on "the
// absence of securityType feature from deployment"; "you can choose to
// explicitly bypass default for new Compute Gallery image definitions by
// setting Standard as the value for securityType under features" (Azure
// Compute Gallery overview, "Trusted Launch validation for Azure Compute
// Gallery images"). curator sends hyperVGeneration always and Standard for
// a definition whose configuration names no security type, so that the
// configuration means what it meant before the service changed its
// defaults and the service's default never shows as drift.
func SecurityTypeToSend(d *ImageDefinition) string {
	if d.SecurityType == "" {
		return SecurityTypeStandard
	}
	return d.SecurityType
}

// NormalizeSecurityType maps the SecurityType feature's value to the
// model's: Standard (any case) is "".
func NormalizeSecurityType(v string) string {
	if strings.EqualFold(v, SecurityTypeStandard) {
		return ""
	}
	return v
}

// Recommended holds the recommended machine configuration.
type Recommended struct {
	VCPUs    *Range `json:"vCPUs,omitempty"`
	MemoryGB *Range `json:"memoryGB,omitempty"`
}

// Range is an inclusive range; zero means unset.
type Range struct {
	Min int `json:"min,omitempty"`
	Max int `json:"max,omitempty"`
}

// PurchasePlan is the Marketplace plan an image derives from.
type PurchasePlan struct {
	Publisher string `json:"publisher"`
	Name      string `json:"name"`
	Product   string `json:"product"`
}

// ImageVersion is a gallery image version, named Major.Minor.Patch.
type ImageVersion struct {
	// Source is what the version is made from; nil means the version is
	// published by someone else (e.g. Packer) and curator manages only its
	// mutable fields.
	Source *Source `json:"source,omitempty"`
	// Location is the source region (normalised, e.g. "westeurope").
	Location string `json:"location"`
	// Replicas is the common replica count (1..10).
	Replicas int `json:"replicas"`
	// Storage is the default storage account type.
	Storage string `json:"storage"`
	// Regions are the target regions keyed by normalised region name, each
	// with concrete (defaulted) replicas and storage. Never empty after
	// schema decoding; always includes Location.
	Regions map[string]TargetRegion `json:"regions"`
	// EdgeZones are the Azure Extended Zones the version is replicated to,
	// keyed by the zone's name (e.g. "microsoftlosangeles1").
	EdgeZones map[string]EdgeZone `json:"edgeZones,omitempty"`
	// ReplicationMode is Full (the default) or Shallow (no copy: for tests
	// of a new version, in the source region only).
	ReplicationMode   string  `json:"replicationMode,omitempty"`
	ExcludeFromLatest bool    `json:"excludeFromLatest,omitempty"`
	EndOfLife         string  `json:"endOfLife,omitempty"` // YYYY-MM-DD
	Safety            *Safety `json:"safety,omitempty"`
	// UEFI is the version's Secure Boot key customisation
	// (properties.securityProfile.uefiSettings).
	UEFI *UEFISettings     `json:"uefiSettings,omitempty"`
	Tags map[string]string `json:"tags,omitempty"`
	// SizeGB is the used size of the image, a hint for cost estimates.
	SizeGB float64 `json:"sizeGB,omitempty"`

	// Extensions hold the values of properties declared (model's property
	// tables) without a Go field of their own, by CUE path.
	Extensions map[string]any `json:"extensions,omitempty"`

	Adopt        bool `json:"adopt,omitempty"`
	AllowReplace bool `json:"allowReplace,omitempty"`
	Pos          Pos  `json:"-"`

	// Observed is set on actual state only: what the cloud reports and
	// nobody configures. The planner never diffs it.
	Observed *VersionObserved `json:"observed,omitempty"`
}

// Source is what an image version is made from: exactly one of the OS
// disk's sources (ManagedImage, Snapshot, Disk, VHD, VirtualMachine,
// Version, CommunityVersion), and the data disks, each from a snapshot, a
// managed disk or a VHD. A managed image, a virtual machine or another
// image version brings its data disks along, so DataDisks go with an OS
// disk from a snapshot, disk or VHD.
type Source struct {
	ManagedImage string     `json:"managedImage,omitempty"`
	Snapshot     string     `json:"snapshot,omitempty"`
	Disk         string     `json:"disk,omitempty"`
	VHD          *VHDSource `json:"vhd,omitempty"`
	// VirtualMachine is the ID of a virtual machine to capture.
	VirtualMachine string `json:"virtualMachine,omitempty"`
	// Version is the ID of an image version in another gallery.
	Version string `json:"version,omitempty"`
	// CommunityVersion is the ID of a community gallery image version
	// (/CommunityGalleries/…/Images/…/Versions/…).
	CommunityVersion string `json:"communityVersion,omitempty"`
	// HostCaching is the OS disk's host caching: None, ReadOnly or
	// ReadWrite; "" leaves it to the service.
	HostCaching string           `json:"hostCaching,omitempty"`
	DataDisks   []DataDiskSource `json:"dataDisks,omitempty"`
}

// DataDiskSource is one data disk of an image version: exactly one of
// Snapshot, Disk and VHD, at a LUN.
type DataDiskSource struct {
	LUN         int        `json:"lun"`
	Snapshot    string     `json:"snapshot,omitempty"`
	Disk        string     `json:"disk,omitempty"`
	VHD         *VHDSource `json:"vhd,omitempty"`
	HostCaching string     `json:"hostCaching,omitempty"`
}

// Safety is an image version's safety profile.
type Safety struct {
	// AllowDeletionOfReplicatedLocations lets target regions be removed
	// (the service's default is true).
	AllowDeletionOfReplicatedLocations bool `json:"allowDeletionOfReplicatedLocations"`
	// BlockDeletionBeforeEndOfLife refuses a delete before the version's
	// end-of-life date.
	BlockDeletionBeforeEndOfLife bool `json:"blockDeletionBeforeEndOfLife,omitempty"`
}

// EdgeZone is an Azure Extended Zone an image version is replicated to.
type EdgeZone struct {
	// Region is the zone's parent region (normalised), which must be a
	// target region of the version too.
	Region   string `json:"region"`
	Replicas int    `json:"replicas"`
	// Storage is Standard_LRS, Standard_ZRS, StandardSSD_LRS or
	// Premium_LRS.
	Storage    string      `json:"storage"`
	Encryption *Encryption `json:"encryption,omitempty"`
}

// Encryption is how the replicas in one region are encrypted: with
// customer-managed keys through disk encryption sets, per disk, and for
// Confidential VM images the OS disk's confidential encryption.
type Encryption struct {
	// OSDisk is the disk encryption set ID of the OS disk.
	OSDisk    string               `json:"osDisk,omitempty"`
	DataDisks []DataDiskEncryption `json:"dataDisks,omitempty"`
	// ConfidentialVM is EncryptedVMGuestStateOnlyWithPmk,
	// EncryptedWithPmk, EncryptedWithCmk or NonPersistedTPM.
	ConfidentialVM string `json:"confidentialVM,omitempty"`
	// ConfidentialVMEncryptionSet is the secure VM disk encryption set of
	// a Confidential VM OS disk encrypted with a customer-managed key.
	ConfidentialVMEncryptionSet string `json:"confidentialVMEncryptionSet,omitempty"`
}

// DataDiskEncryption is how one data disk is encrypted: its disk
// encryption set, and for a ConfidentialVM image its confidential
// encryption (api-version 2026-03-03, DataDiskImageEncryption.securityProfile).
type DataDiskEncryption struct {
	LUN               int    `json:"lun"`
	DiskEncryptionSet string `json:"diskEncryptionSet,omitempty"`
	// ConfidentialVM is the data disk's confidential VM encryption type:
	// DataDiskEncryptedWithCmk, the one type for data disks.
	ConfidentialVM string `json:"confidentialVM,omitempty"`
	// ConfidentialVMEncryptionSet is the secure VM disk encryption set
	// that holds its customer-managed key.
	ConfidentialVMEncryptionSet string `json:"confidentialVMEncryptionSet,omitempty"`
}

// UEFISettings customise the UEFI Secure Boot keys of the VMs made from an
// image version ("Secure Boot UEFI keys"; GalleryImageVersionUefiSettings,
// api-version 2022-08-03): the signature templates whose default keys the
// VMs get, and keys added to them. The field names are the REST API's, so
// the documents' JSON reads as a configuration.
type UEFISettings struct {
	// SignatureTemplateNames are NoSignatureTemplate,
	// MicrosoftUefiCertificateAuthorityTemplate or MicrosoftWindowsTemplate.
	SignatureTemplateNames []string           `json:"signatureTemplateNames,omitempty"`
	AdditionalSignatures   *UEFIKeySignatures `json:"additionalSignatures,omitempty"`
}

// UEFIKeySignatures are the keys added to the templates' databases: the
// platform key, key exchange keys, allowed (db) and revoked (dbx)
// signatures.
type UEFIKeySignatures struct {
	PK  *UEFIKey  `json:"pk,omitempty"`
	KEK []UEFIKey `json:"kek,omitempty"`
	DB  []UEFIKey `json:"db,omitempty"`
	DBX []UEFIKey `json:"dbx,omitempty"`
}

// UEFIKey is one signature entry: its type (sha256 or x509) and its
// values, each base64 (an X.509 certificate or a SHA-256 hash).
type UEFIKey struct {
	Type  string   `json:"type"`
	Value []string `json:"value"`
}

// UEFISignatureTemplates and UEFIKeyTypes are the values the REST API
// defines (UefiSignatureTemplateName, UefiKeyType).
var (
	UEFISignatureTemplates = []string{"NoSignatureTemplate", "MicrosoftUefiCertificateAuthorityTemplate", "MicrosoftWindowsTemplate"}
	UEFIKeyTypes           = []string{"sha256", "x509"}
)

// VHDSource is a VHD blob in a storage account.
type VHDSource struct {
	URI            string `json:"uri"`
	StorageAccount string `json:"storageAccount"`
}

// TargetRegion is one region an image version is replicated to.
type TargetRegion struct {
	Replicas int `json:"replicas"`
	// Storage is Standard_LRS, Standard_ZRS, Premium_LRS or PremiumV2_LRS.
	Storage string `json:"storage"`
	// ExcludeFromLatest keeps the version from being "latest" in this
	// region only.
	ExcludeFromLatest bool        `json:"excludeFromLatest,omitempty"`
	Encryption        *Encryption `json:"encryption,omitempty"`
}

// VersionObserved is what the cloud reports about a version.
type VersionObserved struct {
	ProvisioningState string `json:"provisioningState,omitempty"`
	// CreatedBy and CreatedAt are who made the version and when, as
	// Resource Manager recorded it (systemData), when it says.
	CreatedBy     string `json:"createdBy,omitempty"`
	CreatedAt     string `json:"createdAt,omitempty"`
	PublishedDate string `json:"publishedDate,omitempty"`
	// AggregatedState is Unknown, InProgress, Completed or Failed.
	AggregatedState string `json:"aggregatedState,omitempty"`
	// Replication is per-region progress, keyed by normalised region.
	Replication map[string]RegionReplication `json:"replication,omitempty"`
}

// RegionReplication is the replication status of one region.
type RegionReplication struct {
	// State is Unknown, Replicating, Completed or Failed.
	State    string `json:"state"`
	Progress int    `json:"progress"`
	Details  string `json:"details,omitempty"`
}

// IsManaged reports whether tags carry this configuration's ownership mark.
func IsManaged(tags map[string]string, configName string) bool {
	return tags[ManagedByTag] == configName
}

// Counts are the sizes of a configuration.
type Counts struct {
	Galleries, Definitions, Versions, Shares int
}

// Counts counts the state's resources.
func (s *State) Counts() Counts {
	var c Counts
	for _, g := range s.Galleries {
		c.Galleries++
		c.Shares += len(g.Shares)
		for _, img := range g.Images {
			c.Definitions++
			c.Shares += len(img.Shares)
			c.Versions += len(img.Versions)
		}
	}
	return c
}

// String is e.g. "3 galleries, 7 definitions, 21 versions, 4 shares".
func (c Counts) String() string {
	return fmt.Sprintf("%d %s, %d %s, %d %s, %d %s",
		c.Galleries, plural(c.Galleries, "gallery", "galleries"),
		c.Definitions, plural(c.Definitions, "definition", "definitions"),
		c.Versions, plural(c.Versions, "version", "versions"),
		c.Shares, plural(c.Shares, "share", "shares"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// StorageTypes are the storage account types of a replica in a region.
var StorageTypes = []string{"Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS"}

// EdgeStorageTypes are the storage account types of a replica in an edge
// zone.
var EdgeStorageTypes = []string{"Standard_LRS", "Standard_ZRS", "StandardSSD_LRS", "Premium_LRS"}

// Resource is one of the resources a plan changes: *Gallery, *Sharing,
// *ImageDefinition, *ImageVersion or *Share. The interface is sealed (its
// method is unexported), so a change's before and after values can only
// be model resources, and ResourceKind names which.
type Resource interface {
	// ResourceKind is "gallery", "sharing", "image", "version" or "share".
	ResourceKind() string
	resource()
}

func (*Gallery) ResourceKind() string         { return "gallery" }
func (*Sharing) ResourceKind() string         { return "sharing" }
func (*ImageDefinition) ResourceKind() string { return "image" }
func (*ImageVersion) ResourceKind() string    { return "version" }
func (*Share) ResourceKind() string           { return "share" }

func (*Gallery) resource()         {}
func (*Sharing) resource()         {}
func (*ImageDefinition) resource() {}
func (*ImageVersion) resource()    {}
func (*Share) resource()           {}

// MaxReplicas is how many replicas of an image version one region (or edge
// zone) may hold: 100, by the Azure Compute Gallery limits ("100 replicas
// per image version", where the seeds' older overview said 10). The loader
// and the emulator both enforce it.
const MaxReplicas = 100

// Package schema owns curator's configuration format: the CUE schema (embedded
// in the binary), loading a snapshot of configuration files, validating it with
// every error carrying file:line:col, and decoding it into the model (package
// model).
//
// schema never does I/O beyond reading the fs.FS it is handed, and never talks
// to a cloud.
package schema

import "github.com/curator-dev/curator/model"

// The model's types and helpers under their former names, for code that
// reads configurations through schema. New code uses package model.
type (
	State              = model.State
	Target             = model.Target
	LocalTarget        = model.LocalTarget
	AzureTarget        = model.AzureTarget
	Lock               = model.Lock
	Pos                = model.Pos
	Gallery            = model.Gallery
	Sharing            = model.Sharing
	Community          = model.Community
	Share              = model.Share
	ImageDefinition    = model.ImageDefinition
	Recommended        = model.Recommended
	Range              = model.Range
	PurchasePlan       = model.PurchasePlan
	ImageVersion       = model.ImageVersion
	Source             = model.Source
	VHDSource          = model.VHDSource
	TargetRegion       = model.TargetRegion
	VersionObserved    = model.VersionObserved
	RegionReplication  = model.RegionReplication
	Address            = model.Address
	Counts             = model.Counts
	DataDiskSource     = model.DataDiskSource
	Safety             = model.Safety
	EdgeZone           = model.EdgeZone
	Encryption         = model.Encryption
	DataDiskEncryption = model.DataDiskEncryption
)

const (
	ManagedByTag         = model.ManagedByTag
	DefaultSubscription  = model.DefaultSubscription
	DefaultResourceGroup = model.DefaultResourceGroup
	DefaultName          = model.DefaultName
	DefaultMaxDeletes    = model.DefaultMaxDeletes
)

var (
	Roles            = model.Roles
	ShareDescription = model.ShareDescription
	IsManaged        = model.IsManaged
	GalleryAddress   = model.GalleryAddress
	SharingAddress   = model.SharingAddress
	ImageAddress     = model.ImageAddress
	VersionAddress   = model.VersionAddress
	ShareAddress     = model.ShareAddress
	RoleDefinitionID = model.RoleDefinitionID
	RoleName         = model.RoleName
	IsGUID           = model.IsGUID
	NormalizeRegion  = model.NormalizeRegion
	CompareVersions  = model.CompareVersions
	StorageTypes     = model.StorageTypes
	EdgeStorageTypes = model.EdgeStorageTypes
)

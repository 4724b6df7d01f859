package azure

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/curator-dev/curator/model"
)

// The mapping between ARM objects and the model, both ways, in the shapes
// of the REST API's documented examples (Azure/azure-rest-api-specs,
// specification/compute/resource-manager/Microsoft.Compute/GalleryRP,
// examples/galleryExamples: Gallery_Create*, GalleryImage_Create*,
// GalleryImageVersion_Create_With{SnapshotsAsSource,VHD,VmAsSource,
// ImageVersionAsSource,CommunityImageVersionAsSource,TargetExtendedLocations,
// ShallowReplicationMode}). The ARM path of every model property is in the
// model's property tables; TestSDKPathsAreMappedOrListed holds this file to
// them.
//
// ARM's read-only fields (provisioning state, published date, replication
// status, unique name, disk sizes) go to VersionObserved or are dropped;
// they never reach desired-state fields.

// securityTypeFeature is the name of the image feature that holds an image
// definition's security type (model.ImageDefinition.SecurityType).
const securityTypeFeature = "SecurityType"

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// normalizeRegion is ARM's canonical region name: lower case, no spaces.
func normalizeRegion(region string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "\t", "").Replace(region))
}

func fromTags(tags map[string]*string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		out[k] = str(v)
	}
	return out
}

// toTags returns the tags to write: the desired ones plus the ownership tag.
func (c *Client) toTags(tags map[string]string) map[string]*string {
	out := make(map[string]*string, len(tags)+1)
	for k, v := range tags {
		out[k] = to.Ptr(v)
	}
	out[model.ManagedByTag] = to.Ptr(c.cfg.ConfigName)
	return out
}

func date(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

func parseDate(s string) *time.Time {
	if s == "" {
		return nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t
		}
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ---- plain scalar properties, from the model's declarations ----

// withScalars returns v, a resource model of the Azure SDK, with the plain
// scalar properties of table written from r at their ARM paths, through
// v's JSON form: on create (update false) those that are set; on a PATCH
// (update true) those updatable in place on r, a zero one too where a
// PATCH clears it. Dates keep code of their own (the SDK's time values).
// A declared ARM path must be one the SDK's model has
// (TestSDKPathsAreMappedOrListed checks the tables): the SDK drops what it
// does not know.
func withScalars[T any](v T, table []model.Property, r any, update bool) T {
	body := armJSON(v)
	for _, p := range table {
		if !p.Scalar() || p.Kind == model.Date {
			continue
		}
		switch {
		case !update:
			p.ToARM(body, r, false)
		case model.UpdatableIn(table, p, r):
			p.ToARM(body, r, p.PatchClears)
		}
	}
	data, err := json.Marshal(body)
	if err != nil {
		panic(fmt.Sprintf("internal error: the body of %T: %v", v, err))
	}
	var out T
	if err := json.Unmarshal(data, &out); err != nil {
		panic(fmt.Sprintf("internal error: the body of %T: %v", v, err))
	}
	return out
}

// scalarsFromARM reads the plain scalar properties of table from v, an ARM
// answer in the SDK's model, into r; dates keep code of their own.
func scalarsFromARM(v any, table []model.Property, r any) {
	body := armJSON(v)
	for _, p := range table {
		if p.Scalar() && p.Kind != model.Date {
			// A value of another type than declared (the service's answer
			// is untrusted) is left unset rather than guessed.
			_ = p.FromARM(body, r)
		}
	}
}

// armJSON is v, a model of the Azure SDK, as a JSON object.
func armJSON(v any) map[string]any {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("internal error: the JSON of %T: %v", v, err))
	}
	body := map[string]any{}
	if err := json.Unmarshal(data, &body); err != nil {
		panic(fmt.Sprintf("internal error: the JSON of %T: %v", v, err))
	}
	return body
}

// ---- galleries ----

func galleryFromARM(g *armcompute.Gallery) *model.Gallery {
	out := &model.Gallery{Location: normalizeRegion(str(g.Location)), Tags: fromTags(g.Tags)}
	scalarsFromARM(g, model.GalleryProperties, out)
	if p := g.Properties; p != nil {
		out.Sharing = sharingFromARM(p.SharingProfile)
	}
	return out
}

func sharingFromARM(sp *armcompute.SharingProfile) *model.Sharing {
	if sp == nil || sp.Permissions == nil {
		return nil
	}
	s := &model.Sharing{Permission: string(*sp.Permissions)}
	for _, g := range sp.Groups {
		if g == nil || g.Type == nil {
			continue
		}
		for _, id := range g.IDs {
			switch *g.Type {
			case armcompute.SharingProfileGroupTypesSubscriptions:
				s.Subscriptions = append(s.Subscriptions, strings.ToLower(str(id)))
			case armcompute.SharingProfileGroupTypesAADTenants:
				s.Tenants = append(s.Tenants, strings.ToLower(str(id)))
			}
		}
	}
	sort.Strings(s.Subscriptions)
	sort.Strings(s.Tenants)
	if ci := sp.CommunityGalleryInfo; ci != nil && s.Permission == string(armcompute.GallerySharingPermissionTypesCommunity) {
		s.Community = &model.Community{PublisherURI: str(ci.PublisherURI), PublisherEmail: str(ci.PublisherContact), EULA: str(ci.Eula), Prefix: str(ci.PublicNamePrefix)}
	}
	return s
}

// galleryToARM is the body of a gallery's PUT. A directly shared gallery
// is created with sharingProfile.permissions Groups (the service accepts it
// only at creation: "You need to create a new gallery, with the property
// sharingProfile.permissions set to Groups … the property can't currently
// be updated", Azure Compute Gallery overview, "Shared directly to a tenant
// or subscription"); its groups are added through the sharing profile API
// afterwards. A community gallery is created with its public information;
// EnableCommunity turns it on.
func (c *Client) galleryToARM(g *model.Gallery) armcompute.Gallery {
	out := armcompute.Gallery{
		Location:   to.Ptr(g.Location),
		Tags:       c.toTags(g.Tags),
		Properties: &armcompute.GalleryProperties{},
	}
	if s := g.Sharing; s != nil {
		switch {
		case s.Community != nil:
			out.Properties.SharingProfile = &armcompute.SharingProfile{
				Permissions: to.Ptr(armcompute.GallerySharingPermissionTypesCommunity),
				CommunityGalleryInfo: &armcompute.CommunityGalleryInfo{
					PublisherURI: to.Ptr(s.Community.PublisherURI), PublisherContact: to.Ptr(s.Community.PublisherEmail),
					Eula: to.Ptr(s.Community.EULA), PublicNamePrefix: to.Ptr(s.Community.Prefix),
				},
			}
		case s.Permission == string(armcompute.GallerySharingPermissionTypesGroups):
			out.Properties.SharingProfile = &armcompute.SharingProfile{Permissions: to.Ptr(armcompute.GallerySharingPermissionTypesGroups)}
		}
	}
	return withScalars(out, model.GalleryProperties, g, false)
}

// galleryUpdateToARM is the body of a gallery's PATCH: the updatable
// properties of model.GalleryProperties only. The permission mode is not
// among them (Groups is fixed at creation, groups and community go through
// the sharing profile API), but the community information is.
func (c *Client) galleryUpdateToARM(g *model.Gallery) armcompute.GalleryUpdate {
	p := &armcompute.GalleryProperties{}
	if s := g.Sharing; s != nil && s.Community != nil {
		p.SharingProfile = &armcompute.SharingProfile{
			Permissions: to.Ptr(armcompute.GallerySharingPermissionTypesCommunity),
			CommunityGalleryInfo: &armcompute.CommunityGalleryInfo{
				PublisherURI: to.Ptr(s.Community.PublisherURI), PublisherContact: to.Ptr(s.Community.PublisherEmail),
				Eula: to.Ptr(s.Community.EULA), PublicNamePrefix: to.Ptr(s.Community.Prefix),
			},
		}
	}
	return withScalars(armcompute.GalleryUpdate{Tags: c.toTags(g.Tags), Properties: p}, model.GalleryProperties, g, true)
}

// ---- image definitions ----

func rangeFromARM(r *armcompute.ResourceRange) *model.Range {
	if r == nil || (r.Min == nil && r.Max == nil) {
		return nil
	}
	out := &model.Range{}
	if r.Min != nil {
		out.Min = int(*r.Min)
	}
	if r.Max != nil {
		out.Max = int(*r.Max)
	}
	return out
}

func rangeToARM(r *model.Range) *armcompute.ResourceRange {
	if r == nil {
		return nil
	}
	out := &armcompute.ResourceRange{}
	if r.Min > 0 {
		out.Min = to.Ptr(int32(r.Min))
	}
	if r.Max > 0 {
		out.Max = to.Ptr(int32(r.Max))
	}
	return out
}

func imageFromARM(im *armcompute.GalleryImage) *model.ImageDefinition {
	out := &model.ImageDefinition{Tags: fromTags(im.Tags)}
	scalarsFromARM(im, model.ImageProperties, out)
	p := im.Properties
	if p == nil {
		return out
	}
	for _, f := range p.Features {
		if f == nil || str(f.Name) == "" {
			continue
		}
		name := str(f.Name)
		if strings.EqualFold(name, securityTypeFeature) {
			name = model.SecurityTypeFeature
			out.SecurityType = model.NormalizeSecurityType(str(f.Value))
		} else {
			if out.Features == nil {
				out.Features = map[string]string{}
			}
			out.Features[name] = str(f.Value)
		}
		if from := str(f.StartsAtVersion); from != "" {
			if out.FeatureVersions == nil {
				out.FeatureVersions = map[string]string{}
			}
			out.FeatureVersions[name] = from
		}
	}
	out.EndOfLife = date(p.EndOfLifeDate)
	if r := p.Recommended; r != nil {
		rec := &model.Recommended{VCPUs: rangeFromARM(r.VCPUs), MemoryGB: rangeFromARM(r.Memory)}
		if rec.VCPUs != nil || rec.MemoryGB != nil {
			out.Recommended = rec
		}
	}
	if d := p.Disallowed; d != nil {
		for _, t := range d.DiskTypes {
			out.DisallowedDiskTypes = append(out.DisallowedDiskTypes, str(t))
		}
	}
	if pp := p.PurchasePlan; pp != nil {
		out.PurchasePlan = &model.PurchasePlan{Publisher: str(pp.Publisher), Name: str(pp.Name), Product: str(pp.Product)}
	}
	return out
}

// featuresToARM lists the definition's features: SecurityType first (as
// the documentation's examples do; Standard on a definition without one,
// model.SecurityTypeToSend), then the others by name.
func featuresToARM(d *model.ImageDefinition) []*armcompute.GalleryImageFeature {
	var out []*armcompute.GalleryImageFeature
	if st := model.SecurityTypeToSend(d); st != "" {
		out = append(out, &armcompute.GalleryImageFeature{Name: to.Ptr(securityTypeFeature), Value: to.Ptr(st),
			StartsAtVersion: optional(d.FeatureVersions[model.SecurityTypeFeature])})
	}
	names := make([]string, 0, len(d.Features))
	for n := range d.Features {
		if !strings.EqualFold(n, securityTypeFeature) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, &armcompute.GalleryImageFeature{Name: to.Ptr(n), Value: to.Ptr(d.Features[n]), StartsAtVersion: optional(d.FeatureVersions[n])})
	}
	return out
}

// keepSecurityFeature rewrites the SecurityType feature of an update's
// features to what the definition already has (cur) when the two mean the
// same (no feature and Standard are both "no security type"): an update
// then never turns a definition made before api-version 2025-03-03, which
// has no SecurityType feature, into one with Standard — a feature change
// the service refuses without allowUpdateImage.
func keepSecurityFeature(fs []*armcompute.GalleryImageFeature, cur []*armcompute.GalleryImageFeature) []*armcompute.GalleryImageFeature {
	var have *string
	for _, f := range cur {
		if f != nil && strings.EqualFold(str(f.Name), securityTypeFeature) {
			have = f.Value
		}
	}
	out := make([]*armcompute.GalleryImageFeature, 0, len(fs))
	for _, f := range fs {
		if strings.EqualFold(str(f.Name), securityTypeFeature) && f.StartsAtVersion == nil && model.NormalizeSecurityType(str(f.Value)) == model.NormalizeSecurityType(str(have)) {
			if have == nil {
				continue
			}
			f = &armcompute.GalleryImageFeature{Name: f.Name, Value: have}
		}
		out = append(out, f)
	}
	return out
}

func (c *Client) imageToARM(location string, d *model.ImageDefinition) armcompute.GalleryImage {
	p := &armcompute.GalleryImageProperties{
		Identifier:       &armcompute.GalleryImageIdentifier{Publisher: to.Ptr(d.Publisher), Offer: to.Ptr(d.Offer), SKU: to.Ptr(d.SKU)},
		OSType:           to.Ptr(armcompute.OperatingSystemTypes(d.OSType)),
		OSState:          to.Ptr(armcompute.OperatingSystemStateTypes(d.OSState)),
		HyperVGeneration: to.Ptr(armcompute.HyperVGeneration(d.HyperVGeneration)),
		Features:         featuresToARM(d),
		EndOfLifeDate:    parseDate(d.EndOfLife),
	}
	if d.Recommended != nil {
		p.Recommended = &armcompute.RecommendedMachineConfiguration{VCPUs: rangeToARM(d.Recommended.VCPUs), Memory: rangeToARM(d.Recommended.MemoryGB)}
	}
	if len(d.DisallowedDiskTypes) > 0 {
		p.Disallowed = &armcompute.Disallowed{DiskTypes: to.SliceOfPtrs(d.DisallowedDiskTypes...)}
	}
	if pp := d.PurchasePlan; pp != nil {
		p.PurchasePlan = &armcompute.ImagePurchasePlan{Publisher: to.Ptr(pp.Publisher), Name: to.Ptr(pp.Name), Product: to.Ptr(pp.Product)}
	}
	return withScalars(armcompute.GalleryImage{Location: to.Ptr(location), Tags: c.toTags(d.Tags), Properties: p}, model.ImageProperties, d, false)
}

// imageUpdateToARM is the body of a definition's PATCH: the properties the
// property table marks updatable (features and the security type only
// while their flag is set), plus identifier, osType, osState and
// hyperVGeneration unchanged — GalleryImageProperties requires the first
// three in every body, and the service takes a missing one for a change
// ("409 Changing property 'galleryImage.properties.osType' is not allowed"
// otherwise; the GalleryImage_UpdateFeatures example sends all four).
func (c *Client) imageUpdateToARM(d *model.ImageDefinition) armcompute.GalleryImageUpdate {
	p := &armcompute.GalleryImageProperties{
		Identifier:       &armcompute.GalleryImageIdentifier{Publisher: to.Ptr(d.Publisher), Offer: to.Ptr(d.Offer), SKU: to.Ptr(d.SKU)},
		OSType:           to.Ptr(armcompute.OperatingSystemTypes(d.OSType)),
		OSState:          to.Ptr(armcompute.OperatingSystemStateTypes(d.OSState)),
		HyperVGeneration: to.Ptr(armcompute.HyperVGeneration(d.HyperVGeneration)),
		EndOfLifeDate:    parseDate(d.EndOfLife),
	}
	if imageUpdatable("features", d) {
		p.Features = featuresToARM(d)
	}
	if d.Recommended != nil {
		p.Recommended = &armcompute.RecommendedMachineConfiguration{VCPUs: rangeToARM(d.Recommended.VCPUs), Memory: rangeToARM(d.Recommended.MemoryGB)}
	}
	p.Disallowed = &armcompute.Disallowed{DiskTypes: to.SliceOfPtrs(d.DisallowedDiskTypes...)}
	return withScalars(armcompute.GalleryImageUpdate{Tags: c.toTags(d.Tags), Properties: p}, model.ImageProperties, d, true)
}

// imageUpdatable reports whether the definition's property at path is
// updated in place on d, per the property table (features only while
// their flag is set).
func imageUpdatable(path string, d *model.ImageDefinition) bool {
	p, ok := model.PropertyByCUE(model.ImageProperties, path)
	return ok && model.UpdatableIn(model.ImageProperties, p, d)
}

// ---- image versions ----

func armType(id string) string {
	l := strings.ToLower(id)
	for _, t := range []string{"snapshots", "disks", "images", "galleries", "virtualmachines"} {
		if strings.Contains(l, "/providers/microsoft.compute/"+t+"/") {
			return t
		}
	}
	return ""
}

// sourceFromARM recognises the kind of a version's source from where it is
// and what its ID names. The OS disk's and data disks' caching and the
// data disks are the source's own only with a disk source (snapshot, disk,
// VHD); with a managed image, virtual machine or image version they are
// what the service derived from it, and are not read into the model.
func sourceFromARM(sp *armcompute.GalleryImageVersionStorageProfile) *model.Source {
	if sp == nil {
		return nil
	}
	if s := sp.Source; s != nil {
		switch {
		case str(s.VirtualMachineID) != "":
			return &model.Source{VirtualMachine: str(s.VirtualMachineID)}
		case str(s.CommunityGalleryImageID) != "":
			return &model.Source{CommunityVersion: str(s.CommunityGalleryImageID)}
		case str(s.ID) != "":
			id := str(s.ID)
			switch armType(id) {
			case "galleries":
				return &model.Source{Version: id}
			case "virtualmachines":
				return &model.Source{VirtualMachine: id}
			case "snapshots":
				// Written by curator before the snapshot moved to
				// osDiskImage.source.id.
				return &model.Source{Snapshot: id}
			}
			return &model.Source{ManagedImage: id}
		}
	}
	od := sp.OSDiskImage
	if od == nil || od.Source == nil {
		return nil
	}
	out := &model.Source{}
	switch {
	case str(od.Source.URI) != "":
		out.VHD = &model.VHDSource{URI: str(od.Source.URI), StorageAccount: str(od.Source.StorageAccountID)}
	case armType(str(od.Source.ID)) == "disks":
		out.Disk = str(od.Source.ID)
	case str(od.Source.ID) != "":
		out.Snapshot = str(od.Source.ID)
	default:
		return nil
	}
	if od.HostCaching != nil {
		out.HostCaching = string(*od.HostCaching)
	}
	for _, dd := range sp.DataDiskImages {
		if dd == nil || dd.Source == nil {
			continue
		}
		d := model.DataDiskSource{}
		if dd.Lun != nil {
			d.LUN = int(*dd.Lun)
		}
		if dd.HostCaching != nil {
			d.HostCaching = string(*dd.HostCaching)
		}
		switch {
		case str(dd.Source.URI) != "":
			d.VHD = &model.VHDSource{URI: str(dd.Source.URI), StorageAccount: str(dd.Source.StorageAccountID)}
		case armType(str(dd.Source.ID)) == "disks":
			d.Disk = str(dd.Source.ID)
		default:
			d.Snapshot = str(dd.Source.ID)
		}
		out.DataDisks = append(out.DataDisks, d)
	}
	sort.Slice(out.DataDisks, func(i, j int) bool { return out.DataDisks[i].LUN < out.DataDisks[j].LUN })
	return out
}

func diskSourceToARM(snapshot, disk string, vhd *model.VHDSource) *armcompute.GalleryDiskImageSource {
	if vhd != nil {
		return &armcompute.GalleryDiskImageSource{URI: to.Ptr(vhd.URI), StorageAccountID: optional(vhd.StorageAccount)}
	}
	return &armcompute.GalleryDiskImageSource{ID: to.Ptr(snapshot + disk)}
}

// sourceToARM places each kind of source where the service reads it: a
// managed image or an image version at storageProfile.source.id, a virtual
// machine at storageProfile.source.virtualMachineId, a community gallery
// image version at storageProfile.source.communityGalleryImageId, and an
// OS disk snapshot, managed disk or VHD at storageProfile.osDiskImage.source
// (id, or uri + storageAccountId), with the data disks at
// storageProfile.dataDiskImages[].
func sourceToARM(s *model.Source) *armcompute.GalleryImageVersionStorageProfile {
	if s == nil {
		return nil
	}
	sp := &armcompute.GalleryImageVersionStorageProfile{}
	switch {
	case s.ManagedImage != "" || s.Version != "":
		sp.Source = &armcompute.GalleryArtifactVersionFullSource{ID: to.Ptr(s.ManagedImage + s.Version)}
	case s.VirtualMachine != "":
		sp.Source = &armcompute.GalleryArtifactVersionFullSource{VirtualMachineID: to.Ptr(s.VirtualMachine)}
	case s.CommunityVersion != "":
		sp.Source = &armcompute.GalleryArtifactVersionFullSource{CommunityGalleryImageID: to.Ptr(s.CommunityVersion)}
	default:
		sp.OSDiskImage = &armcompute.GalleryOSDiskImage{Source: diskSourceToARM(s.Snapshot, s.Disk, s.VHD)}
		if s.HostCaching != "" {
			sp.OSDiskImage.HostCaching = to.Ptr(armcompute.HostCaching(s.HostCaching))
		}
	}
	if s.HostCaching != "" && sp.OSDiskImage == nil {
		sp.OSDiskImage = &armcompute.GalleryOSDiskImage{HostCaching: to.Ptr(armcompute.HostCaching(s.HostCaching))}
	}
	for _, d := range s.DataDisks {
		dd := &armcompute.GalleryDataDiskImage{Lun: to.Ptr(int32(d.LUN)), Source: diskSourceToARM(d.Snapshot, d.Disk, d.VHD)}
		if d.HostCaching != "" {
			dd.HostCaching = to.Ptr(armcompute.HostCaching(d.HostCaching))
		}
		sp.DataDiskImages = append(sp.DataDiskImages, dd)
	}
	return sp
}

func encryptionFromARM(e *armcompute.EncryptionImages) *model.Encryption {
	if e == nil {
		return nil
	}
	out := &model.Encryption{}
	if od := e.OSDiskImage; od != nil {
		out.OSDisk = str(od.DiskEncryptionSetID)
		if sp := od.SecurityProfile; sp != nil {
			if sp.ConfidentialVMEncryptionType != nil {
				out.ConfidentialVM = string(*sp.ConfidentialVMEncryptionType)
			}
			out.ConfidentialVMEncryptionSet = str(sp.SecureVMDiskEncryptionSetID)
		}
	}
	for _, d := range e.DataDiskImages {
		if d == nil {
			continue
		}
		de := model.DataDiskEncryption{DiskEncryptionSet: str(d.DiskEncryptionSetID)}
		if d.Lun != nil {
			de.LUN = int(*d.Lun)
		}
		if sp := d.SecurityProfile; sp != nil {
			if sp.ConfidentialVMEncryptionType != nil {
				de.ConfidentialVM = string(*sp.ConfidentialVMEncryptionType)
			}
			de.ConfidentialVMEncryptionSet = str(sp.SecureVMDiskEncryptionSetID)
		}
		out.DataDisks = append(out.DataDisks, de)
	}
	sort.Slice(out.DataDisks, func(i, j int) bool { return out.DataDisks[i].LUN < out.DataDisks[j].LUN })
	if out.OSDisk == "" && out.ConfidentialVM == "" && out.ConfidentialVMEncryptionSet == "" && len(out.DataDisks) == 0 {
		return nil
	}
	return out
}

func encryptionToARM(e *model.Encryption) *armcompute.EncryptionImages {
	if e == nil {
		return nil
	}
	out := &armcompute.EncryptionImages{}
	if e.OSDisk != "" || e.ConfidentialVM != "" || e.ConfidentialVMEncryptionSet != "" {
		od := &armcompute.OSDiskImageEncryption{DiskEncryptionSetID: optional(e.OSDisk)}
		if e.ConfidentialVM != "" || e.ConfidentialVMEncryptionSet != "" {
			od.SecurityProfile = &armcompute.OSDiskImageSecurityProfile{SecureVMDiskEncryptionSetID: optional(e.ConfidentialVMEncryptionSet)}
			if e.ConfidentialVM != "" {
				od.SecurityProfile.ConfidentialVMEncryptionType = to.Ptr(armcompute.ConfidentialVMEncryptionType(e.ConfidentialVM))
			}
		}
		out.OSDiskImage = od
	}
	for _, d := range e.DataDisks {
		dd := &armcompute.DataDiskImageEncryption{Lun: to.Ptr(int32(d.LUN)), DiskEncryptionSetID: optional(d.DiskEncryptionSet)}
		if d.ConfidentialVM != "" || d.ConfidentialVMEncryptionSet != "" {
			dd.SecurityProfile = &armcompute.DataDiskImageSecurityProfile{SecureVMDiskEncryptionSetID: optional(d.ConfidentialVMEncryptionSet)}
			if d.ConfidentialVM != "" {
				dd.SecurityProfile.ConfidentialVMEncryptionType = to.Ptr(armcompute.ConfidentialVMEncryptionType(d.ConfidentialVM))
			}
		}
		out.DataDiskImages = append(out.DataDiskImages, dd)
	}
	return out
}

func versionFromARM(v *armcompute.GalleryImageVersion) *model.ImageVersion {
	out := &model.ImageVersion{
		Location: normalizeRegion(str(v.Location)),
		Tags:     fromTags(v.Tags),
		Regions:  map[string]model.TargetRegion{},
		Replicas: 1,
		Storage:  string(armcompute.StorageAccountTypeStandardLRS),
		Observed: &model.VersionObserved{},
	}
	if sd := v.SystemData; sd != nil {
		out.Observed.CreatedBy = str(sd.CreatedBy)
		if sd.CreatedAt != nil {
			out.Observed.CreatedAt = sd.CreatedAt.UTC().Format(time.RFC3339)
		}
	}
	p := v.Properties
	if p == nil {
		return out
	}
	out.Source = sourceFromARM(p.StorageProfile)
	if sp := p.StorageProfile; sp != nil && sp.OSDiskImage != nil && sp.OSDiskImage.SizeInGB != nil {
		out.SizeGB = float64(*sp.OSDiskImage.SizeInGB)
	}
	if pp := p.PublishingProfile; pp != nil {
		if pp.ReplicaCount != nil {
			out.Replicas = int(*pp.ReplicaCount)
		}
		if pp.StorageAccountType != nil {
			out.Storage = string(*pp.StorageAccountType)
		}
		if pp.ReplicationMode != nil && *pp.ReplicationMode != armcompute.ReplicationModeFull {
			out.ReplicationMode = string(*pp.ReplicationMode)
		}
		for _, tr := range pp.TargetRegions {
			if tr == nil {
				continue
			}
			r := model.TargetRegion{Replicas: out.Replicas, Storage: out.Storage, Encryption: encryptionFromARM(tr.Encryption)}
			if tr.RegionalReplicaCount != nil {
				r.Replicas = int(*tr.RegionalReplicaCount)
			}
			if tr.StorageAccountType != nil {
				r.Storage = string(*tr.StorageAccountType)
			}
			if tr.ExcludeFromLatest != nil {
				r.ExcludeFromLatest = *tr.ExcludeFromLatest
			}
			out.Regions[normalizeRegion(str(tr.Name))] = r
		}
		for _, te := range pp.TargetExtendedLocations {
			if te == nil || te.ExtendedLocation == nil {
				continue
			}
			z := model.EdgeZone{Region: normalizeRegion(str(te.Name)), Replicas: 1, Encryption: encryptionFromARM(te.Encryption)}
			if te.ExtendedLocationReplicaCount != nil {
				z.Replicas = int(*te.ExtendedLocationReplicaCount)
			}
			if te.StorageAccountType != nil {
				z.Storage = string(*te.StorageAccountType)
			}
			if out.EdgeZones == nil {
				out.EdgeZones = map[string]model.EdgeZone{}
			}
			out.EdgeZones[strings.ToLower(str(te.ExtendedLocation.Name))] = z
		}
		if pp.ExcludeFromLatest != nil {
			out.ExcludeFromLatest = *pp.ExcludeFromLatest
		}
		out.EndOfLife = date(pp.EndOfLifeDate)
		if pp.PublishedDate != nil {
			out.Observed.PublishedDate = pp.PublishedDate.UTC().Format(time.RFC3339)
		}
	}
	if sp := p.SafetyProfile; sp != nil && (sp.AllowDeletionOfReplicatedLocations != nil || sp.BlockDeletionBeforeEndOfLife != nil) {
		// The service's defaults: deletion of replicated locations allowed,
		// deletion before end of life not blocked.
		s := &model.Safety{AllowDeletionOfReplicatedLocations: true}
		if sp.AllowDeletionOfReplicatedLocations != nil {
			s.AllowDeletionOfReplicatedLocations = *sp.AllowDeletionOfReplicatedLocations
		}
		if sp.BlockDeletionBeforeEndOfLife != nil {
			s.BlockDeletionBeforeEndOfLife = *sp.BlockDeletionBeforeEndOfLife
		}
		// A profile of the defaults is no profile: the service returns one
		// on versions created without it.
		if !s.AllowDeletionOfReplicatedLocations || s.BlockDeletionBeforeEndOfLife {
			out.Safety = s
		}
	}
	if sp := p.SecurityProfile; sp != nil {
		out.UEFI = uefiFromARM(sp.UefiSettings)
	}
	if p.ProvisioningState != nil {
		out.Observed.ProvisioningState = string(*p.ProvisioningState)
	}
	if len(out.Regions) == 0 {
		out.Regions[out.Location] = model.TargetRegion{Replicas: out.Replicas, Storage: out.Storage}
	}
	observeReplication(out.Observed, p.ReplicationStatus)
	return out
}

func observeReplication(o *model.VersionObserved, rs *armcompute.ReplicationStatus) {
	if rs == nil {
		return
	}
	if rs.AggregatedState != nil {
		o.AggregatedState = string(*rs.AggregatedState)
	}
	o.Replication = map[string]model.RegionReplication{}
	for _, s := range rs.Summary {
		if s == nil {
			continue
		}
		r := model.RegionReplication{Details: str(s.Details)}
		if s.State != nil {
			r.State = string(*s.State)
		}
		if s.Progress != nil {
			r.Progress = int(*s.Progress)
		}
		o.Replication[normalizeRegion(str(s.Region))] = r
	}
}

// publishingToARM is the version's publishing profile. Per-region
// exclude-from-latest is sent only where set, as are the replication mode
// (Full is the service's default) and the edge zones.
func publishingToARM(v *model.ImageVersion) *armcompute.GalleryImageVersionPublishingProfile {
	trs := make([]*armcompute.TargetRegion, 0, len(v.Regions))
	for _, n := range slices.Sorted(maps.Keys(v.Regions)) {
		r := v.Regions[n]
		tr := &armcompute.TargetRegion{
			Name:                 to.Ptr(n),
			RegionalReplicaCount: to.Ptr(int32(r.Replicas)),
			StorageAccountType:   to.Ptr(armcompute.StorageAccountType(r.Storage)),
			Encryption:           encryptionToARM(r.Encryption),
		}
		if r.ExcludeFromLatest {
			tr.ExcludeFromLatest = to.Ptr(true)
		}
		trs = append(trs, tr)
	}
	pp := &armcompute.GalleryImageVersionPublishingProfile{
		TargetRegions:      trs,
		ReplicaCount:       to.Ptr(int32(v.Replicas)),
		StorageAccountType: to.Ptr(armcompute.StorageAccountType(v.Storage)),
		ExcludeFromLatest:  to.Ptr(v.ExcludeFromLatest),
		EndOfLifeDate:      parseDate(v.EndOfLife),
	}
	if v.ReplicationMode != "" && v.ReplicationMode != string(armcompute.ReplicationModeFull) {
		pp.ReplicationMode = to.Ptr(armcompute.ReplicationMode(v.ReplicationMode))
	}
	for _, name := range slices.Sorted(maps.Keys(v.EdgeZones)) {
		z := v.EdgeZones[name]
		te := &armcompute.GalleryTargetExtendedLocation{
			Name:                         to.Ptr(z.Region),
			ExtendedLocation:             &armcompute.GalleryExtendedLocation{Name: to.Ptr(name), Type: to.Ptr(armcompute.GalleryExtendedLocationTypeEdgeZone)},
			ExtendedLocationReplicaCount: to.Ptr(int32(max(z.Replicas, 1))),
			Encryption:                   encryptionToARM(z.Encryption),
		}
		if z.Storage != "" {
			te.StorageAccountType = to.Ptr(armcompute.EdgeZoneStorageAccountType(z.Storage))
		}
		pp.TargetExtendedLocations = append(pp.TargetExtendedLocations, te)
	}
	return pp
}

func safetyToARM(s *model.Safety) *armcompute.GalleryImageVersionSafetyProfile {
	if s == nil {
		return nil
	}
	return &armcompute.GalleryImageVersionSafetyProfile{
		AllowDeletionOfReplicatedLocations: to.Ptr(s.AllowDeletionOfReplicatedLocations),
		BlockDeletionBeforeEndOfLife:       to.Ptr(s.BlockDeletionBeforeEndOfLife),
	}
}

// versionToARM is the body of a version's PUT.
func (c *Client) versionToARM(v *model.ImageVersion) armcompute.GalleryImageVersion {
	return armcompute.GalleryImageVersion{
		Location: to.Ptr(v.Location),
		Tags:     c.toTags(v.Tags),
		Properties: &armcompute.GalleryImageVersionProperties{
			PublishingProfile: publishingToARM(v),
			StorageProfile:    sourceToARM(v.Source),
			SafetyProfile:     safetyToARM(v.Safety),
			SecurityProfile:   uefiToARM(v.UEFI),
		},
	}
}

// uefiToARM is a version's security profile with its UEFI settings; nil
// without them.
func uefiToARM(u *model.UEFISettings) *armcompute.ImageVersionSecurityProfile {
	if u == nil {
		return nil
	}
	s := &armcompute.GalleryImageVersionUefiSettings{}
	for _, n := range u.SignatureTemplateNames {
		s.SignatureTemplateNames = append(s.SignatureTemplateNames, to.Ptr(armcompute.UefiSignatureTemplateName(n)))
	}
	if a := u.AdditionalSignatures; a != nil {
		key := func(k model.UEFIKey) *armcompute.UefiKey {
			return &armcompute.UefiKey{Type: to.Ptr(armcompute.UefiKeyType(k.Type)), Value: to.SliceOfPtrs(k.Value...)}
		}
		keys := func(ks []model.UEFIKey) []*armcompute.UefiKey {
			var out []*armcompute.UefiKey
			for _, k := range ks {
				out = append(out, key(k))
			}
			return out
		}
		s.AdditionalSignatures = &armcompute.UefiKeySignatures{Kek: keys(a.KEK), Db: keys(a.DB), Dbx: keys(a.DBX)}
		if a.PK != nil {
			s.AdditionalSignatures.Pk = key(*a.PK)
		}
	}
	return &armcompute.ImageVersionSecurityProfile{UefiSettings: s}
}

// uefiFromARM reads a version's UEFI settings; nil when it has none.
func uefiFromARM(s *armcompute.GalleryImageVersionUefiSettings) *model.UEFISettings {
	if s == nil {
		return nil
	}
	out := &model.UEFISettings{}
	for _, n := range s.SignatureTemplateNames {
		if n != nil {
			out.SignatureTemplateNames = append(out.SignatureTemplateNames, string(*n))
		}
	}
	key := func(k *armcompute.UefiKey) model.UEFIKey {
		mk := model.UEFIKey{}
		if k.Type != nil {
			mk.Type = string(*k.Type)
		}
		for _, v := range k.Value {
			mk.Value = append(mk.Value, str(v))
		}
		return mk
	}
	keys := func(ks []*armcompute.UefiKey) []model.UEFIKey {
		var out []model.UEFIKey
		for _, k := range ks {
			if k != nil {
				out = append(out, key(k))
			}
		}
		return out
	}
	if a := s.AdditionalSignatures; a != nil {
		sig := &model.UEFIKeySignatures{KEK: keys(a.Kek), DB: keys(a.Db), DBX: keys(a.Dbx)}
		if a.Pk != nil {
			pk := key(a.Pk)
			sig.PK = &pk
		}
		if sig.PK != nil || sig.KEK != nil || sig.DB != nil || sig.DBX != nil {
			out.AdditionalSignatures = sig
		}
	}
	if out.SignatureTemplateNames == nil && out.AdditionalSignatures == nil {
		return nil
	}
	return out
}

// versionUpdateToARM is the body of a version's PATCH: the updatable and
// per-region properties of the property table — target regions (with
// their encryption and exclude-from-latest), edge zones, the common replica
// count, exclude-from-latest, end of life, the safety profile and tags. Not
// the default storage account type nor the replication mode (they force a
// replace), nor the source: storageProfile is sent empty, as the REST API's
// GalleryImageVersion_Update_WithoutSourceId example does (the properties
// model requires it).
func (c *Client) versionUpdateToARM(v *model.ImageVersion) armcompute.GalleryImageVersionUpdate {
	pp := publishingToARM(v)
	pp.StorageAccountType = nil
	pp.ReplicationMode = nil
	if pp.TargetExtendedLocations == nil {
		// An empty list, not none: a PATCH that leaves the edge zones
		// out keeps them.
		pp.TargetExtendedLocations = []*armcompute.GalleryTargetExtendedLocation{}
	}
	return armcompute.GalleryImageVersionUpdate{
		Tags: c.toTags(v.Tags),
		Properties: &armcompute.GalleryImageVersionProperties{
			PublishingProfile: pp,
			StorageProfile:    &armcompute.GalleryImageVersionStorageProfile{},
			SafetyProfile:     updatedSafetyToARM(v.Safety),
		},
	}
}

// updatedSafetyToARM is the safety profile of an update: always written,
// the service's defaults when the model has none, since a PATCH that
// leaves it out keeps the one the version has.
func updatedSafetyToARM(s *model.Safety) *armcompute.GalleryImageVersionSafetyProfile {
	if s == nil {
		s = &model.Safety{AllowDeletionOfReplicatedLocations: true}
	}
	return safetyToARM(s)
}

func shareFromARM(ra *armauthorization.RoleAssignment) *model.Share {
	p := ra.Properties
	if p == nil {
		return nil
	}
	s := &model.Share{
		PrincipalID: strings.ToLower(str(p.PrincipalID)),
		Role:        model.RoleName(str(p.RoleDefinitionID)),
		Description: str(p.Description),
		Name:        str(ra.Name),
	}
	if p.PrincipalType != nil {
		s.PrincipalType = string(*p.PrincipalType)
	}
	return s
}

package azure

import (
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/curator-dev/curator/schema"
)

// The mapping between ARM objects and the schema model. ARM's read-only
// fields (provisioning state, published date, replication status, unique
// name) go to VersionObserved or are dropped; they never reach desired-state
// fields.

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
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
	out[schema.ManagedByTag] = to.Ptr(c.cfg.ConfigName)
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

func galleryFromARM(g *armcompute.Gallery) *schema.Gallery {
	out := &schema.Gallery{Location: schema.NormalizeRegion(str(g.Location)), Tags: fromTags(g.Tags)}
	if p := g.Properties; p != nil {
		out.Description = str(p.Description)
		out.Sharing = sharingFromARM(p.SharingProfile)
	}
	return out
}

func sharingFromARM(sp *armcompute.SharingProfile) *schema.Sharing {
	if sp == nil || sp.Permissions == nil {
		return nil
	}
	s := &schema.Sharing{Permission: string(*sp.Permissions)}
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
	if ci := sp.CommunityGalleryInfo; ci != nil && s.Permission == "Community" {
		s.Community = &schema.Community{PublisherURI: str(ci.PublisherURI), PublisherEmail: str(ci.PublisherContact), EULA: str(ci.Eula), Prefix: str(ci.PublicNamePrefix)}
	}
	return s
}

func (c *Client) galleryToARM(g *schema.Gallery) armcompute.Gallery {
	out := armcompute.Gallery{
		Location:   to.Ptr(g.Location),
		Tags:       c.toTags(g.Tags),
		Properties: &armcompute.GalleryProperties{Description: to.Ptr(g.Description)},
	}
	if s := g.Sharing; s != nil && s.Community != nil {
		out.Properties.SharingProfile = &armcompute.SharingProfile{
			Permissions: to.Ptr(armcompute.GallerySharingPermissionTypesCommunity),
			CommunityGalleryInfo: &armcompute.CommunityGalleryInfo{
				PublisherURI: to.Ptr(s.Community.PublisherURI), PublisherContact: to.Ptr(s.Community.PublisherEmail),
				Eula: to.Ptr(s.Community.EULA), PublicNamePrefix: to.Ptr(s.Community.Prefix),
			},
		}
	}
	return out
}

func rangeFromARM(r *armcompute.ResourceRange) *schema.Range {
	if r == nil || (r.Min == nil && r.Max == nil) {
		return nil
	}
	out := &schema.Range{}
	if r.Min != nil {
		out.Min = int(*r.Min)
	}
	if r.Max != nil {
		out.Max = int(*r.Max)
	}
	return out
}

func rangeToARM(r *schema.Range) *armcompute.ResourceRange {
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

func imageFromARM(im *armcompute.GalleryImage) *schema.ImageDefinition {
	out := &schema.ImageDefinition{Tags: fromTags(im.Tags)}
	p := im.Properties
	if p == nil {
		return out
	}
	if id := p.Identifier; id != nil {
		out.Publisher, out.Offer, out.SKU = str(id.Publisher), str(id.Offer), str(id.SKU)
	}
	if p.OSType != nil {
		out.OSType = string(*p.OSType)
	}
	if p.OSState != nil {
		out.OSState = string(*p.OSState)
	}
	out.HyperVGeneration = "V1"
	if p.HyperVGeneration != nil {
		out.HyperVGeneration = string(*p.HyperVGeneration)
	}
	out.Description, out.EULA = str(p.Description), str(p.Eula)
	out.PrivacyStatementURI, out.ReleaseNoteURI = str(p.PrivacyStatementURI), str(p.ReleaseNoteURI)
	out.EndOfLife = date(p.EndOfLifeDate)
	if r := p.Recommended; r != nil {
		rec := &schema.Recommended{VCPUs: rangeFromARM(r.VCPUs), MemoryGB: rangeFromARM(r.Memory)}
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
		out.PurchasePlan = &schema.PurchasePlan{Publisher: str(pp.Publisher), Name: str(pp.Name), Product: str(pp.Product)}
	}
	return out
}

func (c *Client) imageToARM(location string, d *schema.ImageDefinition) armcompute.GalleryImage {
	p := &armcompute.GalleryImageProperties{
		Identifier:          &armcompute.GalleryImageIdentifier{Publisher: to.Ptr(d.Publisher), Offer: to.Ptr(d.Offer), SKU: to.Ptr(d.SKU)},
		OSType:              to.Ptr(armcompute.OperatingSystemTypes(d.OSType)),
		OSState:             to.Ptr(armcompute.OperatingSystemStateTypes(d.OSState)),
		HyperVGeneration:    to.Ptr(armcompute.HyperVGeneration(d.HyperVGeneration)),
		Description:         optional(d.Description),
		Eula:                optional(d.EULA),
		PrivacyStatementURI: optional(d.PrivacyStatementURI),
		ReleaseNoteURI:      optional(d.ReleaseNoteURI),
		EndOfLifeDate:       parseDate(d.EndOfLife),
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
	return armcompute.GalleryImage{Location: to.Ptr(location), Tags: c.toTags(d.Tags), Properties: p}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// sourceFromARM recognises the kind of a version's source from its ID.
func sourceFromARM(sp *armcompute.GalleryImageVersionStorageProfile) *schema.Source {
	if sp == nil {
		return nil
	}
	if sp.Source != nil && str(sp.Source.ID) != "" {
		id := str(sp.Source.ID)
		l := strings.ToLower(id)
		switch {
		case strings.Contains(l, "/providers/microsoft.compute/snapshots/"):
			return &schema.Source{Snapshot: id}
		case strings.Contains(l, "/providers/microsoft.compute/galleries/"):
			return &schema.Source{Version: id}
		default:
			return &schema.Source{ManagedImage: id}
		}
	}
	if od := sp.OSDiskImage; od != nil && od.Source != nil && str(od.Source.URI) != "" {
		return &schema.Source{VHD: &schema.VHDSource{URI: str(od.Source.URI), StorageAccount: str(od.Source.StorageAccountID)}}
	}
	return nil
}

func sourceToARM(s *schema.Source) *armcompute.GalleryImageVersionStorageProfile {
	if s == nil {
		return nil
	}
	if s.VHD != nil {
		return &armcompute.GalleryImageVersionStorageProfile{OSDiskImage: &armcompute.GalleryOSDiskImage{
			Source: &armcompute.GalleryDiskImageSource{URI: to.Ptr(s.VHD.URI), StorageAccountID: to.Ptr(s.VHD.StorageAccount)},
		}}
	}
	id := s.ManagedImage + s.Snapshot + s.Version
	return &armcompute.GalleryImageVersionStorageProfile{Source: &armcompute.GalleryArtifactVersionFullSource{ID: to.Ptr(id)}}
}

func versionFromARM(v *armcompute.GalleryImageVersion) *schema.ImageVersion {
	out := &schema.ImageVersion{
		Location: schema.NormalizeRegion(str(v.Location)),
		Tags:     fromTags(v.Tags),
		Regions:  map[string]schema.TargetRegion{},
		Replicas: 1,
		Storage:  "Standard_LRS",
		Observed: &schema.VersionObserved{},
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
		for _, tr := range pp.TargetRegions {
			r := schema.TargetRegion{Replicas: out.Replicas, Storage: out.Storage}
			if tr.RegionalReplicaCount != nil {
				r.Replicas = int(*tr.RegionalReplicaCount)
			}
			if tr.StorageAccountType != nil {
				r.Storage = string(*tr.StorageAccountType)
			}
			out.Regions[schema.NormalizeRegion(str(tr.Name))] = r
		}
		if pp.ExcludeFromLatest != nil {
			out.ExcludeFromLatest = *pp.ExcludeFromLatest
		}
		out.EndOfLife = date(pp.EndOfLifeDate)
		if pp.PublishedDate != nil {
			out.Observed.PublishedDate = pp.PublishedDate.UTC().Format(time.RFC3339)
		}
	}
	if p.ProvisioningState != nil {
		out.Observed.ProvisioningState = string(*p.ProvisioningState)
	}
	if len(out.Regions) == 0 {
		out.Regions[out.Location] = schema.TargetRegion{Replicas: out.Replicas, Storage: out.Storage}
	}
	observeReplication(out.Observed, p.ReplicationStatus)
	return out
}

func observeReplication(o *schema.VersionObserved, rs *armcompute.ReplicationStatus) {
	if rs == nil {
		return
	}
	if rs.AggregatedState != nil {
		o.AggregatedState = string(*rs.AggregatedState)
	}
	o.Replication = map[string]schema.RegionReplication{}
	for _, s := range rs.Summary {
		if s == nil {
			continue
		}
		r := schema.RegionReplication{Details: str(s.Details)}
		if s.State != nil {
			r.State = string(*s.State)
		}
		if s.Progress != nil {
			r.Progress = int(*s.Progress)
		}
		o.Replication[schema.NormalizeRegion(str(s.Region))] = r
	}
}

func publishingToARM(v *schema.ImageVersion) *armcompute.GalleryImageVersionPublishingProfile {
	names := make([]string, 0, len(v.Regions))
	for n := range v.Regions {
		names = append(names, n)
	}
	sort.Strings(names)
	trs := make([]*armcompute.TargetRegion, 0, len(names))
	for _, n := range names {
		r := v.Regions[n]
		trs = append(trs, &armcompute.TargetRegion{
			Name:                 to.Ptr(n),
			RegionalReplicaCount: to.Ptr(int32(r.Replicas)),
			StorageAccountType:   to.Ptr(armcompute.StorageAccountType(r.Storage)),
		})
	}
	return &armcompute.GalleryImageVersionPublishingProfile{
		TargetRegions:      trs,
		ReplicaCount:       to.Ptr(int32(v.Replicas)),
		StorageAccountType: to.Ptr(armcompute.StorageAccountType(v.Storage)),
		ExcludeFromLatest:  to.Ptr(v.ExcludeFromLatest),
		EndOfLifeDate:      parseDate(v.EndOfLife),
	}
}

func shareFromARM(ra *armauthorization.RoleAssignment) *schema.Share {
	p := ra.Properties
	if p == nil {
		return nil
	}
	s := &schema.Share{
		PrincipalID: strings.ToLower(str(p.PrincipalID)),
		Role:        schema.RoleName(str(p.RoleDefinitionID)),
		Description: str(p.Description),
		Name:        str(ra.Name),
	}
	if p.PrincipalType != nil {
		s.PrincipalType = string(*p.PrincipalType)
	}
	return s
}

package azure

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/google/uuid"

	"github.com/curator-dev/curator/model"
)

const resourceGroupsAPIVersion = "2021-04-01"

// EnsureResourceGroup creates the resource group in location unless it
// exists.
func (c *Client) EnsureResourceGroup(ctx context.Context, location string) error {
	addr := model.Address("resourcegroup/" + c.cfg.ResourceGroup)
	u := c.endpoint + c.resourceGroupID() + "?api-version=" + resourceGroupsAPIVersion
	req, err := runtime.NewRequest(ctx, http.MethodGet, u)
	if err != nil {
		return wrap("read", addr, err)
	}
	resp, err := c.raw.Pipeline().Do(req)
	if err != nil {
		return wrap("read", addr, err)
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode != http.StatusNotFound:
		return wrap("read", addr, runtime.NewResponseError(resp))
	}
	req, err = runtime.NewRequest(ctx, http.MethodPut, u)
	if err != nil {
		return wrap("create", addr, err)
	}
	if err := runtime.MarshalAsJSON(req, map[string]any{"location": location, "tags": map[string]string{model.ManagedByTag: c.cfg.ConfigName}}); err != nil {
		return wrap("create", addr, err)
	}
	resp, err = c.raw.Pipeline().Do(req)
	if err != nil {
		return wrap("create", addr, err)
	}
	defer resp.Body.Close()
	if !runtime.HasStatusCode(resp, http.StatusOK, http.StatusCreated) {
		return wrap("create", addr, runtime.NewResponseError(resp))
	}
	c.log.Info("created resource group", "resource_group", c.cfg.ResourceGroup, "location", location)
	return nil
}

// pollFreq is how often pollers poll when the service names no interval.
func (c *Client) pollFreq() *runtime.PollUntilDoneOptions {
	return &runtime.PollUntilDoneOptions{Frequency: c.cfg.PollInterval}
}

// CreateGallery creates (or overwrites) gallery name.
func (c *Client) CreateGallery(ctx context.Context, name string, g *model.Gallery) error {
	addr := model.GalleryAddress(name)
	p, err := c.galleries.BeginCreateOrUpdate(ctx, c.cfg.ResourceGroup, name, c.galleryToARM(g), nil)
	if err != nil {
		return wrap("create", addr, err)
	}
	_, err = p.PollUntilDone(ctx, c.pollFreq())
	return wrap("create", addr, err)
}

// UpdateGallery updates the gallery's updatable fields (description, tags,
// soft delete, community information).
func (c *Client) UpdateGallery(ctx context.Context, name string, g *model.Gallery) error {
	addr := model.GalleryAddress(name)
	p, err := c.galleries.BeginUpdate(ctx, c.cfg.ResourceGroup, name, c.galleryUpdateToARM(g), nil)
	if err != nil {
		return wrap("update", addr, err)
	}
	_, err = p.PollUntilDone(ctx, c.pollFreq())
	return wrap("update", addr, err)
}

// DeleteGallery deletes the gallery; it must be empty.
func (c *Client) DeleteGallery(ctx context.Context, name string) error {
	addr := model.GalleryAddress(name)
	p, err := c.galleries.BeginDelete(ctx, c.cfg.ResourceGroup, name, nil)
	if err != nil {
		return wrap("delete", addr, err)
	}
	_, err = p.PollUntilDone(ctx, c.pollFreq())
	return wrap("delete", addr, err)
}

// UpdateSharing calls the gallery sharing-profile API once.
func (c *Client) UpdateSharing(ctx context.Context, gallery, operation string, subscriptions, tenants []string) error {
	addr := model.SharingAddress(gallery)
	upd := armcompute.SharingUpdate{OperationType: to.Ptr(armcompute.SharingUpdateOperationTypes(operation))}
	if len(subscriptions) > 0 {
		upd.Groups = append(upd.Groups, &armcompute.SharingProfileGroup{Type: to.Ptr(armcompute.SharingProfileGroupTypesSubscriptions), IDs: to.SliceOfPtrs(subscriptions...)})
	}
	if len(tenants) > 0 {
		upd.Groups = append(upd.Groups, &armcompute.SharingProfileGroup{Type: to.Ptr(armcompute.SharingProfileGroupTypesAADTenants), IDs: to.SliceOfPtrs(tenants...)})
	}
	p, err := c.sharing.BeginUpdate(ctx, c.cfg.ResourceGroup, gallery, upd, nil)
	if err != nil {
		return wrap(strings.ToLower(operation)+" sharing of", addr, err)
	}
	_, err = p.PollUntilDone(ctx, c.pollFreq())
	return wrap(strings.ToLower(operation)+" sharing of", addr, err)
}

// galleryLocation is where a gallery's definitions live: the gallery's own
// location, read when the caller does not know it.
func (c *Client) galleryLocation(ctx context.Context, gallery string) (string, error) {
	resp, err := c.galleries.Get(ctx, c.cfg.ResourceGroup, gallery, nil)
	if err != nil {
		return "", wrap("read", model.GalleryAddress(gallery), err)
	}
	return normalizeRegion(str(resp.Location)), nil
}

// CreateImage creates image definition name in gallery.
func (c *Client) CreateImage(ctx context.Context, gallery, name string, d *model.ImageDefinition) error {
	addr := model.ImageAddress(gallery, name)
	loc, err := c.galleryLocation(ctx, gallery)
	if err != nil {
		return err
	}
	p, err := c.images.BeginCreateOrUpdate(ctx, c.cfg.ResourceGroup, gallery, name, c.imageToARM(loc, d), nil)
	if err != nil {
		return wrap("create", addr, err)
	}
	_, err = p.PollUntilDone(ctx, c.pollFreq())
	return wrap("create", addr, err)
}

// UpdateImage updates the definition's updatable fields with a PATCH
// (imageUpdateToARM). A PATCH cannot remove a property — one it omits is
// kept, and the SDK never sends null — so when the definition still has
// something d dropped (an end-of-life date, release notes, any part of the
// recommended configuration, features that may change) it is PUT whole
// instead: a PUT replaces the resource, and its immutable properties are
// d's own, unchanged.
func (c *Client) UpdateImage(ctx context.Context, gallery, name string, d *model.ImageDefinition) error {
	addr := model.ImageAddress(gallery, name)
	cur, err := c.images.Get(ctx, c.cfg.ResourceGroup, gallery, name, nil)
	if err != nil {
		return wrap("read", addr, err)
	}
	if cur.Properties != nil && patchKeepsImage(cur.Properties, d) {
		body := c.imageToARM(str(cur.Location), d)
		body.Properties.Features = keepSecurityFeature(body.Properties.Features, cur.Properties.Features)
		// A definition made before architecture existed has none, which
		// means x64 (imageFromARM): a PUT keeps it absent, since the
		// service refuses any change of architecture.
		if cur.Properties.Architecture == nil && d.Architecture == string(armcompute.ArchitectureX64) {
			body.Properties.Architecture = nil
		}
		p, err := c.images.BeginCreateOrUpdate(ctx, c.cfg.ResourceGroup, gallery, name, body, nil)
		if err != nil {
			return wrap("update", addr, err)
		}
		_, err = p.PollUntilDone(ctx, c.pollFreq())
		return wrap("update", addr, err)
	}
	body := c.imageUpdateToARM(d)
	if body.Properties.Features != nil && cur.Properties != nil {
		body.Properties.Features = keepSecurityFeature(body.Properties.Features, cur.Properties.Features)
	}
	p, err := c.images.BeginUpdate(ctx, c.cfg.ResourceGroup, gallery, name, body, nil)
	if err != nil {
		return wrap("update", addr, err)
	}
	_, err = p.PollUntilDone(ctx, c.pollFreq())
	return wrap("update", addr, err)
}

// patchKeepsImage reports whether the definition as it is (cur) has a
// property that d leaves out, which a PATCH would keep.
func patchKeepsImage(cur *armcompute.GalleryImageProperties, d *model.ImageDefinition) bool {
	if cur.EndOfLifeDate != nil && d.EndOfLife == "" {
		return true
	}
	// An updatable scalar that a PATCH cannot clear, removed from d.
	was := imageFromARM(&armcompute.GalleryImage{Properties: cur})
	for _, p := range model.ImageProperties {
		if p.Scalar() && p.Mutability == model.Updatable && !p.PatchClears && p.IsSet(was) && !p.IsSet(d) {
			return true
		}
	}
	if imageUpdatable("features", d) && len(cur.Features) > 0 && len(keepSecurityFeature(featuresToARM(d), cur.Features)) == 0 {
		return true
	}
	if r := cur.Recommended; r != nil {
		var want model.Recommended
		if d.Recommended != nil {
			want = *d.Recommended
		}
		if rangeKeeps(r.VCPUs, want.VCPUs) || rangeKeeps(r.Memory, want.MemoryGB) {
			return true
		}
	}
	return false
}

// rangeKeeps reports whether a PATCH of want would keep a bound of cur.
func rangeKeeps(cur *armcompute.ResourceRange, want *model.Range) bool {
	if cur == nil {
		return false
	}
	var w model.Range
	if want != nil {
		w = *want
	}
	return cur.Min != nil && w.Min <= 0 || cur.Max != nil && w.Max <= 0
}

// DeleteImage deletes the definition; it must have no versions.
func (c *Client) DeleteImage(ctx context.Context, gallery, name string) error {
	addr := model.ImageAddress(gallery, name)
	p, err := c.images.BeginDelete(ctx, c.cfg.ResourceGroup, gallery, name, nil)
	if err != nil {
		return wrap("delete", addr, err)
	}
	_, err = p.PollUntilDone(ctx, c.pollFreq())
	return wrap("delete", addr, err)
}

// CreateVersion creates image version name and, unless noWait, waits until
// it has replicated to every target region, reporting progress.
func (c *Client) CreateVersion(ctx context.Context, gallery, image, name string, v *model.ImageVersion, noWait bool, progress func(map[string]model.RegionReplication)) error {
	addr := model.VersionAddress(gallery, image, name)
	body := c.versionToARM(v)
	if v.Source == nil {
		return &Error{Kind: Invalid, Op: "create", Address: addr, Message: "the version has no source: it is published by someone else, and curator can only adopt it once it exists"}
	}
	p, err := c.versions.BeginCreateOrUpdate(ctx, c.cfg.ResourceGroup, gallery, image, name, body, nil)
	if err != nil {
		return wrap("create", addr, err)
	}
	if noWait {
		return nil
	}
	return wrap("create", addr, wait(ctx, c, p, gallery, image, name, progress))
}

// UpdateVersion updates the version's updatable fields with a PATCH
// (versionUpdateToARM): target regions with their encryption and
// exclude-from-latest, edge zones, replica counts, exclude-from-latest, end
// of life, safety profile and tags. New regions replicate; unless noWait,
// it waits for them.
//
// As with definitions, a PATCH cannot remove the end-of-life date, so when
// v has none and the version still has one it is PUT whole: v's
// publishing and safety profiles, and its storage profile as the service
// has it when v has no source (an adopted version).
func (c *Client) UpdateVersion(ctx context.Context, gallery, image, name string, v *model.ImageVersion, noWait bool, progress func(map[string]model.RegionReplication)) error {
	addr := model.VersionAddress(gallery, image, name)
	var p *runtime.Poller[armcompute.GalleryImageVersionsClientUpdateResponse]
	var put *runtime.Poller[armcompute.GalleryImageVersionsClientCreateOrUpdateResponse]
	var err error
	if v.EndOfLife == "" {
		cur, gerr := c.versions.Get(ctx, c.cfg.ResourceGroup, gallery, image, name, nil)
		if gerr != nil {
			return wrap("read", addr, gerr)
		}
		if cp := cur.Properties; cp != nil && cp.PublishingProfile != nil && cp.PublishingProfile.EndOfLifeDate != nil {
			body := c.versionToARM(v)
			body.Properties.SafetyProfile = updatedSafetyToARM(v.Safety)
			// The security profile cannot change (a change replaces the
			// version): the PUT keeps the one the version has.
			body.Properties.SecurityProfile = cp.SecurityProfile
			if v.Source == nil {
				body.Properties.StorageProfile = writableStorage(cp.StorageProfile)
			}
			put, err = c.versions.BeginCreateOrUpdate(ctx, c.cfg.ResourceGroup, gallery, image, name, body, nil)
		}
	}
	if put == nil && err == nil {
		p, err = c.versions.BeginUpdate(ctx, c.cfg.ResourceGroup, gallery, image, name, c.versionUpdateToARM(v), nil)
	}
	if err != nil {
		return wrap("update", addr, err)
	}
	if put != nil {
		if noWait {
			return nil
		}
		return wrap("update", addr, wait(ctx, c, put, gallery, image, name, progress))
	}
	if noWait {
		return nil
	}
	return wrap("update", addr, wait(ctx, c, p, gallery, image, name, progress))
}

// writableStorage is a storage profile as read, without what the service
// reports and nobody writes (disk sizes), for a PUT that keeps the source.
func writableStorage(sp *armcompute.GalleryImageVersionStorageProfile) *armcompute.GalleryImageVersionStorageProfile {
	if sp == nil {
		return &armcompute.GalleryImageVersionStorageProfile{}
	}
	out := &armcompute.GalleryImageVersionStorageProfile{Source: sp.Source}
	if od := sp.OSDiskImage; od != nil {
		out.OSDiskImage = &armcompute.GalleryOSDiskImage{HostCaching: od.HostCaching, Source: od.Source}
	}
	for _, dd := range sp.DataDiskImages {
		if dd != nil {
			out.DataDiskImages = append(out.DataDiskImages, &armcompute.GalleryDataDiskImage{Lun: dd.Lun, HostCaching: dd.HostCaching, Source: dd.Source})
		}
	}
	return out
}

// DeleteVersion deletes the version from every region.
func (c *Client) DeleteVersion(ctx context.Context, gallery, image, name string) error {
	addr := model.VersionAddress(gallery, image, name)
	p, err := c.versions.BeginDelete(ctx, c.cfg.ResourceGroup, gallery, image, name, nil)
	if err != nil {
		return wrap("delete", addr, err)
	}
	_, err = p.PollUntilDone(ctx, c.pollFreq())
	return wrap("delete", addr, err)
}

// wait polls a version operation until done, reporting per-region
// replication progress between polls.
func wait[T any](ctx context.Context, c *Client, p *runtime.Poller[T], gallery, image, name string, progress func(map[string]model.RegionReplication)) error {
	if progress == nil {
		_, err := p.PollUntilDone(ctx, c.pollFreq())
		return err
	}
	for !p.Done() {
		resp, err := p.Poll(ctx)
		if err != nil {
			return err
		}
		v := &model.ImageVersion{Observed: &model.VersionObserved{}}
		if err := c.observe(ctx, gallery, image, name, v); err == nil && v.Observed.Replication != nil {
			progress(v.Observed.Replication)
		}
		if p.Done() {
			break
		}
		delay := retryAfter(resp, c.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
	_, err := p.Result(ctx)
	return err
}

// retryAfter is the poll interval the service asked for, bounded by max.
func retryAfter(resp *http.Response, max time.Duration) time.Duration {
	d := max
	if resp != nil {
		if ms := resp.Header.Get("Retry-After-Ms"); ms != "" {
			var n int
			if _, err := fmt.Sscan(ms, &n); err == nil && n > 0 {
				d = time.Duration(n) * time.Millisecond
			}
		} else if s := resp.Header.Get("Retry-After"); s != "" {
			var n int
			if _, err := fmt.Sscan(s, &n); err == nil && n > 0 {
				d = time.Duration(n) * time.Second
			}
		}
	}
	return min(d, max)
}

// curatorNamespace is the UUID namespace of curator's role assignment names.
var curatorNamespace = uuid.MustParse("6f1d3b8e-2c4a-5e7f-9a0b-c1d2e3f4a5b6")

// AssignmentName is the deterministic name of the role assignment of
// roleDefinitionID to principalID at scopeID: a UUIDv5, so that a repeated
// create after a crash finds the same assignment instead of duplicating it.
func AssignmentName(scopeID, roleDefinitionID, principalID string) string {
	key := strings.ToLower(scopeID) + "|" + strings.ToLower(roleDefinitionID) + "|" + strings.ToLower(principalID)
	return uuid.NewSHA1(curatorNamespace, []byte(key)).String()
}

// CreateRoleAssignment assigns s at scope. An assignment that already exists
// (after a crash, or made by someone else) is left as it is.
func (c *Client) CreateRoleAssignment(ctx context.Context, scope model.Address, s *model.Share) error {
	addr := model.ShareAddress(scope, s.PrincipalID, s.Role)
	scopeID, err := c.scopeID(scope)
	if err != nil {
		return &Error{Kind: Invalid, Op: "create", Address: addr, Message: err.Error()}
	}
	roleID, ok := model.RoleDefinitionID(s.Role)
	if !ok {
		return &Error{Kind: Invalid, Op: "create", Address: addr, Message: fmt.Sprintf("unknown role %q", s.Role)}
	}
	props := &armauthorization.RoleAssignmentProperties{
		RoleDefinitionID: to.Ptr(fmt.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", c.cfg.Subscription, roleID)),
		PrincipalID:      to.Ptr(s.PrincipalID),
		Description:      to.Ptr(model.ShareDescription(c.cfg.ConfigName)),
	}
	if s.PrincipalType != "" {
		props.PrincipalType = to.Ptr(armauthorization.PrincipalType(s.PrincipalType))
	}
	name := AssignmentName(scopeID, roleID, s.PrincipalID)
	// A principal created moments ago may not have replicated through the
	// directory yet: Resource Manager answers 400 PrincipalNotFound, and
	// Microsoft's advice is to retry after a while. The SDK's retry policy
	// does not retry a 400, so this one error is retried here, a bounded
	// number of times with a doubling wait.
	delay := c.cfg.PrincipalRetryDelay
	for attempt := 0; ; attempt++ {
		_, err = c.roles.Create(ctx, scopeID, name, armauthorization.RoleAssignmentCreateParameters{Properties: props}, nil)
		var re *azcore.ResponseError
		if errors.As(err, &re) && re.ErrorCode == "RoleAssignmentExists" {
			return nil
		}
		if !errors.As(err, &re) || re.ErrorCode != "PrincipalNotFound" || attempt >= c.cfg.PrincipalRetries {
			break
		}
		c.log.Info("principal not found in the directory yet; retrying the role assignment", "address", addr, "principal", s.PrincipalID, "attempt", attempt+1, "wait", delay)
		select {
		case <-ctx.Done():
			return wrap("create", addr, ctx.Err())
		case <-time.After(delay):
		}
		delay *= 2
	}
	e := wrap("create", addr, err)
	var ae *Error
	if errors.As(e, &ae) && ae.Code == "PrincipalNotFound" {
		ae.Message += fmt.Sprintf(" (still not found after %d retries; check the principal ID)", c.cfg.PrincipalRetries)
	}
	return e
}

// DeleteRoleAssignment removes the assignment named s.Name at scope.
func (c *Client) DeleteRoleAssignment(ctx context.Context, scope model.Address, s *model.Share) error {
	addr := model.ShareAddress(scope, s.PrincipalID, s.Role)
	scopeID, err := c.scopeID(scope)
	if err != nil {
		return &Error{Kind: Invalid, Op: "delete", Address: addr, Message: err.Error()}
	}
	name := s.Name
	if name == "" {
		roleID, _ := model.RoleDefinitionID(s.Role)
		name = AssignmentName(scopeID, roleID, s.PrincipalID)
	}
	_, err = c.roles.Delete(ctx, scopeID, name, nil)
	if IsNotFound(wrap("", "", err)) {
		return nil
	}
	return wrap("delete", addr, err)
}

package azure

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"golang.org/x/sync/errgroup"

	"github.com/curator-dev/curator/model"
)

// readStateARM reads the galleries of the resource group, their image
// definitions, image versions, sharing profiles and the role assignments on
// galleries and definitions — through list pagers, never one GET per
// resource: galleries + definitions + version pages + role-assignment pages
// requests for a steady estate, plus one GET with replication status for
// each version still replicating, and one GET with $select=Permissions for
// each gallery shared directly with groups: the service returns a gallery's
// sharing groups only when asked that way (or with
// $expand=SharingProfile/Groups), and its list operation takes neither
// (armcompute's GalleriesClientListByResourceGroupOptions has no Select or
// Expand; GalleriesClientGetOptions has both).
func (c *Client) readStateARM(ctx context.Context) (*model.State, error) {
	st := &model.State{Galleries: map[string]*model.Gallery{}}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.ReadConcurrency)

	var shares map[string]map[string]*model.Share
	g.Go(func() error {
		var err error
		shares, err = c.listShares(gctx)
		return err
	})

	pager := c.galleries.NewListByResourceGroupPager(c.cfg.ResourceGroup, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if IsNotFound(wrap("", "", err)) {
				// No resource group yet: nothing exists.
				break
			}
			g.Wait()
			return nil, wrap("list galleries in", model.Address("resourcegroup/"+c.cfg.ResourceGroup), err)
		}
		for _, ag := range page.Value {
			name := str(ag.Name)
			gal := galleryFromARM(ag)
			gal.Images = map[string]*model.ImageDefinition{}
			st.Galleries[name] = gal
			if gal.Sharing != nil && gal.Sharing.Permission == string(armcompute.GallerySharingPermissionTypesGroups) {
				g.Go(func() error { return c.readGroups(gctx, name, gal) })
			}
			g.Go(func() error { return c.readImages(gctx, g, &mu, name, gal) })
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// Attach role assignments to their scopes.
	for gname, gal := range st.Galleries {
		gal.Shares = shares[strings.ToLower(c.galleryID(gname))]
		for iname, img := range gal.Images {
			img.Shares = shares[strings.ToLower(c.imageID(gname, iname))]
		}
	}
	return st, nil
}

// readGroups reads the sharing groups of a gallery shared with groups.
func (c *Client) readGroups(ctx context.Context, name string, gal *model.Gallery) error {
	resp, err := c.galleries.Get(ctx, c.cfg.ResourceGroup, name, &armcompute.GalleriesClientGetOptions{Select: to.Ptr(armcompute.SelectPermissionsPermissions)})
	if err != nil {
		if IsNotFound(wrap("", "", err)) {
			return nil
		}
		return wrap("read sharing groups of", model.GalleryAddress(name), err)
	}
	if p := resp.Properties; p != nil {
		if s := sharingFromARM(p.SharingProfile); s != nil {
			gal.Sharing = s
		}
	}
	return nil
}

func (c *Client) readImages(ctx context.Context, g *errgroup.Group, mu *sync.Mutex, gname string, gal *model.Gallery) error {
	pager := c.images.NewListByGalleryPager(c.cfg.ResourceGroup, gname, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return wrap("list image definitions in", model.GalleryAddress(gname), err)
		}
		for _, ai := range page.Value {
			iname := str(ai.Name)
			img := imageFromARM(ai)
			img.Versions = map[string]*model.ImageVersion{}
			mu.Lock()
			gal.Images[iname] = img
			mu.Unlock()
			// Run the version list in this goroutine when the group is
			// full, rather than block on a slot this goroutine holds.
			if !g.TryGo(func() error { return c.readVersions(ctx, mu, gname, iname, img) }) {
				if err := c.readVersions(ctx, mu, gname, iname, img); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (c *Client) readVersions(ctx context.Context, mu *sync.Mutex, gname, iname string, img *model.ImageDefinition) error {
	pager := c.versions.NewListByGalleryImagePager(c.cfg.ResourceGroup, gname, iname, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return wrap("list image versions in", model.ImageAddress(gname, iname), err)
		}
		for _, av := range page.Value {
			vname := str(av.Name)
			v := versionFromARM(av)
			if v.Observed.ProvisioningState != string(armcompute.GalleryProvisioningStateSucceeded) {
				// Still replicating (or failed): read its per-region status.
				if err := c.observe(ctx, gname, iname, vname, v); err != nil {
					return err
				}
			}
			mu.Lock()
			img.Versions[vname] = v
			mu.Unlock()
		}
	}
	return nil
}

// observe reads a version's replication status into v.Observed.
func (c *Client) observe(ctx context.Context, gname, iname, vname string, v *model.ImageVersion) error {
	resp, err := c.versions.Get(ctx, c.cfg.ResourceGroup, gname, iname, vname, &armcompute.GalleryImageVersionsClientGetOptions{Expand: to.Ptr(armcompute.ReplicationStatusTypesReplicationStatus)})
	if err != nil {
		if IsNotFound(wrap("", "", err)) {
			return nil
		}
		return wrap("read replication status of", model.VersionAddress(gname, iname, vname), err)
	}
	fresh := versionFromARM(&resp.GalleryImageVersion)
	*v.Observed = *fresh.Observed
	return nil
}

// listShares lists every role assignment in the resource group (one pager:
// ARM's list for a resource group includes those on resources in it), keyed
// by lower-cased scope and then assignment name.
func (c *Client) listShares(ctx context.Context) (map[string]map[string]*model.Share, error) {
	out := map[string]map[string]*model.Share{}
	pager := c.roles.NewListForResourceGroupPager(c.cfg.ResourceGroup, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if IsNotFound(wrap("", "", err)) {
				return out, nil
			}
			return nil, wrap("list role assignments in", model.Address("resourcegroup/"+c.cfg.ResourceGroup), err)
		}
		for _, ra := range page.Value {
			if ra.Properties == nil {
				continue
			}
			scope := strings.ToLower(str(ra.Properties.Scope))
			if !strings.Contains(scope, "/providers/microsoft.compute/galleries/") {
				continue
			}
			s := shareFromARM(ra)
			if out[scope] == nil {
				out[scope] = map[string]*model.Share{}
			}
			out[scope][s.Name] = s
		}
	}
	return out, nil
}

func (c *Client) resourceGroupID() string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", c.cfg.Subscription, c.cfg.ResourceGroup)
}

func (c *Client) galleryID(g string) string {
	return c.resourceGroupID() + "/providers/Microsoft.Compute/galleries/" + g
}

func (c *Client) imageID(g, i string) string { return c.galleryID(g) + "/images/" + i }

// scopeID is the ARM ID of a share's scope address (a gallery or image).
func (c *Client) scopeID(scope model.Address) (string, error) {
	g, i, v, ok := scope.Parts()
	switch {
	case !ok || v != "":
		return "", fmt.Errorf("%s is not a gallery or image definition: shares sit on those", scope)
	case i == "":
		return c.galleryID(g), nil
	}
	return c.imageID(g, i), nil
}

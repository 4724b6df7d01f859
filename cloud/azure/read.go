package azure

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"golang.org/x/sync/errgroup"

	"github.com/curator-dev/curator/schema"
)

// readStateARM reads the galleries of the resource group, their image
// definitions, image versions, sharing profiles and the role assignments on
// galleries and definitions — through list pagers, never one GET per
// resource: galleries + definitions + version pages + role-assignment pages
// requests for a steady estate, plus one GET with replication status for
// each version still replicating.
func (c *Client) readStateARM(ctx context.Context) (*schema.State, error) {
	st := &schema.State{Galleries: map[string]*schema.Gallery{}}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.ReadConcurrency)

	var shares map[string]map[string]*schema.Share
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
			return nil, wrap("list galleries in", schema.Address("resourcegroup/"+c.cfg.ResourceGroup), err)
		}
		for _, ag := range page.Value {
			name := str(ag.Name)
			gal := galleryFromARM(ag)
			gal.Images = map[string]*schema.ImageDefinition{}
			st.Galleries[name] = gal
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

func (c *Client) readImages(ctx context.Context, g *errgroup.Group, mu *sync.Mutex, gname string, gal *schema.Gallery) error {
	pager := c.images.NewListByGalleryPager(c.cfg.ResourceGroup, gname, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return wrap("list image definitions in", schema.GalleryAddress(gname), err)
		}
		for _, ai := range page.Value {
			iname := str(ai.Name)
			img := imageFromARM(ai)
			img.Versions = map[string]*schema.ImageVersion{}
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

func (c *Client) readVersions(ctx context.Context, mu *sync.Mutex, gname, iname string, img *schema.ImageDefinition) error {
	pager := c.versions.NewListByGalleryImagePager(c.cfg.ResourceGroup, gname, iname, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return wrap("list image versions in", schema.ImageAddress(gname, iname), err)
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
func (c *Client) observe(ctx context.Context, gname, iname, vname string, v *schema.ImageVersion) error {
	resp, err := c.versions.Get(ctx, c.cfg.ResourceGroup, gname, iname, vname, &armcompute.GalleryImageVersionsClientGetOptions{Expand: to.Ptr(armcompute.ReplicationStatusTypesReplicationStatus)})
	if err != nil {
		if IsNotFound(wrap("", "", err)) {
			return nil
		}
		return wrap("read replication status of", schema.VersionAddress(gname, iname, vname), err)
	}
	fresh := versionFromARM(&resp.GalleryImageVersion)
	*v.Observed = *fresh.Observed
	return nil
}

// listShares lists every role assignment in the resource group (one pager:
// ARM's list for a resource group includes those on resources in it), keyed
// by lower-cased scope and then assignment name.
func (c *Client) listShares(ctx context.Context) (map[string]map[string]*schema.Share, error) {
	out := map[string]map[string]*schema.Share{}
	pager := c.roles.NewListForResourceGroupPager(c.cfg.ResourceGroup, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if IsNotFound(wrap("", "", err)) {
				return out, nil
			}
			return nil, wrap("list role assignments in", schema.Address("resourcegroup/"+c.cfg.ResourceGroup), err)
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
				out[scope] = map[string]*schema.Share{}
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
func (c *Client) scopeID(scope schema.Address) (string, error) {
	g, i, v, ok := scope.Parts()
	switch {
	case !ok || v != "":
		return "", fmt.Errorf("%s is not a gallery or image definition: shares sit on those", scope)
	case i == "":
		return c.galleryID(g), nil
	}
	return c.imageID(g, i), nil
}

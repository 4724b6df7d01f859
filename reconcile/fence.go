package reconcile

import (
	"context"

	"github.com/curator-dev/curator/model"
)

// fencedCloud checks, before every write, that the apply lock is still
// held: once it is lost no further write starts.
type fencedCloud struct {
	Cloud
	fence func() error
}

func (f fencedCloud) EnsureResourceGroup(ctx context.Context, location string) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.EnsureResourceGroup(ctx, location)
}

func (f fencedCloud) CreateGallery(ctx context.Context, name string, g *model.Gallery) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.CreateGallery(ctx, name, g)
}

func (f fencedCloud) UpdateGallery(ctx context.Context, name string, g *model.Gallery) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.UpdateGallery(ctx, name, g)
}

func (f fencedCloud) DeleteGallery(ctx context.Context, name string) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.DeleteGallery(ctx, name)
}

func (f fencedCloud) UpdateSharing(ctx context.Context, gallery, operation string, subscriptions, tenants []string) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.UpdateSharing(ctx, gallery, operation, subscriptions, tenants)
}

func (f fencedCloud) CreateImage(ctx context.Context, gallery, name string, d *model.ImageDefinition) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.CreateImage(ctx, gallery, name, d)
}

func (f fencedCloud) UpdateImage(ctx context.Context, gallery, name string, d *model.ImageDefinition) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.UpdateImage(ctx, gallery, name, d)
}

func (f fencedCloud) DeleteImage(ctx context.Context, gallery, name string) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.DeleteImage(ctx, gallery, name)
}

func (f fencedCloud) CreateVersion(ctx context.Context, gallery, image, name string, v *model.ImageVersion, noWait bool, progress func(map[string]model.RegionReplication)) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.CreateVersion(ctx, gallery, image, name, v, noWait, progress)
}

func (f fencedCloud) UpdateVersion(ctx context.Context, gallery, image, name string, v *model.ImageVersion, noWait bool, progress func(map[string]model.RegionReplication)) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.UpdateVersion(ctx, gallery, image, name, v, noWait, progress)
}

func (f fencedCloud) DeleteVersion(ctx context.Context, gallery, image, name string) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.DeleteVersion(ctx, gallery, image, name)
}

func (f fencedCloud) CreateRoleAssignment(ctx context.Context, scope model.Address, s *model.Share) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.CreateRoleAssignment(ctx, scope, s)
}

func (f fencedCloud) DeleteRoleAssignment(ctx context.Context, scope model.Address, s *model.Share) error {
	if err := f.fence(); err != nil {
		return err
	}
	return f.Cloud.DeleteRoleAssignment(ctx, scope, s)
}

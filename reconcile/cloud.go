package reconcile

import (
	"context"

	"github.com/curator-dev/curator/model"
)

// Cloud is what reconcile needs of a cloud: read the actual state of the
// target's scope, and carry out one change at a time. cloud/azure implements
// it, against Azure Resource Manager or the emulator.
//
// Every create and update marks the resource as managed by the configuration
// (tag model.ManagedByTag on galleries, definitions and versions; a
// deterministic name and model.ShareDescription on role assignments), so an
// adopt is an update and a repeated create after a crash is harmless.
type Cloud interface {
	// ReadState returns the actual state: State.Galleries only, every
	// version with Observed set.
	ReadState(ctx context.Context) (*model.State, error)

	// EnsureResourceGroup creates the target's resource group if missing.
	EnsureResourceGroup(ctx context.Context, location string) error

	CreateGallery(ctx context.Context, name string, g *model.Gallery) error
	UpdateGallery(ctx context.Context, name string, g *model.Gallery) error
	DeleteGallery(ctx context.Context, name string) error
	// UpdateSharing calls the gallery sharing-profile API once; operation is
	// Add, Remove, Reset or EnableCommunity.
	UpdateSharing(ctx context.Context, gallery, operation string, subscriptions, tenants []string) error

	CreateImage(ctx context.Context, gallery, name string, d *model.ImageDefinition) error
	UpdateImage(ctx context.Context, gallery, name string, d *model.ImageDefinition) error
	DeleteImage(ctx context.Context, gallery, name string) error

	// CreateVersion and UpdateVersion start a long-running operation and,
	// unless noWait, wait for it, calling progress (if not nil) with the
	// per-region replication status keyed by normalised region. With noWait
	// they return once ARM accepted the request.
	CreateVersion(ctx context.Context, gallery, image, name string, v *model.ImageVersion, noWait bool, progress func(map[string]model.RegionReplication)) error
	UpdateVersion(ctx context.Context, gallery, image, name string, v *model.ImageVersion, noWait bool, progress func(map[string]model.RegionReplication)) error
	DeleteVersion(ctx context.Context, gallery, image, name string) error

	// CreateRoleAssignment assigns s at scope (a gallery or image address);
	// it succeeds without change when the same assignment exists.
	CreateRoleAssignment(ctx context.Context, scope model.Address, s *model.Share) error
	// DeleteRoleAssignment removes the assignment named s.Name at scope.
	DeleteRoleAssignment(ctx context.Context, scope model.Address, s *model.Share) error
}

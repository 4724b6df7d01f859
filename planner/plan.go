// Package planner computes what it takes to make the cloud match the
// configuration: Plan(desired, actual) is a pure function that classifies every
// resource as no-op, create, update, replace, delete or adopt, with field-level
// diffs, per-region replication deltas and share changes; orders the changes by
// dependency; estimates their cost; and renders the result as text, JSON and
// Markdown.
//
// planner does no I/O: it reads no files, calls no cloud and reads no clock
// but the one passed in Options.
package planner

import (
	"time"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
)

// FormatVersion is the version of the JSON plan format. Readers must refuse a
// plan whose major version they do not know.
const FormatVersion = "1.1"

// Action is what a change does to one resource. Its value is the symbol the
// text rendering uses for it.
type Action rune

const (
	NoOp    Action = 0
	Create  Action = '+'
	Update  Action = '~'
	Replace Action = '±' // rendered "-/+": delete, then create
	Delete  Action = '-'
	Adopt   Action = '<' // rendered "<=": tag an existing resource as managed, then update it
)

// Kind is the kind of resource a change is about.
type Kind string

const (
	KindGallery Kind = "gallery"
	KindSharing Kind = "sharing" // a gallery's sharing profile
	KindImage   Kind = "image"   // an image definition
	KindVersion Kind = "version" // an image version
	KindShare   Kind = "share"   // a role assignment
)

// Change is one planned change to one resource.
//
// Before and After are shallow copies of the model object (children such as a
// gallery's images and shares removed), typed as model.Resource (a sealed
// interface): *model.Gallery, *model.Sharing, *model.ImageDefinition,
// *model.ImageVersion or *model.Share by Kind, whose ResourceKind is Kind.
// Before is nil for Create, After is nil for Delete; for Update, Replace and
// Adopt both are set. Gallery, Image and Version name the resource (or, for a
// share, its scope).
type Change struct {
	Address model.Address
	Kind    Kind
	Action  Action
	Reason  Reason
	Gallery string
	Image   string
	Version string

	Before model.Resource
	After  model.Resource

	// Fields are the field-level differences (updates, replaces, adopts).
	Fields []FieldDiff
	// ForcedBy lists the immutable fields that force a Replace.
	ForcedBy []string
	// Replication is the per-region delta of a version create or update.
	Replication *ReplicationDelta
	// Sharing lists the sharing-profile operations of a KindSharing change,
	// in the order they must run.
	Sharing []SharingOp
	// DependsOn lists the addresses of changes in the same plan that must
	// finish before this one starts.
	DependsOn []model.Address
	// Refused is the safety rule that refuses this change, "" when none
	// does. A refused change stays in the plan so that every rendering
	// shows it; the plan's Errors say why and what would allow it.
	Refused Rule
}

// Reason says why an action was chosen.
type Reason string

const (
	ReasonNone              Reason = ""
	ReasonNotFound          Reason = "not_found"       // create: declared, absent
	ReasonDrift             Reason = "drift"           // update: mutable fields differ
	ReasonCannotUpdate      Reason = "cannot_update"   // replace: immutable fields differ
	ReasonParentReplaced    Reason = "parent_replaced" // replace: its definition is replaced
	ReasonNoConfig          Reason = "no_config"       // delete: managed, no longer declared, prune on
	ReasonParentDeleted     Reason = "parent_deleted"  // delete: goes with its parent
	ReasonUnmanagedDeclared Reason = "adopt_unmanaged" // adopt: declared, exists without curator's mark
)

// Rule is a safety rule that can refuse a change or a whole plan. Its
// value is its name in the JSON plan.
type Rule string

const (
	RuleReplace        Rule = "replace_not_allowed" // an immutable field changed; allowReplace / --allow-replace
	RuleAdopt          Rule = "adopt_not_allowed"   // exists without curator's mark; adopt / --adopt
	RuleAdoptImmutable Rule = "adopt_would_replace" // adopting would need a replace: never allowed
	RuleHoldsUnmanaged Rule = "holds_unmanaged"     // a delete or replace would take an unmanaged resource with it
	RuleTooManyDeletes Rule = "too_many_deletes"    // more deletes than maxDeletes; --allow-mass-delete
	RulePastEndOfLife  Rule = "end_of_life_in_past" // an end-of-life date being set is in the past: the service refuses it
	RuleSafetyProfile  Rule = "safety_profile"      // the version's safety profile forbids the region removal or delete
)

// Refusal is one reason a plan cannot be applied: a safety rule stopped a
// change (Address is the change's) or the whole plan (Address is "").
// AllowFlag and AllowField say what would allow it — a flag of plan and
// apply, and a configuration field in CUE, on the resource at Address or,
// for a plan-wide rule, at the top level; both are "" when only a change
// of the configuration or of the cloud can (an unmanaged resource in the
// way).
type Refusal struct {
	Address    model.Address
	Rule       Rule
	Summary    string
	Detail     string
	AllowFlag  string
	AllowField string
}

func (r Refusal) String() string {
	return diag.Diagnostic{Severity: diag.Error, Address: r.Address, Summary: r.Summary, Detail: r.Detail}.String()
}

// FieldDiff is one differing field, by its path in the configuration
// (e.g. "description", "regions.eastus.replicas").
type FieldDiff struct {
	Path   string
	Before any
	After  any
}

// ReplicationDelta is how an image version's target regions change.
type ReplicationDelta struct {
	Added   []RegionChange
	Removed []RegionChange
	Changed []RegionChange // replica count changed in place
}

// RegionChange is one region of a ReplicationDelta. A storage-type change is
// planned as Removed then Added of the same region, with Note saying so.
type RegionChange struct {
	Region         string
	BeforeReplicas int
	AfterReplicas  int
	BeforeStorage  string
	AfterStorage   string
	Note           string
}

// SharingOp is one call of the gallery sharing-profile API.
type SharingOp struct {
	// Operation is Add, Remove, Reset or EnableCommunity.
	Operation     string
	Subscriptions []string
	Tenants       []string
}

// Unmanaged is a resource that exists in scope but is not curator's to touch:
// undeclared and without this configuration's mark (or declared without
// adoption allowed, reported as an error instead).
type Unmanaged struct {
	Address model.Address
	Reason  string
}

// LatestChange reports which version "latest" resolves to for a definition,
// before and after the plan, when that changes.
type LatestChange struct {
	Image  model.Address
	Before string
	After  string
}

// Plan is the ordered set of changes that makes actual match desired.
type Plan struct {
	FormatVersion  string
	SourceRevision string
	// Source says where the configuration came from (a folder, or a git
	// URL with ref and path), so a saved plan can be checked against it.
	Source        string
	Configuration string
	Target        string
	CreatedAt     time.Time
	// Changes excludes no-ops; it is in apply order.
	Changes   []*Change
	Unmanaged []Unmanaged
	Latest    []LatestChange
	// Errors are the refusals: a plan with any can never be applied. The
	// refused changes are in Changes, marked by Change.Refused.
	Errors  []Refusal
	Summary Summary
	Cost    Cost
	// ActualStateFingerprint identifies the actual state the plan was computed
	// from (observations such as replication progress excluded), so a saved
	// plan can be refused when the cloud changed since.
	ActualStateFingerprint string
	Warnings               diag.Diagnostics
	// ARMRequests is how many requests reading the actual state took (set by
	// the caller, which did the reading).
	ARMRequests int64
	// ReadPath is how the actual state was read ("graph": Azure Resource
	// Graph, which lags Resource Manager by seconds; "arm": Resource
	// Manager's lists), and ReadAt when (set by the caller). A plan read
	// through the graph is confirmed resource by resource before apply
	// writes.
	ReadPath string
	ReadAt   time.Time
}

// Summary counts the plan. Refused changes are counted in Refused only:
// the other counts, replication and shares included, are what an apply
// would do were the refusals lifted no further.
type Summary struct {
	Create, Update, Replace, Delete, Adopt, NoOp int
	Refused                                      int
	RegionsAdded, RegionsRemoved                 int
	ReplicasAdded, ReplicasRemoved               int
	SharesAdded, SharesRemoved                   int
}

// Cost is the estimated cost of a plan, in USD.
type Cost struct {
	MonthlyStorageDelta float64
	OneTimeEgress       float64
	PriceTableDate      string
	PriceTableSource    string
	// Unsized counts the versions whose replicas change but whose size is
	// unknown (no sizeGB, and the cloud reports none yet): they are not
	// in the figures above, which would otherwise read as free.
	Unsized int
}

// HasChanges reports whether the plan holds any change, refused ones
// included: a plan with refusals is never "no changes". Whether it may be
// applied is Refused's to say.
func (p *Plan) HasChanges() bool { return len(p.Changes) > 0 || len(p.Errors) > 0 }

// Refused reports whether a safety rule refused the plan, in part or in
// whole. A refused plan must never be applied.
func (p *Plan) Refused() bool {
	if len(p.Errors) > 0 {
		return true
	}
	for _, c := range p.Changes {
		if c.Refused != "" {
			return true
		}
	}
	return false
}

// Err returns the refusals as one error, nil when the plan may be applied.
func (p *Plan) Err() error {
	if !p.Refused() {
		return nil
	}
	var ds diag.Diagnostics
	for _, r := range p.Errors {
		ds = append(ds, diag.Diagnostic{Severity: diag.Error, Address: r.Address, Summary: r.Summary, Detail: r.Detail})
	}
	refusalOf := p.refusals()
	for _, c := range p.Changes {
		if c.Refused != "" && refusalOf(c) == nil {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Address: c.Address, Summary: "Refused", Detail: string(c.Refused)})
		}
	}
	return Refused(ds)
}

// refusals indexes the plan's refusals and returns the lookup of the one
// that refuses a change: of its rule, at its address, else at the nearest
// resource it lives in (a child goes with its refused parent), else
// plan-wide; nil when none.
func (p *Plan) refusals() func(*Change) *Refusal {
	type key struct {
		addr model.Address
		rule Rule
	}
	index := make(map[key]*Refusal, len(p.Errors))
	for i := range p.Errors {
		k := key{p.Errors[i].Address, p.Errors[i].Rule}
		if index[k] == nil {
			index[k] = &p.Errors[i]
		}
	}
	return func(c *Change) *Refusal {
		if c.Refused == "" {
			return nil
		}
		if r := index[key{c.Address, c.Refused}]; r != nil {
			return r
		}
		for _, a := range ancestors(c) {
			if r := index[key{a, c.Refused}]; r != nil {
				return r
			}
		}
		return index[key{"", c.Refused}]
	}
}

// Options steer Plan.
type Options struct {
	SourceRevision  string
	Now             time.Time
	Prune           bool // overrides to true; desired.Prune also enables it
	AllowReplace    bool
	Adopt           bool
	AllowMassDelete bool
	// Prices overrides the shipped price table; nil uses DefaultPrices.
	Prices *PriceTable
}

// PriceTable is what storage and egress cost, in USD. The shipped table is
// DefaultPrices; users may override it.
type PriceTable struct {
	Date   string `json:"date"`
	Source string `json:"source"`
	// StorageGBMonth is the price of one GB-month of snapshot storage by
	// storage account type (Standard_LRS, Standard_ZRS, Premium_LRS).
	StorageGBMonth map[string]float64 `json:"storageGBMonth"`
	// EgressGB is the price of one GB copied between regions.
	EgressGB float64 `json:"egressGB"`
}

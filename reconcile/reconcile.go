package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/lock"
	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/schema"
	"github.com/curator-dev/curator/sources"
)

// Options steer a Reconciler.
type Options struct {
	Source sources.Source
	Target TargetOptions
	Plan   planner.Options
	Apply  ApplyOptions
	// LockTimeout is how long an apply waits for another applier.
	LockTimeout time.Duration
	// ConfigCacheDir keeps validated configurations by content, so an
	// unchanged revision is not evaluated again; "" disables the cache.
	ConfigCacheDir string
	// OnLockWait is told who holds the lock when an apply has to wait.
	OnLockWait func(holder string)
	// Lease steers the blob lease of a target with a lock blob; its
	// ConnectionString defaults to $CURATOR_LOCK_CONNECTION_STRING.
	Lease lock.LeaseOptions
	// Fence, if set, is checked with the lock before every write: e.g. a
	// watch leader's term.
	Fence  func() error
	Logger *slog.Logger
	Now    func() time.Time
}

// Reconciler runs the level-based loop: snapshot the source, load and
// validate it, read the actual state, plan, and (when asked) apply.
type Reconciler struct {
	opts Options
	log  *slog.Logger
	// guard is set while the caller holds the target's apply lock through
	// LockTarget.
	guard lock.Guard
}

// New returns a Reconciler.
func New(opts Options) *Reconciler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Reconciler{opts: opts, log: opts.Logger}
}

// InvalidConfigError is a configuration that failed validation: terminal
// until the source changes.
type InvalidConfigError struct {
	Revision    string
	Diagnostics diag.Diagnostics
	// Module is the CUE module the configuration lies in, if any: its
	// diagnostics name the module's files by their path in the module.
	Module *sources.Module
}

func (e *InvalidConfigError) Error() string {
	return fmt.Sprintf("configuration at %s is invalid: %v", e.Revision, schema.Err(e.Diagnostics))
}

// Planned is a computed plan with what it was computed from.
type Planned struct {
	Snapshot *sources.Snapshot
	Desired  *model.State
	// Warnings from loading the configuration.
	Warnings diag.Diagnostics
	Plan     *planner.Plan
	// Refusals are the planner's diagnostics, warnings included; the
	// errors among them are Plan.Errors, and Plan.Refused() is what says
	// the plan must not be applied.
	Refusals diag.Diagnostics
	// SourceErr is a source error tolerated because the last good snapshot
	// was used (e.g. a failed git fetch).
	SourceErr error
	target    *Target
	// actual is the state the plan was computed from (for the freshness
	// check of a plan read through Resource Graph).
	actual *model.State
}

// Close releases the target the plan was computed against.
func (p *Planned) Close() error {
	if p == nil || p.target == nil {
		return nil
	}
	err := p.target.Close()
	p.target = nil
	return err
}

// Target is the opened target.
func (p *Planned) Target() *Target { return p.target }

// Actual is the actual state the plan was computed from (read-only).
func (p *Planned) Actual() *model.State { return p.actual }

// Load snapshots the source and validates the configuration.
func (r *Reconciler) Load(ctx context.Context) (*sources.Snapshot, *model.State, diag.Diagnostics, error) {
	snap, srcErr := r.opts.Source.Snapshot(ctx)
	if snap == nil {
		return nil, nil, nil, srcErr
	}
	if srcErr != nil {
		r.log.Warn("using the last good revision", "revision", snap.Revision, "error", srcErr)
	}
	st, diags := r.validateSnapshot(snap)
	if diags.HasErrors() {
		return snap, nil, diags, &InvalidConfigError{Revision: snap.Revision, Diagnostics: diags, Module: snap.Module}
	}
	return snap, st, diags, srcErr
}

// LoadSnapshot loads and validates a snapshot's configuration: in its CUE
// module, when it lies in one.
func LoadSnapshot(snap *sources.Snapshot) (*model.State, diag.Diagnostics) {
	if snap.Module != nil {
		return schema.LoadModule(schema.Module{FS: snap.Module.FS, Dir: snap.Module.Dir})
	}
	return schema.Load(snap.FS)
}

// validateSnapshot is validate for a snapshot: a configuration in a CUE
// module is cached by its own files and the files of every package it
// imports.
func (r *Reconciler) validateSnapshot(snap *sources.Snapshot) (*model.State, diag.Diagnostics) {
	if snap.Module == nil {
		return r.validate(snap.FS)
	}
	m := schema.Module{FS: snap.Module.FS, Dir: snap.Module.Dir}
	cache := configCache{dir: r.opts.ConfigCacheDir, build: thisBuild()}
	key, err := cache.moduleKey(m)
	if err == nil {
		if st, warnings, ok := cache.get(key); ok {
			return st, warnings
		}
	}
	st, diags := schema.LoadModule(m)
	if err == nil && !diags.HasErrors() {
		if err := cache.put(key, st, diags.Warnings()); err != nil {
			r.log.Debug("could not cache the validated configuration", "error", err)
		}
	}
	return st, diags
}

// validate loads a configuration, from the cache of validated ones when
// the same files were validated before.
func (r *Reconciler) validate(fsys fs.FS) (*model.State, diag.Diagnostics) {
	cache := configCache{dir: r.opts.ConfigCacheDir, build: thisBuild()}
	key, err := cache.key(fsys)
	if err == nil {
		if st, warnings, ok := cache.get(key); ok {
			return st, warnings
		}
	}
	st, diags := schema.Load(fsys)
	if err == nil && !diags.HasErrors() {
		if err := cache.put(key, st, diags.Warnings()); err != nil {
			r.log.Debug("could not cache the validated configuration", "error", err)
		}
	}
	return st, diags
}

// Plan loads the configuration, opens its target, reads the actual state
// and plans. The caller closes the result.
func (r *Reconciler) Plan(ctx context.Context) (*Planned, error) {
	snap, desired, warnings, err := r.Load(ctx)
	var invalid *InvalidConfigError
	if errors.As(err, &invalid) || snap == nil {
		return nil, err
	}
	p, perr := r.PlanState(ctx, snap, desired)
	if perr != nil {
		return nil, perr
	}
	p.Warnings, p.SourceErr = warnings.Warnings(), err
	return p, nil
}

// PlanState plans a loaded configuration against its target.
func (r *Reconciler) PlanState(ctx context.Context, snap *sources.Snapshot, desired *model.State) (*Planned, error) {
	t, err := OpenTarget(ctx, desired.Name, desired.Target, r.opts.Target)
	if err != nil {
		return nil, err
	}
	t.Cloud.SetSizeHint(len(desired.Galleries), desired.Counts().Definitions)
	start := time.Now()
	actual, err := t.Cloud.ReadState(ctx)
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("read the actual state of %s: %w", t.Scope, err)
	}
	r.log.Debug("read actual state", "requests", t.Requests(), "duration", time.Since(start))
	opts := r.opts.Plan
	opts.SourceRevision = snap.Revision
	opts.Now = r.opts.Now()
	plan, refusals := planner.Compute(*desired, *actual, opts)
	plan.ARMRequests = t.Requests()
	plan.ReadPath, plan.ReadAt = t.Cloud.LastRead()
	plan.Source = snap.Origin
	plan.Target = EncodeTarget(desired.Target)
	return &Planned{Snapshot: snap, Desired: desired, Plan: plan, Refusals: refusals, target: t, actual: actual}, nil
}

// readActual opens desired's target and reads its actual state.
func (r *Reconciler) readActual(ctx context.Context, desired *model.State) (*model.State, error) {
	t, err := OpenTarget(ctx, desired.Name, desired.Target, r.opts.Target)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	t.Cloud.SetSizeHint(len(desired.Galleries), desired.Counts().Definitions)
	return t.Cloud.ReadState(ctx)
}

// LockTarget takes the apply lock of target t until release is called, so
// that a plan and its apply see no other applier in between.
func (r *Reconciler) LockTarget(ctx context.Context, t model.Target) (release func(), err error) {
	g, err := r.lock(ctx, t)
	if err != nil {
		return nil, err
	}
	r.guard = g
	return func() {
		r.guard = nil
		g.Release()
	}, nil
}

// Locker returns the apply lock of target t: a lease on its lock blob, or
// a file.
func (r *Reconciler) Locker(t model.Target) (lock.Locker, error) {
	if lb := t.BlobLock(); lb != nil {
		opts := r.opts.Lease
		opts.Cloud = t.AzureCloud()
		if opts.ConnectionString == "" {
			opts.ConnectionString = os.Getenv(lock.LockConnectionStringEnv)
		}
		return lock.OpenBlobLease(lb.Blob, opts)
	}
	path, err := lockPath(t, r.opts.Target.StateDir)
	if err != nil {
		return nil, err
	}
	return lock.FileLocker{Path: path}, nil
}

// lock takes the target's apply lock.
func (r *Reconciler) lock(ctx context.Context, t model.Target) (lock.Guard, error) {
	l, err := r.Locker(t)
	if err != nil {
		return nil, err
	}
	return l.Lock(ctx, r.opts.LockTimeout, r.opts.OnLockWait)
}

// ApplyPlanned applies a plan computed by Plan, under the target's lock.
// The plan is re-checked against a fresh read of the actual state first, so
// an apply that waited for the lock never acts on a stale view.
func (r *Reconciler) ApplyPlanned(ctx context.Context, p *Planned) (Result, error) {
	if err := p.Plan.Err(); err != nil {
		return Result{}, err
	}
	if r.guard != nil && r.guard.Err() == nil && p.target != nil {
		// The lock was held since the plan read the cloud: nobody else
		// applied in between, so the plan's own read still stands.
		return r.applyTo(ctx, r.guard, p.target, p.Desired.Target, p.Plan, p.actual, p.Snapshot.Revision, p.Snapshot)
	}
	p.Close()
	return r.applyChecked(ctx, p.Desired.Target, p.Plan, p.Snapshot.Revision, p.Snapshot)
}

func (r *Reconciler) applyChecked(ctx context.Context, t model.Target, plan *planner.Plan, revision string, snap *sources.Snapshot) (Result, error) {
	guard := r.guard
	if guard == nil {
		g, err := r.lock(ctx, t)
		if err != nil {
			return notStarted(ctx, plan, err)
		}
		defer g.Release()
		guard = g
	}
	target, err := OpenTarget(ctx, plan.Configuration, t, r.opts.Target)
	if err != nil {
		return notStarted(ctx, plan, err)
	}
	defer target.Close()
	if plan.ReadPath != "" {
		// Read the way the plan did, so that the fingerprints compare.
		target.Cloud.SetReadPath(plan.ReadPath)
	}
	actual, err := target.Cloud.ReadState(ctx)
	if err != nil {
		return notStarted(ctx, plan, fmt.Errorf("read the actual state of %s: %w", target.Scope, err))
	}
	if fp := planner.Fingerprint(*actual); fp != plan.ActualStateFingerprint {
		return Result{}, fmt.Errorf("%w: %s", ErrStalePlan, StaleDetail)
	}
	return r.applyTo(ctx, guard, target, t, plan, actual, revision, snap)
}

// applyTo applies plan to an opened target under guard, and records what
// was applied. A plan read through Resource Graph is first confirmed
// against Resource Manager (actual is the state it was planned from).
// Every write first checks that the lock (and Options.Fence) still holds;
// once lost, no write starts, waits end, and the apply returns an error
// wrapping ErrLockLost.
func (r *Reconciler) applyTo(ctx context.Context, guard lock.Guard, target *Target, t model.Target, plan *planner.Plan, actual *model.State, revision string, snap *sources.Snapshot) (Result, error) {
	// A refused plan is never applied, however it got here.
	if err := plan.Err(); err != nil {
		return Result{}, err
	}
	fence := func() error {
		if err := guard.Err(); err != nil {
			return err
		}
		if r.opts.Fence != nil {
			return r.opts.Fence()
		}
		return nil
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	if lost := guard.Lost(); lost != nil {
		go func() {
			select {
			case <-lost:
				stop(guard.Err())
			case <-ctx.Done():
			}
		}()
	}
	cloud := fencedCloud{Cloud: target.Cloud, fence: fence}
	if err := confirmFresh(ctx, target.Cloud, plan, actual); err != nil {
		return notStarted(ctx, plan, err)
	}
	if plan.HasChanges() {
		if err := cloud.EnsureResourceGroup(ctx, firstLocation(plan)); err != nil {
			return notStarted(ctx, plan, err)
		}
	}
	res := Apply(ctx, cloud, plan, r.opts.Apply)
	if err := fence(); err != nil {
		return res, fmt.Errorf("%w; the apply stopped with %d of %d changes done and started no write after losing it: plan and apply again", err, res.Count(Done), len(res.Changes))
	}
	if res.Err() == nil {
		if err := r.recordApplied(t, plan.Configuration, revision, snap); err != nil {
			r.log.Warn("could not record the applied revision for drift detection", "error", err)
		}
	}
	return res, res.Err()
}

// notStarted is the outcome of an apply that failed with err before its
// first change: when ctx ended, every change is Cancelled, so that an
// interrupted apply reports each change like one interrupted later.
func notStarted(ctx context.Context, plan *planner.Plan, err error) (Result, error) {
	if ctx.Err() == nil {
		return Result{}, err
	}
	res := Result{Changes: make([]ChangeResult, len(plan.Changes))}
	for i, c := range plan.Changes {
		res.Changes[i] = ChangeResult{Address: c.Address, Action: c.Action, Status: Cancelled,
			Err: fmt.Errorf("%s: not started: %w", c.Address, context.Cause(ctx))}
	}
	return res, res.Err()
}

func firstLocation(plan *planner.Plan) string {
	for _, c := range plan.Changes {
		if g, ok := c.After.(*model.Gallery); ok && g.Location != "" {
			return g.Location
		}
	}
	return "westeurope"
}

// appliedDir is where the last applied configuration is kept, for drift
// detection: in the local state folder, or the user's cache for Azure.
func (r *Reconciler) appliedDir(t model.Target, config string) (string, error) {
	// The name becomes a folder that is replaced: never a path.
	if err := schema.CheckConfigName(config); err != nil {
		return "", err
	}
	lp, err := lockPath(t, r.opts.Target.StateDir)
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(lp), "applied", config), nil
}

type appliedRecord struct {
	Revision  string    `json:"revision"`
	AppliedAt time.Time `json:"appliedAt"`
	// ModuleDir is the configuration's folder in its CUE module, whose
	// files are kept in appliedModule; "" without a module.
	ModuleDir string `json:"moduleDir,omitempty"`
}

// appliedModule is the folder of an applied configuration's record that
// holds its CUE module's files.
const appliedModule = ".module"

// copyFiles writes the files of fsys below dir.
func copyFiles(fsys fs.FS, dir string) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
}

// recordApplied keeps a copy of the applied configuration, so that drift
// can be judged against what was applied rather than what is committed now.
func (r *Reconciler) recordApplied(t model.Target, config, revision string, snap *sources.Snapshot) error {
	if snap == nil {
		return nil
	}
	dir, err := r.appliedDir(t, config)
	if err != nil {
		return err
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	if err := copyFiles(snap.FS, tmp); err != nil {
		return err
	}
	record := appliedRecord{Revision: revision, AppliedAt: r.opts.Now().UTC()}
	if snap.Module != nil {
		// The packages it imports are part of what was applied.
		if err := copyFiles(snap.Module.FS, filepath.Join(tmp, appliedModule)); err != nil {
			return err
		}
		record.ModuleDir = snap.Module.Dir
	}
	rec, _ := json.Marshal(record)
	if err := os.WriteFile(filepath.Join(tmp, ".applied.json"), rec, 0o644); err != nil {
		return err
	}
	os.RemoveAll(dir)
	return os.Rename(tmp, dir)
}

// Drift plans the last applied configuration against the actual state:
// what changed in the cloud outside curator. When nothing was applied from
// this machine yet, the current configuration is used and applied is false.
func (r *Reconciler) Drift(ctx context.Context) (p *Planned, applied bool, err error) {
	snap, desired, _, err := r.Load(ctx)
	var invalid *InvalidConfigError
	if errors.As(err, &invalid) || snap == nil {
		return nil, false, err
	}
	dir, derr := r.appliedDir(desired.Target, desired.Name)
	if derr == nil {
		if data, rerr := os.ReadFile(filepath.Join(dir, ".applied.json")); rerr == nil {
			var rec appliedRecord
			if json.Unmarshal(data, &rec) == nil {
				// Read as any configuration folder is (sources.Reader).
				files, ferr := sources.ReadFolder(dir)
				last := &sources.Snapshot{Revision: rec.Revision, FS: files, Origin: dir}
				if ferr == nil && rec.ModuleDir != "" {
					var modFiles fs.FS
					modFiles, ferr = sources.ReadTree(filepath.Join(dir, appliedModule))
					last.Module = &sources.Module{Root: dir, Dir: rec.ModuleDir, FS: modFiles}
				}
				if ferr != nil {
					r.log.Warn("the last applied configuration cannot be read; judging drift against the current one", "folder", dir, "error", ferr)
				} else if st, diags := r.validateSnapshot(last); !diags.HasErrors() {
					snap, desired, applied = last, st, true
				}
			}
		}
	}
	p, err = r.PlanState(ctx, snap, desired)
	return p, applied, err
}

package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
)

// Target is an opened cloud: the emulator in-process, a running emulator, or
// Azure — always through cloud/azure.
type Target struct {
	Cloud  *azure.Client
	Kind   string
	Scope  string
	server *emulator.Server
}

var _ Cloud = (*azure.Client)(nil)

// Requests is how many Resource Manager requests the target has served this
// client so far.
func (t *Target) Requests() int64 { return t.Cloud.Requests() }

// Close stops an in-process emulator.
func (t *Target) Close() error {
	if t.server != nil {
		return t.server.Close()
	}
	return nil
}

// TargetOptions steer OpenTarget.
type TargetOptions struct {
	// StateDir is the local target's emulator state folder; default
	// ./.curator.
	StateDir string
	// Emulator options for the in-process emulator (replication rate,
	// faults); StateDir and Addr are set by OpenTarget.
	Emulator emulator.Options
	// Budgets, when set, are the ARM token buckets shared by every target
	// of one subscription opened with them (a repository's configurations).
	Budgets *azure.Budgets
	// Emulators, when set, keeps the local target's in-process emulator
	// of a state folder running for every target opened with it (a
	// repository's configurations), instead of one per target.
	Emulators *Emulators
	Logger    *slog.Logger
}

// DefaultStateDir is the local target's state folder.
const DefaultStateDir = ".curator"

// OpenTarget opens the cloud the configuration names, for configuration
// name.
func OpenTarget(ctx context.Context, name string, t model.Target, opts TargetOptions) (*Target, error) {
	sub, rg := t.Scope()
	cfg := azure.Config{Subscription: sub, ResourceGroup: rg, ConfigName: name, Logger: opts.Logger, Budgets: opts.Budgets}
	out := &Target{Kind: t.Kind(), Scope: fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", sub, rg)}
	switch {
	case t.Azure != nil:
		cfg.Cloud = t.Azure.Cloud
		cfg.ReadPath = t.Azure.Read
	case t.Local != nil && t.Local.Endpoint != "":
		// An emulator has no ARM token buckets to stay under.
		cfg.Endpoint = t.Local.Endpoint
		cfg.Credential = azure.StaticToken("curator-local")
		if strings.HasPrefix(strings.ToLower(cfg.Endpoint), "https://") {
			// `curator emulator serve` registers its CA for this user;
			// the state folder's own CA is trusted too.
			stateDir := opts.StateDir
			if stateDir == "" {
				stateDir = DefaultStateDir
			}
			cfg.RootCAs = emulator.TrustedCAs(stateDir)
		}
		cfg.Unthrottled = true
		cfg.PollInterval = time.Second
	default:
		eo := opts.Emulator
		eo.StateDir = opts.StateDir
		if eo.StateDir == "" {
			eo.StateDir = DefaultStateDir
		}
		eo.Addr = "127.0.0.1:0"
		// Over TLS with the state folder's own CA, as `curator emulator
		// serve` does: the Azure SDK sends its token as it would to Azure.
		eo.TLS = true
		var srv *emulator.Server
		var err error
		if opts.Emulators != nil {
			srv, err = opts.Emulators.get(ctx, eo)
		} else {
			srv, err = emulator.Start(ctx, eo)
			out.server = srv
		}
		if err != nil {
			return nil, fmt.Errorf("start the local target's emulator: %w", err)
		}
		cfg.Endpoint = srv.URL()
		cfg.RootCAs = srv.Certificates().Pool()
		cfg.Credential = azure.StaticToken("curator-local")
		cfg.Unthrottled = true
		cfg.PollInterval = time.Second
	}
	c, err := azure.New(cfg)
	if err != nil {
		out.Close()
		return nil, err
	}
	out.Cloud = c
	return out, nil
}

// lockPath is where the apply lock of a target lives: beside the local
// state, or for Azure in the user's cache folder (per machine).
func lockPath(t model.Target, stateDir string) (string, error) {
	if t.Azure == nil && (t.Local == nil || t.Local.Endpoint == "") {
		if stateDir == "" {
			stateDir = DefaultStateDir
		}
		return filepath.Join(stateDir, "apply.lock"), nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no folder for the apply lock: %w", err)
	}
	sub, rg := t.Scope()
	key := strings.ToLower(t.Kind() + "-" + sub + "-" + rg)
	if t.Local != nil {
		key += "-" + strings.NewReplacer(":", "_", "/", "_").Replace(t.Local.Endpoint)
	}
	return filepath.Join(base, "curator", "locks", key+".lock"), nil
}

// lockSep separates a target's scope from its lock blob in EncodeTarget's
// form (a resource group name holds no ';').
const lockSep = ";lock="

// EncodeTarget writes a target as a saved plan records it, its identity:
// "local:/subscriptions/S/resourceGroups/RG",
// "local@http://127.0.0.1:8443:/subscriptions/S/resourceGroups/RG" or
// "azure[@AzureChina]:/subscriptions/S/resourceGroups/RG", followed by
// ";lock=" and the lock blob's URL when it has one: the same resource group
// under another lock is another target, so a plan made for one lock is never
// applied under another.
func EncodeTarget(t model.Target) string {
	sub, rg := t.Scope()
	prefix := t.Kind()
	switch {
	case t.Local != nil && t.Local.Endpoint != "":
		prefix += "@" + t.Local.Endpoint
	case t.Azure != nil && t.Azure.Cloud != "":
		prefix += "@" + t.Azure.Cloud
	}
	s := prefix + ":/subscriptions/" + sub + "/resourceGroups/" + rg
	if lb := t.BlobLock(); lb != nil {
		s += lockSep + lb.Blob
	}
	return s
}

// DecodeTarget reads what EncodeTarget wrote.
func DecodeTarget(s string) (model.Target, error) {
	scope, lock, hasLock := strings.Cut(s, lockSep)
	i := strings.LastIndex(scope, ":/subscriptions/")
	if i < 0 {
		return model.Target{}, fmt.Errorf("plan target %q: want kind:/subscriptions/…/resourceGroups/…", s)
	}
	kind, extra, _ := strings.Cut(scope[:i], "@")
	parts := strings.Split(scope[i+1:], "/")
	if len(parts) != 5 || !strings.EqualFold(parts[3], "resourceGroups") {
		return model.Target{}, fmt.Errorf("plan target %q: want kind:/subscriptions/…/resourceGroups/…", s)
	}
	sub, rg := parts[2], parts[4]
	var lb *model.Lock
	if hasLock {
		if err := model.CheckLockBlob(lock); err != nil {
			return model.Target{}, fmt.Errorf("plan target %q: %w", s, err)
		}
		lb = &model.Lock{Blob: lock}
	}
	switch kind {
	case "local":
		return model.Target{Local: &model.LocalTarget{Endpoint: extra, Subscription: sub, ResourceGroup: rg, Lock: lb}}, nil
	case "azure":
		return model.Target{Azure: &model.AzureTarget{Subscription: sub, ResourceGroup: rg, Cloud: extra, Lock: lb}}, nil
	}
	return model.Target{}, fmt.Errorf("plan target %q: unknown kind %q", s, kind)
}

// Emulators are the local target's in-process emulators of a process that
// opens many targets (a repository's configurations): one per state
// folder, started by the first target that needs it and stopped by Close.
type Emulators struct {
	mu   sync.Mutex
	srvs map[string]*emulator.Server
}

// NewEmulators returns an empty set; Close stops what it started.
func NewEmulators() *Emulators { return &Emulators{srvs: map[string]*emulator.Server{}} }

func (e *Emulators) get(ctx context.Context, eo emulator.Options) (*emulator.Server, error) {
	key, err := filepath.Abs(eo.StateDir)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if srv, ok := e.srvs[key]; ok {
		return srv, nil
	}
	// The emulator serves every target opened with e until Close, not
	// only the one whose context started it.
	srv, err := emulator.Start(context.WithoutCancel(ctx), eo)
	if err != nil {
		return nil, err
	}
	e.srvs[key] = srv
	return srv, nil
}

// Close stops every emulator started.
func (e *Emulators) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for key, srv := range e.srvs {
		errs = append(errs, srv.Close())
		delete(e.srvs, key)
	}
	return errors.Join(errs...)
}

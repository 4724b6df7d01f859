package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/sources"
)

// watchConfig is a configuration of four resources on target; replicas is
// the version's replica count in westeurope.
func watchConfig(target, replicas string) string {
	return `package curator

name: "watch"
target: ` + target + `
galleries: acme: {
	location: "westeurope"
	shares: readers: {principalId: "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11", role: "Reader"}
	images: web: {
		publisher: "Contoso", offer: "Web", sku: "nginx"
		osType: "Linux", osState: "Generalized"
		versions: "1.0.0": {
			source: managedImage: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/images/web-100"
			regions: {westeurope: replicas: ` + replicas + `, northeurope: {}}
		}
	}
}
`
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// watcher returns a Watcher of the folder dir on the local target with
// its state in a temporary folder.
func watcher(t *testing.T, src sources.Source, opts reconcile.WatchOptions) *reconcile.Watcher {
	t.Helper()
	r := reconcile.New(reconcile.Options{Source: src, Target: reconcile.TargetOptions{StateDir: t.TempDir(), Emulator: emulator.Options{ReplicationRate: 1e6}}})
	w, err := reconcile.NewWatcher(r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestWatcherOutcomes: each way a reconcile ends is its own outcome, in
// the order a watch meets them.
func TestWatcherOutcomes(t *testing.T) {
	dir := t.TempDir()
	src := sources.NewLocal(dir)
	// Both work on one reconciler, so on one target.
	r := reconcile.New(reconcile.Options{Source: src, Target: reconcile.TargetOptions{StateDir: t.TempDir(), Emulator: emulator.Options{ReplicationRate: 1e6}}})
	planOnly, err := reconcile.NewWatcher(r, reconcile.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	applying, err := reconcile.NewWatcher(r, reconcile.WatchOptions{Apply: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		config  string
		w       *reconcile.Watcher
		kind    reconcile.OutcomeKind
		changes int
		applied int
		err     string
	}{
		{name: "invalid configuration", config: watchConfig("local: {}", `"two"`), w: applying, kind: reconcile.InvalidConfig, err: "is invalid"},
		{name: "drift, plan only", config: watchConfig("local: {}", "2"), w: planOnly, kind: reconcile.ChangesPlanned, changes: 4},
		{name: "applied", config: watchConfig("local: {}", "2"), w: applying, kind: reconcile.Applied, changes: 4, applied: 4},
		{name: "no changes", config: watchConfig("local: {}", "2"), w: applying, kind: reconcile.NoChanges},
		{name: "refused plan", config: strings.Replace(watchConfig("local: {}", "2"), `"Linux"`, `"Windows"`, 1), w: applying, kind: reconcile.Errored, err: "replace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, filepath.Join(dir, "main.cue"), tc.config)
			o := tc.w.Reconcile(ctx, "test")
			if o.Kind != tc.kind {
				t.Fatalf("outcome %s (%v), want %s", o.Kind, o.Err, tc.kind)
			}
			if o.Trigger != "test" || o.Revision == "" && tc.kind != reconcile.Errored {
				t.Errorf("trigger %q, revision %q", o.Trigger, o.Revision)
			}
			switch {
			case o.Plan == nil && tc.changes > 0:
				t.Errorf("no plan, want %d changes", tc.changes)
			case o.Plan != nil && tc.kind != reconcile.Errored && len(o.Plan.Changes) != tc.changes:
				t.Errorf("%d changes planned, want %d", len(o.Plan.Changes), tc.changes)
			}
			if got := o.Apply.Count(reconcile.Done); got != tc.applied {
				t.Errorf("%d changes applied, want %d", got, tc.applied)
			}
			if (tc.err == "") != (o.Err == nil) || o.Err != nil && !strings.Contains(o.Err.Error(), tc.err) {
				t.Errorf("error %v, want one saying %q", o.Err, tc.err)
			}
			var invalid *reconcile.InvalidConfigError
			if errors.As(o.Err, &invalid) != (tc.kind == reconcile.InvalidConfig) {
				t.Errorf("error %T: an *InvalidConfigError exactly when the configuration is invalid", o.Err)
			}
			if o.Succeeded() != (tc.kind <= reconcile.Applied) {
				t.Errorf("Succeeded() = %v for %s", o.Succeeded(), o.Kind)
			}
		})
	}
}

// TestWatcherFolderReplaced: a watch whose folder is replaced (removed,
// then copied back edited) is not ready while no folder is watched, then
// reconciles the new folder's configuration and is ready again.
func TestWatcherFolderReplaced(t *testing.T) {
	root := t.TempDir()
	dir, backup := filepath.Join(root, "config"), filepath.Join(root, "backup")
	writeFile(t, filepath.Join(dir, "main.cue"), watchConfig("local: {}", "2"))
	writeFile(t, filepath.Join(backup, "main.cue"), watchConfig("local: {}", "3"))
	src := &sources.Local{Dir: dir, Debounce: 20 * time.Millisecond, RewatchInterval: 20 * time.Millisecond}
	outcomes := make(chan reconcile.Outcome, 16)
	w := watcher(t, src, reconcile.WatchOptions{Apply: true, OnOutcome: func(o reconcile.Outcome) { outcomes <- o }})
	if err := w.Ready(); err == nil {
		t.Error("ready before it ran")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	next := func(want reconcile.OutcomeKind) reconcile.Outcome {
		t.Helper()
		select {
		case o := <-outcomes:
			if o.Kind != want {
				t.Fatalf("%s reconcile: %s (%v), want %s", o.Trigger, o.Kind, o.Err, want)
			}
			return o
		case <-time.After(30 * time.Second):
			t.Fatalf("no reconcile ended within 30 s")
		}
		return reconcile.Outcome{}
	}
	first := next(reconcile.Applied)
	eventually(t, "ready after a successful reconcile", func() bool { return w.Ready() == nil })

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	eventually(t, "not ready while the folder is gone", func() bool {
		err := w.Ready()
		return err != nil && strings.Contains(err.Error(), "waiting for a folder at that path")
	})
	if out, err := exec.Command("cp", "-r", backup, dir).CombinedOutput(); err != nil {
		t.Fatalf("cp -r: %v: %s", err, out)
	}
	o := next(reconcile.Applied)
	if o.Trigger != "source changed" || o.Revision == first.Revision || o.Apply.Count(reconcile.Done) != 1 {
		t.Errorf("after the folder came back: %s reconcile of %s applied %d changes; want the new folder's one change applied on a source change", o.Trigger, o.Revision, o.Apply.Count(reconcile.Done))
	}
	eventually(t, "ready once the new folder is watched", func() bool { return w.Ready() == nil })
}

// eventually waits (30 s at most) until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

// scriptedSource is a configuration source whose reads fail until it is
// given files, and whose Watch signals when told to.
type scriptedSource struct {
	files   chan map[string]string
	current *sources.Snapshot
	changed chan struct{}
}

func (s *scriptedSource) String() string { return "scripted" }

func (s *scriptedSource) Snapshot(context.Context) (*sources.Snapshot, error) {
	select {
	case f := <-s.files:
		fs := fstest.MapFS{}
		for n, data := range f {
			fs[n] = &fstest.MapFile{Data: []byte(data)}
		}
		s.current = &sources.Snapshot{Revision: fmt.Sprintf("rev-%d", len(f)), FS: fs, Origin: "scripted"}
	default:
	}
	if s.current == nil {
		return nil, errors.New("the source cannot be read yet")
	}
	return s.current, nil
}

func (s *scriptedSource) Watch(ctx context.Context, changed chan<- struct{}) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.changed:
			select {
			case changed <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// TestInvalidConfigurationCancelsAPendingRetry: after a failed reconcile a
// retry is pending; when the next change brings an invalid configuration,
// the watch waits for a change, as it says, instead of retrying.
func TestInvalidConfigurationCancelsAPendingRetry(t *testing.T) {
	const backoff = 200 * time.Millisecond
	src := &scriptedSource{files: make(chan map[string]string, 1), changed: make(chan struct{})}
	outcomes := make(chan reconcile.Outcome, 10)
	w := watcher(t, src, reconcile.WatchOptions{MinBackoff: backoff, MaxBackoff: backoff, OnOutcome: func(o reconcile.Outcome) { outcomes <- o }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	next := func() reconcile.Outcome {
		t.Helper()
		select {
		case o := <-outcomes:
			return o
		case <-time.After(30 * time.Second):
			t.Fatal("no reconcile")
		}
		return reconcile.Outcome{}
	}
	if o := next(); o.Kind != reconcile.Errored || o.RetryAfter != backoff {
		t.Fatalf("first reconcile: %v (%v), want an error retried after %s", o.Kind, o.Err, backoff)
	}
	src.files <- map[string]string{"main.cue": "package curator\ngalleries: g: replica: 3\n"}
	src.changed <- struct{}{}
	if o := next(); o.Kind != reconcile.InvalidConfig {
		t.Fatalf("after the change: %v (%v), want an invalid configuration", o.Kind, o.Err)
	}
	// Five times the backoff: the retry the failure armed would have run.
	select {
	case o := <-outcomes:
		t.Fatalf("the watch reconciled again (%s) although the configuration is invalid and unchanged", o.Trigger)
	case <-time.After(5 * backoff):
	}
}

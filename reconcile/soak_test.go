//go:build !race

// The soak runs without the race detector (make test runs it so after the
// race-checked suite): 500 reconciles take ~7 s, ~45 s under -race.

package reconcile_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/examples/gen/estate"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/sources"
)

// footprint is what a long-running watch must not accumulate.
type footprint struct {
	goroutines int
	heap       uint64
}

// measure collects garbage and lets ending goroutines end (until the
// count holds still for a few samples, two seconds at most) before it
// counts.
func measure() footprint {
	n := runtime.NumGoroutine()
	for stable, i := 0, 0; stable < 5 && i < 100; i++ {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
		if m := runtime.NumGoroutine(); m == n {
			stable++
		} else {
			n, stable = m, 0
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return footprint{goroutines: runtime.NumGoroutine(), heap: ms.HeapAlloc}
}

// TestWatchSoak runs 500 reconciles of a watch, each against the local
// target's in-process emulator (started and stopped by every reconcile,
// under the one long-lived context of the watch), and checks that
// goroutines and heap after the last are those after warm-up: a watch
// that runs for months must not grow with every reconcile.
func TestWatchSoak(t *testing.T) {
	const reconciles, warmup = 500, 50
	dir := t.TempDir()
	if err := estate.Write(dir, estate.Options{Galleries: 2, Definitions: 8, Versions: 40, Regions: 2, Shares: 1, Seed: 3, Name: "soak", Target: "local: {}"}); err != nil {
		t.Fatal(err)
	}
	r := reconcile.New(reconcile.Options{Source: sources.NewLocal(dir), ConfigCacheDir: t.TempDir(),
		Target: reconcile.TargetOptions{StateDir: t.TempDir(), Emulator: emulator.Options{ReplicationRate: 1e6}}})
	w, err := reconcile.NewWatcher(r, reconcile.WatchOptions{Apply: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	if o := w.Reconcile(ctx, "start"); o.Kind != reconcile.Applied {
		t.Fatalf("first reconcile: %s (%v), want the estate applied", o.Kind, o.Err)
	}
	var base footprint
	for i := 1; i < reconciles; i++ {
		if i == warmup {
			base = measure()
		}
		if o := w.Reconcile(ctx, "soak"); o.Kind != reconcile.NoChanges {
			t.Fatalf("reconcile %d: %s (%v), want no changes", i+1, o.Kind, o.Err)
		}
	}
	after := measure()
	t.Logf("%d reconciles in %s; after warm-up (%d): %d goroutines, %.1f MB heap; after the last: %d goroutines, %.1f MB heap",
		reconciles, time.Since(start).Round(time.Millisecond), warmup, base.goroutines, float64(base.heap)/(1<<20), after.goroutines, float64(after.heap)/(1<<20))
	// A leak of one goroutine per reconcile shows as 450 here.
	if after.goroutines > base.goroutines+5 {
		t.Errorf("goroutines grew from %d to %d over %d reconciles", base.goroutines, after.goroutines, reconciles-warmup)
	}
	// Tolerance for what the runtime and caches keep; an emulator and
	// its estate kept per reconcile exceed it many times over.
	if limit := base.heap + base.heap/4 + 4<<20; after.heap > limit {
		t.Errorf("the heap grew from %.1f MB to %.1f MB over %d reconciles (limit %.1f MB)", float64(base.heap)/(1<<20), float64(after.heap)/(1<<20), reconciles-warmup, float64(limit)/(1<<20))
	}
}

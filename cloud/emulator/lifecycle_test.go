package emulator_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/emulator"
)

// TestCloseReleasesEverything: an emulator closed while the context it was
// started with lives on (how a watch opens one per reconcile) leaves no
// goroutine behind; one whose context ends is closed by it.
func TestCloseReleasesEverything(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		close func(srv *emulator.Server, cancel context.CancelFunc)
	}{
		{"Close with the context alive", func(srv *emulator.Server, _ context.CancelFunc) { srv.Close() }},
		{"context cancelled", func(_ *emulator.Server, cancel context.CancelFunc) { cancel() }},
		{"Close, then the context cancelled", func(srv *emulator.Server, cancel context.CancelFunc) { srv.Close(); cancel() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := settledGoroutines(0)
			const n = 50
			for range n {
				runCtx, cancel := context.WithCancel(ctx)
				srv, err := emulator.Start(runCtx, emulator.Options{StateDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				tc.close(srv, cancel)
				defer cancel()
			}
			if after := settledGoroutines(before + 2); after > before+2 {
				t.Errorf("%d emulators started and stopped left %d goroutines behind (%d before, %d after)", n, after-before, before, after)
			}
		})
	}
}

// settledGoroutines counts goroutines once those that are ending have
// ended: it waits (a second at most) for the count to fall to limit.
func settledGoroutines(limit int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > limit; i++ {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

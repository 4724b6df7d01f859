// Command curator is a GitOps reconciler for Azure Compute Gallery: it makes
// galleries, image definitions, image versions and their shares match CUE
// files in a git repository.
package main

import (
	"os"
	"runtime/debug"

	"github.com/curator-dev/curator/reconcile"
)

// memoryLimit is the soft limit curator gives the Go runtime unless
// GOMEMLIMIT says otherwise. Evaluating a large configuration makes a lot of
// short-lived garbage: with the limit the collector keeps the process near
// it (a 10,000-version plan peaks at ~290 MB instead of ~400 MB, for ~0.1 s
// more) and works harder only when the heap really grows past it.
const memoryLimit = 280 << 20

func main() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(memoryLimit)
	}
	reconcile.Version = version // the configuration cache keys on it
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

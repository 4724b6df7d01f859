// Command curator is a GitOps reconciler for Azure Compute Gallery: it makes
// galleries, image definitions, image versions and their shares match CUE
// files in a git repository.
package main

import (
	"os"

	"github.com/curator-dev/curator/reconcile"
)

func main() {
	setMemoryGuard()            // see memory.go
	reconcile.Version = version // the configuration cache keys on it
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

package schema

import (
	"fmt"

	"github.com/curator-dev/curator/diag"
)

// Err returns the errors among ds as one error (nil when there are none):
// "invalid configuration (N errors):" and one line per error.
func Err(ds diag.Diagnostics) error {
	errs := ds.Errors()
	if len(errs) == 0 {
		return nil
	}
	return errs.Err(fmt.Sprintf("invalid configuration (%d %s)", len(errs), plural(len(errs), "error", "errors")))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

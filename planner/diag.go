package planner

import "github.com/curator-dev/curator/diag"

// Refused returns the errors among ds as one error, nil when there are
// none: the plan cannot be applied as it stands.
func Refused(ds diag.Diagnostics) error { return ds.Err("the plan was refused") }

package planner

import (
	"fmt"
	"strings"

	"github.com/curator-dev/curator/model"
)

// Severity of a diagnostic.
type Severity int

const (
	Error Severity = iota
	Warning
)

// Diagnostic is a reason the plan cannot be applied as it stands (Error), or
// something the reader should know (Warning).
type Diagnostic struct {
	Severity Severity
	Address  model.Address
	Summary  string
	Detail   string
}

func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Address != "" {
		b.WriteString(string(d.Address))
		b.WriteString(": ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString(": ")
		b.WriteString(d.Detail)
	}
	return b.String()
}

// Diagnostics are every problem found while planning.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Err returns the errors as one error, nil when there are none.
func (ds Diagnostics) Err() error {
	var lines []string
	for _, d := range ds {
		if d.Severity == Error {
			lines = append(lines, d.String())
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return fmt.Errorf("the plan was refused:\n  %s", strings.Join(lines, "\n  "))
}

func (ds *Diagnostics) warnf(addr model.Address, summary, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: Warning, Address: addr, Summary: summary, Detail: fmt.Sprintf(format, args...)})
}

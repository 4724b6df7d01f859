package schema

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/curator-dev/curator/model"
)

// Severity of a diagnostic.
type Severity int

const (
	Error Severity = iota
	Warning
)

// Diagnostic is one problem found in a configuration, with the position in
// the user's file and the configuration path it concerns.
type Diagnostic struct {
	Severity Severity
	Pos      model.Pos
	// Path is the configuration path, e.g. galleries.acme.images.web.osType.
	Path    string
	Message string
}

// String formats the diagnostic as file:line:col: path: message (warnings
// are marked as such).
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Pos.File != "" {
		fmt.Fprintf(&b, "%s:%d:%d: ", d.Pos.File, d.Pos.Line, d.Pos.Col)
	}
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics are all the problems found in a configuration.
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

// Errors returns the error diagnostics.
func (ds Diagnostics) Errors() Diagnostics { return ds.filter(Error) }

// Warnings returns the warning diagnostics.
func (ds Diagnostics) Warnings() Diagnostics { return ds.filter(Warning) }

func (ds Diagnostics) filter(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// Err returns the errors as one error (nil when there are none), one per
// line.
func (ds Diagnostics) Err() error {
	errs := ds.Errors()
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, len(errs))
	for i, d := range errs {
		lines[i] = d.String()
	}
	return &InvalidError{Diagnostics: errs, msg: fmt.Sprintf("invalid configuration (%d %s):\n%s", len(errs), plural(len(errs), "error", "errors"), strings.Join(lines, "\n"))}
}

// InvalidError is the error of an invalid configuration.
type InvalidError struct {
	Diagnostics Diagnostics
	msg         string
}

func (e *InvalidError) Error() string { return e.msg }

// IsInvalid reports whether err is (or wraps) an invalid configuration.
func IsInvalid(err error) bool {
	var ie *InvalidError
	return errors.As(err, &ie)
}

// sort orders diagnostics by file, line, column, then path and message, and
// drops exact duplicates.
func (ds Diagnostics) sort() Diagnostics {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && d == ds[i-1] {
			continue
		}
		out = append(out, d)
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Package diag is curator's one vocabulary for problems and notices, from
// loading a configuration to planning, importing and applying: a
// Diagnostic has a severity, a place (a position in the user's files and
// the configuration path, or the address of a resource), a short summary
// and a full-sentence detail. Errors and warnings are the same type, so a
// warning is never a plain string.
//
// diag owns the rendering of one diagnostic as a line; it does no I/O.
package diag

import (
	"fmt"
	"sort"
	"strings"

	"github.com/curator-dev/curator/model"
)

// Severity says whether a diagnostic stops the work (Error) or is for the
// reader to know (Warning).
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem (Error) or notice (Warning).
type Diagnostic struct {
	Severity Severity
	// Pos is the position in the user's files, when the diagnostic comes
	// from one.
	Pos model.Pos
	// Path is the configuration path, e.g. galleries.acme.images.web.osType.
	Path string
	// Address is the resource the diagnostic concerns, when it is about
	// one rather than about a place in the configuration.
	Address model.Address
	// Summary says what, shortly.
	Summary string
	// Detail says why and what to do, in full sentences; may be empty.
	Detail string
}

// Errorf returns an error diagnostic about the resource at addr.
func Errorf(addr model.Address, summary, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Error, Address: addr, Summary: summary, Detail: fmt.Sprintf(format, args...)}
}

// Warnf returns a warning diagnostic about the resource at addr.
func Warnf(addr model.Address, summary, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Warning, Address: addr, Summary: summary, Detail: fmt.Sprintf(format, args...)}
}

// Message is the diagnostic without its position and severity: the
// configuration path or the address, the summary and the detail, as a
// list under a heading (a plan's "Warnings:") shows it.
func (d Diagnostic) Message() string {
	var b strings.Builder
	switch {
	case d.Path != "":
		b.WriteString(d.Path)
		b.WriteString(": ")
	case d.Address != "":
		b.WriteString(string(d.Address))
		b.WriteString(": ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		if d.Summary != "" {
			b.WriteString(": ")
		}
		b.WriteString(d.Detail)
	}
	return b.String()
}

// String is the diagnostic as one line, as compilers print them:
// file:line:col: warning: path: summary: detail (the position when there
// is one; "warning: " for warnings).
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Pos.File != "" {
		fmt.Fprintf(&b, "%s:%d:%d: ", d.Pos.File, d.Pos.Line, d.Pos.Col)
	}
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message())
	return b.String()
}

// Diagnostics is a list of diagnostics, errors and warnings together.
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

// Messages returns each diagnostic's Message, in order.
func (ds Diagnostics) Messages() []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Message()
	}
	return out
}

// Sort orders diagnostics by file, line, column, then path, address,
// summary and detail, and drops exact duplicates.
func (ds Diagnostics) Sort() Diagnostics {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		switch {
		case a.Pos.File != b.Pos.File:
			return a.Pos.File < b.Pos.File
		case a.Pos.Line != b.Pos.Line:
			return a.Pos.Line < b.Pos.Line
		case a.Pos.Col != b.Pos.Col:
			return a.Pos.Col < b.Pos.Col
		case a.Path != b.Path:
			return a.Path < b.Path
		case a.Address != b.Address:
			return a.Address < b.Address
		case a.Summary != b.Summary:
			return a.Summary < b.Summary
		}
		return a.Detail < b.Detail
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

// List is an error made of diagnostics: a heading, then one line per
// diagnostic.
type List struct {
	Heading     string
	Diagnostics Diagnostics
}

func (l *List) Error() string {
	var b strings.Builder
	b.WriteString(l.Heading)
	b.WriteString(":")
	for _, d := range l.Diagnostics {
		b.WriteString("\n  ")
		b.WriteString(d.String())
	}
	return b.String()
}

// Err returns the errors among ds under heading as one error, nil when
// there are none.
func (ds Diagnostics) Err(heading string) error {
	errs := ds.Errors()
	if len(errs) == 0 {
		return nil
	}
	return &List{Heading: heading, Diagnostics: errs}
}

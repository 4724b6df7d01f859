package schema

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

//go:embed curator.cue
var schemaSource []byte

// SchemaSource returns the embedded CUE schema, for users who want it for
// editor support.
func SchemaSource() []byte { return append([]byte(nil), schemaSource...) }

const (
	schemaFile  = "curator.schema.cue"
	packageName = "curator"
	configDir   = "/curator-config"
)

// Load reads the .cue files at the root of fsys (one package, `curator`),
// unifies them with the embedded schema, validates every rule, and decodes
// the result. It returns every problem at once; the State is nil when any
// diagnostic is an error. Files named *_tool.cue are never loaded.
func Load(fsys fs.FS) (*State, Diagnostics) {
	files, diags := readFiles(fsys)
	if diags.HasErrors() {
		return nil, diags
	}
	// Field order means nothing to curator (the model is maps), so fields
	// are sorted by name rather than topologically: much cheaper on large
	// configurations.
	ctx := cuecontext.New(cuecontext.CUE_DEBUG("sortfields"))
	schema := ctx.CompileBytes(schemaSource, cue.Filename(schemaFile))
	if err := schema.Err(); err != nil {
		return nil, Diagnostics{{Message: "internal error: embedded schema: " + err.Error()}}
	}
	inst := build.NewContext().NewInstance(configDir, nil)
	for _, f := range files {
		syntax, err := parser.ParseFile(f.name, f.data, parser.ParseComments)
		if err != nil {
			diags = append(diags, fromCUE(err, cue.Value{})...)
			continue
		}
		if err := inst.AddSyntax(syntax); err != nil {
			diags = append(diags, fromCUE(err, cue.Value{})...)
		}
	}
	if diags.HasErrors() {
		return nil, diags.sort()
	}
	for _, f := range inst.Files {
		if name := f.PackageName(); name != packageName {
			pos := Pos{File: f.Filename, Line: 1, Col: 1}
			if name == "" {
				diags = append(diags, Diagnostic{Pos: pos, Message: "missing package clause: start the file with `package curator`"})
			} else {
				diags = append(diags, Diagnostic{Pos: pos, Message: fmt.Sprintf("package %s: every configuration file must be in `package curator`", name)})
			}
		}
	}
	if diags.HasErrors() {
		return nil, diags.sort()
	}
	user := ctx.BuildInstance(inst)
	if err := user.Err(); err != nil {
		return nil, dropDisjunctionSummaries(fromCUE(err, user)).sort()
	}
	v := schema.LookupPath(cue.ParsePath("#Config")).Unify(user)
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return nil, validateAll(v, user, err).sort()
	}
	// One JSON export, then encoding/json: cheaper than cue.Value.Decode's
	// reflection over the value tree.
	data, err := v.MarshalJSON()
	if err != nil {
		return nil, dropDisjunctionSummaries(fromCUE(err, user)).sort()
	}
	var raw rawConfig
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, Diagnostics{{Message: "internal error: decode configuration: " + err.Error()}}
	}
	d := &decoder{user: user}
	st := d.decode(&raw)
	diags = append(diags, d.diags...)
	diags = diags.sort()
	if diags.HasErrors() {
		return nil, diags
	}
	return st, diags
}

type file struct {
	name string
	data []byte
}

func readFiles(fsys fs.FS) ([]file, Diagnostics) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, Diagnostics{{Message: fmt.Sprintf("read configuration folder: %v", err)}}
	}
	var files []file
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".cue" || strings.HasSuffix(name, "_tool.cue") || strings.HasPrefix(name, ".") {
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, Diagnostics{{Pos: Pos{File: name}, Message: fmt.Sprintf("read: %v", err)}}
		}
		files = append(files, file{name: name, data: data})
	}
	if len(files) == 0 {
		return nil, Diagnostics{{Message: "no .cue files found: a configuration is a folder of .cue files in `package curator`"}}
	}
	return files, nil
}

// fromCUE turns CUE errors into diagnostics positioned in the user's files.
// Where CUE only knows the schema's position (a missing required field), the
// position of the nearest enclosing value in the user's files is used.
func fromCUE(err error, user cue.Value) Diagnostics {
	var out Diagnostics
	for _, e := range cueerrors.Errors(err) {
		labels := e.Path()
		if len(labels) > 0 && labels[0] == "#Config" {
			labels = labels[1:]
		}
		d := Diagnostic{Path: strings.Join(labels, ".")}
		format, args := e.Msg()
		d.Message = fmt.Sprintf(format, args...)
		for _, p := range cueerrors.Positions(e) {
			if p.IsValid() && p.Filename() != schemaFile {
				d.Pos = toPos(p)
				break
			}
		}
		if d.Pos.File == "" && user.Exists() {
			d.Pos = posOfPath(user, labels)
		}
		d.Message = explain(d.Message)
		out = append(out, d)
	}
	return out
}

// explain rewrites CUE's terse messages into what the user should do.
func explain(msg string) string {
	switch {
	case strings.HasPrefix(msg, "field not allowed"):
		return "unknown field (not allowed by curator's schema; check its spelling)"
	case strings.HasPrefix(msg, "incomplete value "):
		return "required field is missing (want " + strings.TrimPrefix(msg, "incomplete value ") + ")"
	}
	return msg
}

func toPos(p token.Pos) Pos {
	return Pos{File: path.Base(p.Filename()), Line: p.Line(), Col: p.Column()}
}

// posOfPath returns the user's position of the deepest existing value along
// labels.
func posOfPath(user cue.Value, labels []string) Pos {
	for n := len(labels); n >= 0; n-- {
		sels := make([]cue.Selector, n)
		for i, l := range labels[:n] {
			sels[i] = cue.Str(unquote(l))
		}
		v := user.LookupPath(cue.MakePath(sels...))
		if !v.Exists() {
			continue
		}
		if p := v.Pos(); p.IsValid() && p.Filename() != schemaFile {
			return toPos(p)
		}
	}
	return Pos{}
}

func unquote(label string) string {
	if len(label) >= 2 && label[0] == '"' && label[len(label)-1] == '"' {
		var s string
		if json.Unmarshal([]byte(label), &s) == nil {
			return s
		}
	}
	return label
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// validateAll reports every error of an invalid configuration. CUE's
// validation of the whole value leaves out missing required fields once it
// found another error, so each gallery, image definition and version is
// validated on its own as well (only on this error path: valid
// configurations are validated once).
func validateAll(v, user cue.Value, first error) Diagnostics {
	diags := fromCUE(first, user)
	seen := map[string]bool{}
	for _, d := range diags {
		seen[d.String()] = true
	}
	add := func(sub cue.Value) {
		if err := sub.Validate(cue.Concrete(true)); err != nil {
			for _, d := range fromCUE(err, user) {
				if !seen[d.String()] {
					seen[d.String()] = true
					diags = append(diags, d)
				}
			}
		}
	}
	eachField(v.LookupPath(cue.ParsePath("galleries")), func(g cue.Value) {
		add(g)
		eachField(g.LookupPath(cue.ParsePath("images")), func(img cue.Value) {
			add(img)
			eachField(img.LookupPath(cue.ParsePath("versions")), add)
		})
	})
	return dropDisjunctionSummaries(diags)
}

func eachField(v cue.Value, f func(cue.Value)) {
	it, err := v.Fields()
	if err != nil {
		return
	}
	for it.Next() {
		f(it.Value())
	}
}

// dropDisjunctionSummaries merges CUE's reports of a value that matches
// none of a field's alternatives ("N errors in empty disjunction" followed by
// one "conflicting values A and B" line per alternative) into one diagnostic
// that names the value and the alternatives. The user's value is the one
// every conflict of that field shares.
func dropDisjunctionSummaries(diags Diagnostics) Diagnostics {
	type group struct {
		at    int
		pairs [][2]string
	}
	groups := map[string]*group{}
	var out Diagnostics
	for _, d := range diags {
		if strings.Contains(d.Message, "errors in empty disjunction") {
			continue
		}
		if m := conflictRE.FindStringSubmatch(d.Message); m != nil {
			if g, ok := groups[d.Path]; ok {
				g.pairs = append(g.pairs, [2]string{m[1], m[2]})
				continue
			}
			groups[d.Path] = &group{at: len(out), pairs: [][2]string{{m[1], m[2]}}}
		}
		out = append(out, d)
	}
	drop := map[int]bool{}
	for path, g := range groups {
		if len(g.pairs) == 1 {
			// A lone conflict with a default (e.g. *10 | int & >=0) says
			// less than the bound error beside it.
			for i, d := range out {
				if i != g.at && d.Path == path {
					drop[g.at] = true
				}
			}
			continue
		}
		user := ""
		for _, cand := range g.pairs[0] {
			common := true
			for _, p := range g.pairs[1:] {
				if p[0] != cand && p[1] != cand {
					common = false
				}
			}
			if common {
				user = cand
			}
		}
		if user == "" {
			continue
		}
		var allows []string
		for _, p := range g.pairs {
			if p[0] == user {
				allows = append(allows, p[1])
			} else {
				allows = append(allows, p[0])
			}
		}
		out[g.at].Message = fmt.Sprintf("%s is not allowed: want one of %s", user, strings.Join(allows, ", "))
	}
	if len(drop) == 0 {
		return out
	}
	kept := out[:0]
	for i, d := range out {
		if !drop[i] {
			kept = append(kept, d)
		}
	}
	return kept
}

// conflictRE matches CUE's "conflicting values A and B" (with an optional
// type explanation), A being the user's value.
var conflictRE = regexp.MustCompile(`^conflicting values (.+?) and (.+?)(?: \(mismatched types .*\))?$`)

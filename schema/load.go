package schema

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
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
func Load(fsys fs.FS) (*model.State, diag.Diagnostics) { return builtinSchema().load(fsys, viaFast) }

// A loadPath says how far Load may go around CUE's evaluation; tests pin
// one to compare the paths.
type loadPath int

const (
	// viaFast: a plain-data configuration that the checks derived from
	// the schema surely accept is decoded without building a CUE
	// instance; anything else takes the CUE path.
	viaFast loadPath = iota
	// viaCUE: CUE evaluates and validates every configuration; a valid
	// one of plain data is decoded from its syntax (no export).
	viaCUE
	// viaExport: CUE evaluates, validates and exports every
	// configuration.
	viaExport
)

// load is Load against one schema (tests derive copies of curator.cue).
func (s *derivedSchema) load(fsys fs.FS, via loadPath) (*model.State, diag.Diagnostics) {
	return s.loadWith(fsys, nil, via)
}

// loadWith loads the configuration of fsys; mod, when set, is the CUE
// module it lives in, whose own packages it may import (see module.go).
func (s *derivedSchema) loadWith(fsys fs.FS, mod *Module, via loadPath) (_ *model.State, all diag.Diagnostics) {
	files, diags := readFiles(fsys)
	if diags.HasErrors() {
		return nil, diags
	}
	modules, modDiags := newConfigInstance(mod)
	if modDiags.HasErrors() {
		return nil, modDiags
	}
	if len(modDiags) > 0 {
		defer func() { all = append(modDiags, all...).Sort() }()
	}
	if diags := prescan(files, prescanBytes); diags.HasErrors() {
		return nil, diags
	}
	inst := modules.instance()
	syntaxes := make([]*ast.File, 0, len(files))
	counts := newDeclared()
	for _, f := range files {
		// Comments mean nothing to curator: not parsing them is cheaper.
		syntax, err := parser.ParseFile(f.name, f.data)
		if err != nil {
			diags = append(diags, fromCUE(err, cue.Value{})...)
			continue
		}
		counts.file(syntax)
		syntaxes = append(syntaxes, syntax)
	}
	if diags.HasErrors() {
		return nil, diags.Sort()
	}
	// Before the costly evaluation (and the resolution of references): a
	// configuration far beyond the service's limits is refused in seconds,
	// not minutes.
	if diags := counts.check(); diags.HasErrors() {
		return nil, diags
	}
	for _, syntax := range syntaxes {
		if err := inst.AddSyntax(syntax); err != nil {
			diags = append(diags, fromCUE(err, cue.Value{})...)
		}
	}
	if diags.HasErrors() {
		return nil, diags.Sort()
	}
	for _, f := range inst.Files {
		if name := f.PackageName(); name != packageName {
			pos := model.Pos{File: f.Filename, Line: 1, Col: 1}
			if name == "" {
				diags = append(diags, diag.Diagnostic{Pos: pos, Summary: "missing package clause: start the file with `package curator`"})
			} else {
				diags = append(diags, diag.Diagnostic{Pos: pos, Summary: fmt.Sprintf("package %s: every configuration file must be in `package curator`", name)})
			}
		}
	}
	if diags.HasErrors() {
		return nil, diags.Sort()
	}
	// The syntax is indexed for positions on the other core while the
	// files, when they are plain data, are turned into the configuration's
	// JSON (see plainJSON) and decoded: pure functions of the parsed files.
	var indexed positions
	done := make(chan struct{})
	go func() {
		defer close(done)
		indexed = indexPositions(syntaxes)
	}()
	defer func() { <-done }()
	var plain *rawConfig
	var plainData []byte // plain's JSON
	isPlain := false
	if via != viaExport {
		if data, ok := plainJSON(syntaxes); ok {
			isPlain = true
			plainData = data
			var r rawConfig
			if json.Unmarshal(data, &r) == nil {
				plain = &r
			}
			// The fast path: plain data the schema surely accepts needs no
			// CUE evaluation. The loader's rules run as on the CUE path,
			// positioned from the syntax; a diagnostic at a path the syntax
			// does not name (where the CUE path asks the evaluated value)
			// sends the configuration down the CUE path after all.
			if plain != nil && via == viaFast {
				index := func() positions { <-done; return indexed }
				if st, diags, ok := s.fastDecode(data, plain, index); ok {
					return st, diags
				}
				// plain may have been decoded: decoded again for the CUE
				// path.
				plain = nil
				var again rawConfig
				if json.Unmarshal(data, &again) == nil {
					plain = &again
				}
			}
		}
	}
	// Field order means nothing to curator (the model is maps), so fields
	// of plain data are sorted by name rather than topologically: much
	// cheaper on large configurations. Written CUE (templates,
	// comprehensions) exports in half the time without the sorting
	// (cuelang.org/go v0.17: 0.33 s against 0.6 s for the templated goal
	// estate), its evaluation costs the same.
	ctx := cuecontext.New(cuecontext.CUE_DEBUG("sortfields"))
	if !isPlain {
		ctx = cuecontext.New()
	}
	user := ctx.BuildInstance(inst)
	if err := user.Err(); err != nil {
		return nil, modules.importErrors(dropDisjunctionSummaries(fromCUE(err, user))).Sort()
	}
	// The evaluated fast path: written CUE (definitions, templates,
	// comprehensions, let, references, imported packages) evaluated on its
	// own, without the schema, is concrete data the derived checks can
	// judge; when they surely accept it, and nothing the schema would add
	// could meet a constraint of the user's (see surelyValid), CUE's
	// unification with the schema would find no error and is skipped. The
	// export and its decoding are the CUE path's.
	var exported []byte
	if via == viaFast && !isPlain && exportsAsWritten(inst) {
		if data, err := user.MarshalJSON(); err == nil {
			exported = data
			if s.surelyValid(data, user, inst) {
				var raw rawConfig
				if json.Unmarshal(data, &raw) == nil {
					<-done
					d := &decoder{user: user, positions: indexed, data: data}
					st := d.decode(&raw)
					return result(st, append(diags, d.diags...).Sort())
				}
			}
		}
	}
	schema := ctx.CompileBytes(s.source, cue.Filename(schemaFile))
	if err := schema.Err(); err != nil {
		return nil, diag.Diagnostics{{Summary: "internal error: embedded schema: " + err.Error()}}
	}
	config := schema.LookupPath(cue.ParsePath("#Config"))
	schemaDiags := validate(config, user)
	<-done
	// One JSON export, then encoding/json: cheaper than cue.Value.Decode's
	// reflection over the value tree. The user's own value is exported, not
	// the unified one: it is already evaluated, it holds the same data once
	// the schema accepted it, and CUE orders its fields for export three
	// times faster (each unified struct carries the schema's declarations
	// too); the unified tree is garbage by now, which keeps the peak memory
	// down. The schema's defaults are applied while decoding. Only a value
	// the schema alone makes concrete (e.g. `name: string`, defaulted by the
	// schema) needs the unified export.
	//
	// A configuration the schema rejected is still decoded when its own
	// value is concrete, so that the loader's rules report their errors too
	// (all errors at once), except where the schema already reported one.
	//
	// A valid configuration of plain data was decoded from its syntax
	// already: the same data, without CUE's export and its JSON.
	var raw rawConfig
	data := plainData
	if plain != nil && schemaDiags == nil {
		raw = *plain
	} else {
		var err error
		data, err = exported, error(nil)
		if data == nil {
			data, err = user.MarshalJSON()
		}
		if err != nil {
			if schemaDiags != nil {
				return nil, schemaDiags
			}
			if data, err = config.Unify(user).MarshalJSON(); err != nil {
				return nil, dropDisjunctionSummaries(fromCUE(err, user)).Sort()
			}
		}
		if err := json.Unmarshal(data, &raw); err != nil && schemaDiags == nil {
			return nil, diag.Diagnostics{{Summary: "internal error: decode configuration: " + err.Error()}}
		}
	}
	d := &decoder{user: user, positions: indexed, data: data}
	st := d.decode(&raw)
	diags = append(diags, schemaDiags...)
	diags = append(diags, notUnder(d.diags, schemaDiags)...)
	return result(st, diags.Sort())
}

// fastDecode decodes plain, the configuration of data (its plain-data
// JSON), when the schema surely accepts data and every position the
// loader's rules want is in the syntax's index; false sends the
// configuration down the CUE path.
func (s *derivedSchema) fastDecode(data []byte, plain *rawConfig, index func() positions) (*model.State, diag.Diagnostics, bool) {
	if !s.conforms(data) {
		return nil, nil, false
	}
	d := &decoder{positions: index(), data: data}
	st := d.decode(plain)
	if d.unindexed {
		return nil, nil, false
	}
	st, diags := result(st, d.diags.Sort())
	return st, diags, true
}

// result is a decoded state and its diagnostics: no state when any is an
// error.
func result(st *model.State, diags diag.Diagnostics) (*model.State, diag.Diagnostics) {
	if diags.HasErrors() {
		return nil, diags
	}
	return st, diags
}

// validate unifies the user's configuration with the schema's #Config and
// reports every error, or nil when the configuration satisfies the schema.
func validate(config, user cue.Value) diag.Diagnostics {
	v := config.Unify(user)
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return validateAll(v, user, err).Sort()
	}
	return nil
}

// notUnder returns the diagnostics whose path is neither one of the
// reported paths nor inside one: the loader's rules say nothing more about a
// value the schema rejected (a location of the wrong type is not also an
// unknown region).
func notUnder(diags, reported diag.Diagnostics) diag.Diagnostics {
	if len(reported) == 0 {
		return diags
	}
	var out diag.Diagnostics
next:
	for _, d := range diags {
		for _, r := range reported {
			if r.Path != "" && (d.Path == r.Path || strings.HasPrefix(d.Path, r.Path+".")) {
				continue next
			}
		}
		out = append(out, d)
	}
	return out
}

type file struct {
	name string
	data []byte
}

func readFiles(fsys fs.FS) ([]file, diag.Diagnostics) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, diag.Diagnostics{{Summary: fmt.Sprintf("read configuration folder: %v", err)}}
	}
	var files []file
	var total int64
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".cue" || strings.HasSuffix(name, "_tool.cue") || strings.HasPrefix(name, ".") {
			continue
		}
		if info, err := e.Info(); err == nil {
			if total += info.Size(); total > MaxConfigBytes {
				return nil, tooLarge(entries)
			}
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, diag.Diagnostics{{Pos: model.Pos{File: name}, Summary: fmt.Sprintf("read: %v", err)}}
		}
		files = append(files, file{name: name, data: data})
	}
	if len(files) == 0 {
		return nil, diag.Diagnostics{{Summary: "no .cue files found: a configuration is a folder of .cue files in `package curator`"}}
	}
	return files, nil
}

// prescanBytes is the size from which the limits are checked file by file
// before the configuration is parsed for evaluation: the syntax of one file
// at a time is kept, not the syntax of all (for 200,000 versions, 56 MB of
// CUE, that is ~150 MB instead of ~900 MB, and no collector working against
// the memory limit). Smaller configurations are counted while they are
// parsed, at no extra cost. A full region (10,000 versions) is about 3 MB.
const prescanBytes = 16 << 20

// prescan refuses a configuration of from bytes or more that is beyond
// the service's limits, parsing one file at a time.
func prescan(files []file, from int) diag.Diagnostics {
	var total int
	for _, f := range files {
		total += len(f.data)
	}
	if total < from {
		return nil
	}
	counts := newDeclared()
	for _, f := range files {
		syntax, err := parser.ParseFile(f.name, f.data)
		if err != nil {
			return nil // reported by the parse for evaluation
		}
		counts.file(syntax)
	}
	return counts.check()
}

// tooLarge refuses a configuration of more than MaxConfigBytes.
func tooLarge(entries []fs.DirEntry) diag.Diagnostics {
	var total int64
	n := 0
	for _, e := range entries {
		if info, err := e.Info(); err == nil && !e.IsDir() && path.Ext(e.Name()) == ".cue" {
			total += info.Size()
			n++
		}
	}
	return diag.Diagnostics{{Summary: fmt.Sprintf(
		"the configuration's %d .cue files hold %.1f MiB, more than curator reads (%d MiB): the service's limits (10,000 image versions per subscription and region) fit in a few MiB; split the estate into several configurations",
		n, float64(total)/(1<<20), MaxConfigBytes>>20)}}
}

// fromCUE turns CUE errors into diagnostics positioned in the user's files.
// Where CUE only knows the schema's position (a missing required field), the
// position of the nearest enclosing value in the user's files is used.
func fromCUE(err error, user cue.Value) diag.Diagnostics {
	var out diag.Diagnostics
	for _, e := range cueerrors.Errors(err) {
		labels := e.Path()
		if len(labels) > 0 && labels[0] == "#Config" {
			labels = labels[1:]
		}
		d := diag.Diagnostic{Path: strings.Join(labels, ".")}
		format, args := e.Msg()
		d.Summary = fmt.Sprintf(format, args...)
		for _, p := range cueerrors.Positions(e) {
			if p.IsValid() && p.Filename() != schemaFile {
				d.Pos = toPos(p)
				break
			}
		}
		if d.Pos.File == "" && user.Exists() {
			d.Pos = posOfPath(user, labels)
		}
		if rest, ok := strings.CutPrefix(d.Summary, "incomplete value "); ok && user.Exists() && user.LookupPath(cuePath(labels)).Exists() {
			// The user wrote the field, but left it open (a type, a bound,
			// or a disjunction with no single default).
			d.Summary = "value is not concrete (" + rest + "): write one value"
		}
		d.Summary = explain(d.Summary)
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

func toPos(p token.Pos) model.Pos {
	if name, ok := strings.CutPrefix(p.Filename(), moduleFilePrefix); ok {
		// A file of a package the configuration imports, named by its
		// path in the module.
		return model.Pos{File: name, Line: p.Line(), Col: p.Column()}
	}
	return model.Pos{File: path.Base(p.Filename()), Line: p.Line(), Col: p.Column()}
}

// posOfPath returns the user's position of the deepest existing value along
// labels.
func posOfPath(user cue.Value, labels []string) model.Pos {
	for n := len(labels); n >= 0; n-- {
		v := user.LookupPath(cuePath(labels[:n]))
		if !v.Exists() {
			continue
		}
		if p := v.Pos(); p.IsValid() && p.Filename() != schemaFile {
			return toPos(p)
		}
	}
	return model.Pos{}
}

// cuePath makes a CUE path of configuration labels as errors print them.
func cuePath(labels []string) cue.Path {
	sels := make([]cue.Selector, len(labels))
	for i, l := range labels {
		sels[i] = cue.Str(unquote(l))
	}
	return cue.MakePath(sels...)
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

// validateAll reports every error of an invalid configuration. CUE's
// validation of a value reports only its most severe kind of error (a
// missing required field is dropped once a typo was found next to it), so
// every scalar and list of the configuration is validated on its own as well
// (only on this error path: valid configurations are validated once).
func validateAll(v, user cue.Value, first error) diag.Diagnostics {
	diags := fromCUE(first, user)
	seen := map[string]bool{}
	for _, d := range diags {
		seen[d.String()] = true
	}
	var walk func(cue.Value)
	walk = func(sub cue.Value) {
		// A struct holding an error is bottom as a whole, yet its fields
		// can still be listed.
		if it, err := sub.Fields(); err == nil {
			for it.Next() {
				walk(it.Value())
			}
			return
		}
		if err := sub.Validate(cue.Concrete(true)); err != nil {
			for _, d := range fromCUE(err, user) {
				if !seen[d.String()] {
					seen[d.String()] = true
					diags = append(diags, d)
				}
			}
		}
	}
	walk(v)
	return dropDisjunctionSummaries(diags)
}

// dropDisjunctionSummaries merges CUE's reports of a value that matches
// none of a field's alternatives ("N errors in empty disjunction" followed by
// one "conflicting values A and B" line per alternative) into one diagnostic
// that names the value and the alternatives. The user's value is the one
// every conflict of that field shares.
func dropDisjunctionSummaries(diags diag.Diagnostics) diag.Diagnostics {
	type group struct {
		at    int
		pairs [][2]string
	}
	groups := map[string]*group{}
	var out diag.Diagnostics
	for _, d := range diags {
		if strings.Contains(d.Summary, "errors in empty disjunction") {
			continue
		}
		if m := conflictRE.FindStringSubmatch(d.Summary); m != nil {
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
		out[g.at].Summary = fmt.Sprintf("%s is not allowed: want one of %s", user, strings.Join(allows, ", "))
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

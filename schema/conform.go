package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
)

// The fast path of Load. Most configurations are plain data (see
// plainJSON), and for plain data CUE's evaluation only answers one
// question: does this JSON satisfy #Config? conforms answers it in Go,
// with checks derived from the compiled curator.cue (see derive): its
// fields, their optionality and defaults, closedness, [string] patterns,
// open lists, kinds, enums and other disjunctions, bounds, regular
// expressions, `!=` and the length validators strings.MinRunes/MaxRunes
// and list.MinItems/MaxItems. Nothing of the schema is written twice.
//
// conforms never reports anything: it only decides "surely valid". Any
// constraint the derivation does not understand (a reference between
// fields, a struct conjunction, a pattern other than [string], another
// builtin, a fixed-length list…) becomes a shape that accepts nothing, so a
// configuration that uses its field takes the full CUE path, and every
// diagnostic reads as before. The checks may be stricter than the schema
// (e.g. a number equal to a concrete int is refused unless written the
// same way), never looser: FuzzFastPathSound checks that whatever the fast
// path accepts CUE accepts too, and TestDerivedChecksAgree does so for a
// copy of the schema given one constraint of each kind.
//
// The checks are data walked over the JSON, not Go structs decoded with
// DisallowUnknownFields: encoding/json matches field names
// case-insensitively (CUE does not) and decodes null into any field as
// "absent" (CUE rejects null where a bool or string is wanted).

// A shape is what the schema allows at one place of the configuration.
type shape struct {
	kind shapeKind
	// kindStruct: the fields; elem, when set, is the [string] pattern
	// (keys not among the fields); without it the struct is closed.
	fields map[string]shapeField
	// kindStruct: the [string] pattern; kindList: [...elem].
	elem *shape
	// kindAll: every one; kindOneOf: one of them.
	parts []*shape
	// kindLeaf: a test of a value.
	test func(any) bool
	// defaults: the shape has a defaulted field somewhere (see complete).
	defaults bool
	// what the shape is, as `go test -run TestDerivedShape -update`
	// writes it to testdata/shape.golden; kindNever: why.
	desc string
}

type shapeKind int

const (
	kindNever  shapeKind = iota // not understood: accepts nothing (CUE decides)
	kindAny                     // _: any value
	kindLeaf                    // a test of one value (kind, bound, regex, literal…)
	kindAll                     // a conjunction: all of parts
	kindOneOf                   // a disjunction: one of parts
	kindStruct                  // fields, closed unless elem is set
	kindList                    // [...elem]
)

// presence says whether a struct's field may be left out.
type presence int

const (
	optional  presence = iota // f?: T
	defaulted                 // f: *D | T, or f: T concrete by itself: left out, the schema fills it in
	required                  // f: T or f!: T: must be written
)

type shapeField struct {
	shape *shape
	presence
}

func never(format string, args ...any) *shape {
	return &shape{kind: kindNever, desc: "unsure: " + fmt.Sprintf(format, args...)}
}

func leaf(desc string, test func(any) bool) *shape {
	return &shape{kind: kindLeaf, desc: desc, test: test}
}

// derivedSchema is a compiled schema and the checks derived from its
// #Config.
type derivedSchema struct {
	source []byte
	config *shape
}

// builtinSchema derives the checks of the embedded curator.cue, once per
// process (a few milliseconds).
var builtinSchema = sync.OnceValue(func() *derivedSchema {
	s, err := deriveSchema(schemaSource)
	if err != nil {
		// The embedded schema compiles (every test loads it); should it
		// not, the fast path takes nothing and the CUE path reports it.
		return &derivedSchema{source: schemaSource, config: never("the schema: %v", err)}
	}
	return s
})

// deriveSchema compiles a schema's source and derives the checks of its
// #Config.
func deriveSchema(src []byte) (*derivedSchema, error) {
	v := cuecontext.New().CompileBytes(src, cue.Filename(schemaFile))
	if err := v.Err(); err != nil {
		return nil, err
	}
	config := v.LookupPath(cue.ParsePath("#Config"))
	if !config.Exists() {
		return nil, fmt.Errorf("no #Config")
	}
	return &derivedSchema{source: src, config: derive(config, 0)}, nil
}

// maxDepth bounds the derivation: a schema nested deeper (or recursive) is
// not understood below it.
const maxDepth = 32

// derive turns one value of the compiled schema into the shape of what it
// surely allows.
func derive(v cue.Value, depth int) *shape {
	if depth > maxDepth {
		return never("nested more than %d deep", maxDepth)
	}
	if err := v.Err(); err != nil {
		return never("%v", err)
	}
	s := deriveExpr(v, depth)
	// A default is one of the values allowed; CUE's Expr leaves it out of
	// a disjunction whose other terms subsume it (*10 | int & >=0).
	if d, ok := v.Default(); ok && s.kind != kindNever && isScalar(d.Kind()) {
		if def := literalShape(d); def.kind != kindNever && !slices.ContainsFunc(s.parts, func(p *shape) bool { return p.desc == def.desc }) && s.desc != def.desc {
			return &shape{kind: kindOneOf, parts: []*shape{def, s}, desc: "*" + def.desc + " | " + s.desc, defaults: s.defaults}
		}
	}
	return s
}

func hasDefaults(s *shape) bool { return s.defaults }

func isScalar(k cue.Kind) bool {
	return k&^(cue.StringKind|cue.BoolKind|cue.IntKind|cue.FloatKind|cue.NullKind) == 0 && k != cue.BottomKind
}

func deriveExpr(v cue.Value, depth int) *shape {
	op, args := v.Expr()
	switch op {
	case cue.AndOp:
		for _, a := range args {
			if a.IncompleteKind()&cue.StructKind != 0 {
				// Conjunctions of structs close them in ways a field list
				// does not tell.
				return deriveStruct(v, depth)
			}
		}
		parts := make([]*shape, len(args))
		descs := make([]string, len(args))
		for i, a := range args {
			parts[i] = derive(a, depth+1)
			if parts[i].kind == kindNever {
				return parts[i]
			}
			descs[i] = parts[i].desc
		}
		return &shape{kind: kindAll, parts: parts, desc: strings.Join(descs, " & "), defaults: slices.ContainsFunc(parts, hasDefaults)}
	case cue.OrOp:
		parts := make([]*shape, len(args))
		descs := make([]string, len(args))
		for i, a := range args {
			parts[i] = derive(a, depth+1)
			descs[i] = parts[i].desc
		}
		return &shape{kind: kindOneOf, parts: parts, desc: strings.Join(descs, " | "), defaults: slices.ContainsFunc(parts, hasDefaults)}
	case cue.SelectorOp:
		// A reference to a definition (#Storage) stands for its value; a
		// reference to a field (location) is bound to the user's value
		// of it, which no check of one value can see.
		ref := cue.Dereference(v)
		sels := ref.Path().Selectors()
		if len(sels) == 0 || !sels[len(sels)-1].IsDefinition() || ref.Path().String() == v.Path().String() {
			return never("reference %v", v)
		}
		return derive(ref, depth+1)
	case cue.GreaterThanOp, cue.GreaterThanEqualOp, cue.LessThanOp, cue.LessThanEqualOp:
		return boundShape(op, args)
	case cue.NotEqualOp:
		if len(args) != 1 || !args[0].IsConcrete() || !isScalar(args[0].Kind()) {
			return never("!= %v", args)
		}
		eq := literalShape(args[0])
		if eq.kind == kindNever {
			return eq
		}
		return leaf("!="+eq.desc, func(x any) bool { return !eq.test(x) })
	case cue.RegexMatchOp, cue.NotRegexMatchOp:
		return regexShape(op, args)
	case cue.CallOp:
		return callShape(v, args)
	case cue.NoOp:
		if len(args) == 1 && fmt.Sprint(args[0]) != fmt.Sprint(v) {
			// A disjunction whose default Expr folded away: its terms.
			return derive(args[0], depth+1)
		}
	default:
		return never("operator %v in %v", op, v)
	}
	switch k := v.IncompleteKind(); {
	case k == cue.StructKind:
		return deriveStruct(v, depth)
	case k == cue.ListKind:
		return deriveList(v, depth)
	case v.IsConcrete() && isScalar(v.Kind()):
		return literalShape(v)
	}
	if t, ok := typeShapes[fmt.Sprint(v)]; ok {
		return t
	}
	return never("%v", v)
}

// typeShapes are CUE's types, by their name.
var typeShapes = map[string]*shape{
	"_":      {kind: kindAny, desc: "_"},
	"string": leaf("string", func(x any) bool { _, ok := x.(string); return ok }),
	"bool":   leaf("bool", func(x any) bool { _, ok := x.(bool); return ok }),
	"null":   leaf("null", func(x any) bool { return x == nil }),
	"number": leaf("number", func(x any) bool { _, ok := x.(json.Number); return ok }),
	"int":    leaf("int", func(x any) bool { n, ok := x.(json.Number); return ok && isInt(n) }),
	"float":  leaf("float", func(x any) bool { n, ok := x.(json.Number); return ok && !isInt(n) }),
}

// isInt reports whether a JSON number is an int for CUE: no fraction, no
// exponent.
func isInt(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

// literalShape accepts one concrete scalar: the same string, bool or null;
// a number of the same kind (int or float) and value.
func literalShape(v cue.Value) *shape {
	data, err := v.MarshalJSON()
	if err != nil {
		return never("%v: %v", v, err)
	}
	desc := string(data)
	switch v.Kind() {
	case cue.StringKind:
		want, _ := v.String()
		return leaf(desc, func(x any) bool { s, ok := x.(string); return ok && s == want })
	case cue.BoolKind:
		want, _ := v.Bool()
		return leaf(desc, func(x any) bool { b, ok := x.(bool); return ok && b == want })
	case cue.NullKind:
		return leaf(desc, func(x any) bool { return x == nil })
	case cue.IntKind, cue.FloatKind:
		want, ok := new(big.Rat).SetString(desc)
		if !ok {
			return never("number %s", desc)
		}
		isint := v.Kind() == cue.IntKind
		return leaf(desc, func(x any) bool {
			n, ok := x.(json.Number)
			if !ok || isInt(n) != isint {
				return false
			}
			got, ok := new(big.Rat).SetString(string(n))
			return ok && got.Cmp(want) == 0
		})
	}
	return never("literal %v", v)
}

// boundShape is a number's bound (>=0). Bounds on strings or bytes are
// left to CUE.
func boundShape(op cue.Op, args []cue.Value) *shape {
	if len(args) != 1 || !args[0].IsConcrete() || args[0].Kind()&^cue.NumberKind != 0 {
		return never("bound %v %v", op, args)
	}
	data, err := args[0].MarshalJSON()
	bound, ok := new(big.Rat).SetString(string(data))
	if err != nil || !ok {
		return never("bound %v %v", op, args)
	}
	holds := map[cue.Op]func(int) bool{
		cue.GreaterThanOp:      func(c int) bool { return c > 0 },
		cue.GreaterThanEqualOp: func(c int) bool { return c >= 0 },
		cue.LessThanOp:         func(c int) bool { return c < 0 },
		cue.LessThanEqualOp:    func(c int) bool { return c <= 0 },
	}[op]
	return leaf(fmt.Sprintf("%v%s", op, data), func(x any) bool {
		n, ok := x.(json.Number)
		if !ok {
			return false
		}
		got, ok := new(big.Rat).SetString(string(n))
		return ok && holds(got.Cmp(bound))
	})
}

// regexShape is =~ or !~ on strings (CUE's regular expressions are Go's).
func regexShape(op cue.Op, args []cue.Value) *shape {
	if len(args) != 1 || args[0].Kind() != cue.StringKind {
		return never("%v %v", op, args)
	}
	src, _ := args[0].String()
	re, err := regexp.Compile(src)
	if err != nil {
		return never("%v %q: %v", op, src, err)
	}
	match := op == cue.RegexMatchOp
	return leaf(fmt.Sprintf("%v%q", op, src), func(x any) bool {
		s, ok := x.(string)
		return ok && re.MatchString(s) == match
	})
}

// callShape is one of the length validators of CUE's standard library.
func callShape(v cue.Value, args []cue.Value) *shape {
	if len(args) != 2 {
		return never("call %v", v)
	}
	n, err := args[1].Int64()
	if err != nil {
		return never("call %v", v)
	}
	desc := fmt.Sprintf("%v(%d)", args[0], n)
	switch fmt.Sprint(args[0]) {
	case "strings.MinRunes":
		return leaf(desc, func(x any) bool { s, ok := x.(string); return ok && int64(utf8.RuneCountInString(s)) >= n })
	case "strings.MaxRunes":
		return leaf(desc, func(x any) bool { s, ok := x.(string); return ok && int64(utf8.RuneCountInString(s)) <= n })
	case "list.MinItems":
		return leaf(desc, func(x any) bool { l, ok := x.([]any); return ok && int64(len(l)) >= n })
	case "list.MaxItems":
		return leaf(desc, func(x any) bool { l, ok := x.([]any); return ok && int64(len(l)) <= n })
	}
	return never("call %v", v)
}

// deriveList is an open list of one element type, [...T]; fixed elements
// are left to CUE.
func deriveList(v cue.Value, depth int) *shape {
	if v.LookupPath(cue.MakePath(cue.Index(0))).Exists() {
		return never("a list with fixed elements %v", v)
	}
	elem := v.LookupPath(cue.MakePath(cue.AnyIndex))
	if !elem.Exists() {
		return never("a list %v", v)
	}
	e := derive(elem, depth+1)
	return &shape{kind: kindList, elem: e, desc: "[..." + e.desc + "]", defaults: e.defaults}
}

// deriveStruct is a struct of fields and at most one [string] pattern,
// closed unless it has the pattern. Its syntax tells its patterns (the
// Value API shows only the one for any string): anything else in it — an
// ellipsis, an embedding, a comprehension, another pattern, a conjunction
// — is left to CUE.
func deriveStruct(v cue.Value, depth int) *shape {
	lit, ok := structSyntax(v.Syntax())
	if !ok {
		return never("struct %v", v)
	}
	pattern := false
	for _, d := range lit.Elts {
		f, ok := d.(*ast.Field)
		if !ok {
			return never("%T in struct %v", d, v)
		}
		switch l := f.Label.(type) {
		case *ast.Ident, *ast.BasicLit:
		case *ast.ListLit:
			if id, ok := singleIdent(l); !ok || id != "string" || pattern {
				return never("pattern in struct %v", v)
			}
			pattern = true
		default:
			return never("label %T in struct %v", l, v)
		}
	}
	s := &shape{kind: kindStruct, fields: map[string]shapeField{}}
	if pattern {
		s.elem = derive(v.LookupPath(cue.MakePath(cue.AnyString)), depth+1)
	} else if v.Allows(cue.Str("no such field")) {
		return never("an open struct %v", v)
	}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return never("struct %v: %v", v, err)
	}
	for it.Next() {
		if it.Selector().Type()&cue.StringLabel == 0 {
			return never("field %v of struct %v", it.Selector(), v)
		}
		name := it.Selector().Unquoted()
		fv := it.Value()
		f := shapeField{shape: derive(fv, depth+1), presence: required}
		switch {
		case it.IsOptional():
			f.presence = optional
		case it.FieldType()&cue.RequiredConstraint != 0:
		default:
			if d, _ := fv.Default(); d.Validate(cue.Concrete(true)) == nil {
				f.presence = defaulted
			}
		}
		s.fields[name] = f
	}
	s.desc = s.describe()
	s.defaults = s.elem != nil && s.elem.defaults
	for _, f := range s.fields {
		s.defaults = s.defaults || f.presence == defaulted || f.shape.defaults
	}
	return s
}

// structSyntax is the struct literal of a struct's syntax: itself, or the
// one a definition's value wraps ({_#def, _#def: {…}}, followed by the let
// clauses that stand for the definitions it refers to), in a file after
// the import clauses of the packages it uses.
func structSyntax(n ast.Node) (*ast.StructLit, bool) {
	if f, ok := n.(*ast.File); ok {
		// A schema that imports packages: their import clauses, then the
		// struct's declarations.
		lit := &ast.StructLit{}
		for _, d := range f.Decls {
			if _, ok := d.(*ast.ImportDecl); !ok {
				lit.Elts = append(lit.Elts, d)
			}
		}
		n = lit
	}
	lit, ok := n.(*ast.StructLit)
	if !ok {
		return nil, false
	}
	if len(lit.Elts) < 2 {
		return lit, true
	}
	e, ok := lit.Elts[0].(*ast.EmbedDecl)
	if !ok {
		return lit, true
	}
	if id, ok := e.Expr.(*ast.Ident); !ok || id.Name != "_#def" {
		return lit, true
	}
	f, ok := lit.Elts[1].(*ast.Field)
	if !ok {
		return nil, false
	}
	if l, ok := f.Label.(*ast.Ident); !ok || l.Name != "_#def" {
		return nil, false
	}
	for _, d := range lit.Elts[2:] {
		if _, ok := d.(*ast.LetClause); !ok {
			return nil, false
		}
	}
	inner, ok := f.Value.(*ast.StructLit)
	return inner, ok
}

func singleIdent(l *ast.ListLit) (string, bool) {
	if len(l.Elts) != 1 {
		return "", false
	}
	id, ok := l.Elts[0].(*ast.Ident)
	if !ok {
		return "", false
	}
	return id.Name, true
}

// describe writes a struct's shape on one line, fields in order of name.
func (s *shape) describe() string {
	var b strings.Builder
	b.WriteString("{")
	names := make([]string, 0, len(s.fields))
	for name := range s.fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		f := s.fields[name]
		b.WriteString(name)
		b.WriteString([]string{optional: "?", defaulted: "*", required: ""}[f.presence])
		b.WriteString(": ")
		b.WriteString(f.shape.desc)
	}
	if s.elem != nil {
		if len(names) > 0 {
			b.WriteString(", ")
		}
		b.WriteString("[string]: " + s.elem.desc)
	}
	b.WriteString("}")
	return b.String()
}

// conforms reports whether data, the JSON of a configuration, surely
// satisfies the schema's #Config. It is the whole of the schema's
// validation on the fast path: false only means "let CUE decide".
func (s *derivedSchema) conforms(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return false
	}
	return s.config.accepts(v)
}

// accepts reports whether the shape surely allows v, a value decoded by
// encoding/json with UseNumber.
func (s *shape) accepts(v any) bool {
	switch s.kind {
	case kindAny:
		return true
	case kindLeaf:
		return s.test(v)
	case kindAll:
		for _, p := range s.parts {
			if !p.accepts(v) {
				return false
			}
		}
		return true
	case kindOneOf:
		// A struct or list that two terms accept could unify with each
		// into two different values, which CUE finds ambiguous: exactly
		// one term must take it.
		n := 0
		for _, p := range s.parts {
			if p.accepts(v) {
				n++
			}
		}
		switch v.(type) {
		case map[string]any, []any:
			return n == 1
		}
		return n > 0
	case kindList:
		list, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range list {
			if !s.elem.accepts(e) {
				return false
			}
		}
		return true
	case kindStruct:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for name, e := range m {
			f, known := s.fields[name]
			switch {
			case known:
				if !f.shape.accepts(e) {
					return false
				}
			case s.elem == nil || !s.elem.accepts(e):
				return false
			}
		}
		for name, f := range s.fields {
			if _, ok := m[name]; !ok && f.presence == required {
				return false
			}
		}
		return true
	}
	return false
}

// surelyValid reports whether the user's value, evaluated without the
// schema and exported as data, surely unifies with #Config into exactly
// that data: the derived checks accept the data; every field the schema
// defaults is written (otherwise the schema would add it, and a closed
// definition, a pattern or a comprehension of the user's could meet it),
// except at the root when nothing of the user's can meet it there;
// and where the schema has a default, the user's value is not a
// disjunction with a default of its own (two defaults make CUE's choice
// ambiguous).
func (s *derivedSchema) surelyValid(data []byte, user cue.Value, inst *build.Instance) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() || !s.config.accepts(v) {
		return false
	}
	var defaultPaths [][]cue.Selector
	var collect func([]cue.Selector)
	if instanceFiles(inst, hasDefaultMarks) {
		collect = func(p []cue.Selector) { defaultPaths = append(defaultPaths, slices.Clone(p)) }
	}
	// The root's defaults (name, prune, maxDeletes) can meet nothing of
	// the user's when no file embeds a value or sets a pattern at its top:
	// CUE has no name for the root to iterate over it, and a reference to
	// a field left out fails the user's evaluation.
	if !s.config.complete(v, nil, collect, rootUnconstrained(inst.Files)) {
		return false
	}
	for _, p := range defaultPaths {
		if _, ok := user.LookupPath(cue.MakePath(p...)).Default(); ok {
			return false
		}
	}
	return true
}

// rootUnconstrained reports whether no file constrains the root beyond
// its fields: no embedding and no pattern at a file's top level.
func rootUnconstrained(files []*ast.File) bool {
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.EmbedDecl:
				return false
			case *ast.Field:
				if _, ok := d.Label.(*ast.ListLit); ok {
					return false
				}
			}
		}
	}
	return true
}

// hasDefaultMarks reports whether a file marks a default anywhere (*x).
func hasDefaultMarks(f *ast.File) bool {
	found := false
	ast.Walk(f, func(n ast.Node) bool {
		if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.MUL {
			found = true
		}
		return !found
	}, nil)
	return found
}

// instanceFiles reports whether any file of inst, or of a package it
// imports (recursively), has the property.
func instanceFiles(inst *build.Instance, has func(*ast.File) bool) bool {
	seen := map[*build.Instance]bool{}
	var found func(*build.Instance) bool
	found = func(inst *build.Instance) bool {
		if seen[inst] {
			return false
		}
		seen[inst] = true
		for _, f := range inst.Files {
			if has(f) {
				return true
			}
		}
		for _, imp := range inst.Imports {
			if found(imp) {
				return true
			}
		}
		return false
	}
	return found(inst)
}

// complete reports whether v, which the shape accepts, writes every field
// the shape defaults, at every level (at its own level only when
// mayLeaveDefaults is false); collect, when set, is given the path of each
// that is written.
func (s *shape) complete(v any, path []cue.Selector, collect func([]cue.Selector), mayLeaveDefaults bool) bool {
	if !s.defaults {
		return true // nothing below to write or to collect
	}
	at := func(sel func() cue.Selector) []cue.Selector {
		if collect == nil {
			return nil
		}
		return append(path[:len(path):len(path)], sel())
	}
	str := func(name string) func() cue.Selector { return func() cue.Selector { return cue.Str(name) } }
	switch s.kind {
	case kindAll, kindOneOf:
		for _, p := range s.parts {
			if p.accepts(v) && !p.complete(v, path, collect, mayLeaveDefaults) {
				return false
			}
		}
	case kindList:
		list, _ := v.([]any)
		for i, e := range list {
			if !s.elem.complete(e, at(func() cue.Selector { return cue.Index(i) }), collect, false) {
				return false
			}
		}
	case kindStruct:
		m, _ := v.(map[string]any)
		for name, f := range s.fields {
			e, ok := m[name]
			if f.presence == defaulted {
				if !ok && !mayLeaveDefaults {
					return false
				}
				if ok && collect != nil {
					collect(at(str(name)))
				}
			}
			if ok && !f.shape.complete(e, at(str(name)), collect, false) {
				return false
			}
		}
		if s.elem != nil {
			for name, e := range m {
				if _, known := s.fields[name]; !known && !s.elem.complete(e, at(str(name)), collect, false) {
					return false
				}
			}
		}
	}
	return true
}

// exportsAsWritten reports whether the JSON export of the value of inst
// (its files and the packages they import, recursively) surely says all
// the value holds: no bytes anywhere, which JSON writes as base64 strings
// that a string field would accept (CUE would refuse them). Bytes come
// from bytes literals ('x', #'x'#, interpolated or not) and from functions
// of the standard library; a file that imports a package outside
// bytesFreePackages, or names strings.ByteSlice, is not sure.
func exportsAsWritten(inst *build.Instance) bool {
	seen := map[*build.Instance]bool{}
	var sure func(*build.Instance) bool
	sure = func(inst *build.Instance) bool {
		if seen[inst] {
			return true
		}
		seen[inst] = true
		imported := map[string]*build.Instance{}
		for _, imp := range inst.Imports {
			imported[imp.ImportPath] = imp
		}
		for _, f := range inst.Files {
			for spec := range f.ImportSpecs() {
				p, err := literal.Unquote(spec.Path.Value)
				if err != nil {
					return false
				}
				if isStdlib(p) {
					if !bytesFreePackages[p] {
						return false
					}
					continue
				}
				imp, ok := imported[p]
				if !ok || !sure(imp) {
					return false
				}
			}
			if hasBytes(f) {
				return false
			}
		}
		return true
	}
	return sure(inst)
}

// bytesFreePackages are the packages of CUE's standard library none of
// whose functions returns bytes (strings.ByteSlice aside, see hasBytes),
// nor a value decoded from a format that has them.
var bytesFreePackages = map[string]bool{
	"list": true, "math": true, "math/bits": true, "strconv": true, "strings": true, "struct": true,
	"regexp": true, "path": true, "time": true, "net": true, "html": true, "encoding/json": true,
	"text/template": true, "text/tabwriter": true,
}

// hasBytes reports whether a file holds a bytes literal or names
// strings.ByteSlice.
func hasBytes(f *ast.File) bool {
	found := false
	isBytes := func(x ast.Expr) bool {
		lit, ok := x.(*ast.BasicLit)
		return ok && lit.Kind == token.STRING && strings.HasPrefix(strings.TrimLeft(lit.Value, "#"), "'")
	}
	ast.Walk(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			found = found || isBytes(n)
		case *ast.Interpolation:
			found = found || len(n.Elts) > 0 && isBytes(n.Elts[0])
		case *ast.SelectorExpr:
			if name, _, err := ast.LabelName(n.Sel); err == nil && name == "ByteSlice" {
				found = true
			}
		}
		return !found
	}, nil)
	return found
}

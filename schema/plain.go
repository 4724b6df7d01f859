package schema

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
)

// A user's files are mostly plain data: fields whose values are structs,
// lists and literals, nothing to resolve or compute. For such files the
// user's value is their syntax, merged: the JSON of it needs neither CUE's
// evaluated value nor its export, so Load builds it from the syntax. When
// the checks derived from the schema surely accept that JSON (see
// conforms), CUE does not evaluate the files at all; otherwise CUE
// evaluates and validates them, and only the export is skipped, only for a
// configuration CUE found valid (any diagnostic takes the export path, so
// that every message reads as before).
//
// A file is plain data when every declaration is a regular field (an
// identifier or a quoted label; no definitions, hidden, optional or
// required fields, aliases, embeddings, comprehensions or let clauses) and
// every value is a struct of such fields, a list of plain values, a string,
// a JSON number (an optional minus, no underscores, multipliers, or other
// bases), true, false or null. Bytes are not plain data, and a quoted label
// is read as CUE stores it, in Unicode's NFC.

// plainNode is a struct's fields, merged over every declaration, or a
// value's JSON.
type plainNode struct {
	fields map[string]*plainNode
	json   []byte
}

var jsonNumberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// plainJSON returns the JSON of the files' merged value, or false when a
// file is not plain data or two declarations of a path are not the same
// kind of value (left to CUE).
func plainJSON(files []*ast.File) ([]byte, bool) {
	root := &plainNode{fields: map[string]*plainNode{}}
	for _, f := range files {
		for _, decl := range f.Decls {
			switch decl.(type) {
			case *ast.Package:
				continue
			}
			if !root.addDecl(decl) {
				return nil, false
			}
		}
	}
	var b bytes.Buffer
	root.write(&b)
	return b.Bytes(), true
}

// addDecl merges one declaration of a struct into n.
func (n *plainNode) addDecl(decl ast.Decl) bool {
	f, ok := decl.(*ast.Field)
	if !ok || f.Constraint != token.ILLEGAL || len(f.Attrs) > 0 {
		return false
	}
	name, ok := plainLabel(f.Label)
	if !ok {
		return false
	}
	if s, ok := f.Value.(*ast.StructLit); ok {
		child := n.fields[name]
		if child == nil {
			child = &plainNode{fields: map[string]*plainNode{}}
			n.fields[name] = child
		} else if child.fields == nil {
			return false
		}
		for _, d := range s.Elts {
			if !child.addDecl(d) {
				return false
			}
		}
		return true
	}
	var b bytes.Buffer
	if !writePlainValue(&b, f.Value) {
		return false
	}
	if prev := n.fields[name]; prev != nil {
		// A leaf declared twice is the same value, or CUE reports the
		// conflict; either way the export decides.
		return prev.fields == nil && bytes.Equal(prev.json, b.Bytes())
	}
	n.fields[name] = &plainNode{json: b.Bytes()}
	return true
}

// plainLabel is a regular field's name.
func plainLabel(l ast.Label) (string, bool) {
	switch l := l.(type) {
	case *ast.Ident:
		if strings.HasPrefix(l.Name, "#") || strings.HasPrefix(l.Name, "_") {
			return "", false
		}
		return l.Name, true
	case *ast.BasicLit:
		if l.Kind != token.STRING {
			return "", false
		}
		return quotedLabel(l)
	}
	return "", false
}

// writePlainValue writes a value that is not a struct field's struct: a
// literal, or a list (whose structs are written whole, unmerged).
func writePlainValue(b *bytes.Buffer, x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.BasicLit:
		switch x.Kind {
		case token.STRING:
			s, err := literal.Unquote(x.Value)
			// '…', and #'…'# raw, are bytes; a string that is not UTF-8
			// would not survive JSON as it is.
			if err != nil || strings.HasPrefix(strings.TrimLeft(x.Value, "#"), "'") || !utf8.ValidString(s) {
				return false
			}
			data, err := json.Marshal(s)
			if err != nil {
				return false
			}
			b.Write(data)
		case token.INT, token.FLOAT:
			if !jsonNumberRE.MatchString(x.Value) {
				return false
			}
			b.WriteString(x.Value)
		case token.TRUE, token.FALSE, token.NULL:
			b.WriteString(x.Value)
		default:
			return false
		}
		return true
	case *ast.UnaryExpr:
		lit, ok := x.X.(*ast.BasicLit)
		if x.Op != token.SUB || !ok || (lit.Kind != token.INT && lit.Kind != token.FLOAT) || !jsonNumberRE.MatchString(lit.Value) {
			return false
		}
		b.WriteByte('-')
		b.WriteString(lit.Value)
		return true
	case *ast.ListLit:
		b.WriteByte('[')
		for i, e := range x.Elts {
			if i > 0 {
				b.WriteByte(',')
			}
			if !writePlainValue(b, e) {
				return false
			}
		}
		b.WriteByte(']')
		return true
	case *ast.StructLit:
		n := &plainNode{fields: map[string]*plainNode{}}
		for _, d := range x.Elts {
			if !n.addDecl(d) {
				return false
			}
		}
		n.write(b)
		return true
	}
	return false
}

// write writes n's JSON, fields in order of name.
func (n *plainNode) write(b *bytes.Buffer) {
	if n.fields == nil {
		b.Write(n.json)
		return
	}
	names := make([]string, 0, len(n.fields))
	for k := range n.fields {
		names = append(names, k)
	}
	sort.Strings(names)
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		data, _ := json.Marshal(k)
		b.Write(data)
		b.WriteByte(':')
		n.fields[k].write(b)
	}
	b.WriteByte('}')
}

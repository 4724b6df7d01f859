package schema

import (
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
	"golang.org/x/text/unicode/norm"

	"github.com/curator-dev/curator/model"
)

// positions maps configuration paths to where the user declared them: the
// label of the first field that declares the path, in file order. It is
// built in one walk over the parsed files, so positioning each of 10,000
// versions costs a map lookup instead of a walk of CUE's value tree.
//
// Only fields the walk can name statically are indexed (identifiers and
// quoted labels, through nested structs, embedded structs and
// conjunctions); a path declared through a reference or a comprehension is
// not, and is looked up in the evaluated value instead (see position).
type positions map[string]model.Pos

// pathKey joins labels into a positions key.
func pathKey(labels []string) string { return strings.Join(labels, "\x00") }

// indexPositions walks the files' syntax and records the first declaration
// of every statically named path.
func indexPositions(files []*ast.File) positions {
	idx := positions{}
	var walk func(prefix string, decls []ast.Decl)
	var walkExpr func(prefix string, x ast.Expr)
	walkExpr = func(prefix string, x ast.Expr) {
		switch x := x.(type) {
		case *ast.StructLit:
			walk(prefix, x.Elts)
		case *ast.ParenExpr:
			walkExpr(prefix, x.X)
		case *ast.BinaryExpr:
			// Both sides of a conjunction declare fields of the same value;
			// a disjunction's alternatives may not end up in it.
			if x.Op == token.AND {
				walkExpr(prefix, x.X)
				walkExpr(prefix, x.Y)
			}
		}
	}
	walk = func(prefix string, decls []ast.Decl) {
		for _, decl := range decls {
			switch d := decl.(type) {
			case *ast.Field:
				if d.Constraint != token.ILLEGAL {
					continue // a?: and a!: declare no data
				}
				name, ok := staticLabel(d.Label)
				if !ok {
					continue
				}
				key := name
				if prefix != "" {
					key = prefix + "\x00" + name
				}
				if _, seen := idx[key]; !seen {
					if p := d.Label.Pos(); p.IsValid() {
						idx[key] = toPos(p)
					}
				}
				walkExpr(key, d.Value)
			case *ast.EmbedDecl:
				walkExpr(prefix, d.Expr)
			}
		}
	}
	for _, f := range files {
		walk("", f.Decls)
	}
	return idx
}

// staticLabel returns the name of a regular field's label; definitions,
// hidden fields, patterns and interpolations have none.
func staticLabel(l ast.Label) (string, bool) {
	if a, ok := l.(*ast.Alias); ok {
		if l, ok = a.Expr.(ast.Label); !ok {
			return "", false
		}
	}
	switch l := l.(type) {
	case *ast.Ident:
		if strings.HasPrefix(l.Name, "#") || strings.HasPrefix(l.Name, "_") {
			return "", false
		}
		return l.Name, true
	case *ast.BasicLit:
		return quotedLabel(l)
	}
	return "", false
}

// quotedLabel is a quoted label's name as CUE stores it: in Unicode's NFC,
// so that two spellings of "é" name one field.
func quotedLabel(l *ast.BasicLit) (string, bool) {
	name, _, err := ast.LabelName(l)
	return norm.NFC.String(name), err == nil
}

// position returns the user's position of a configuration path: from the
// index when the path is declared literally, otherwise from the evaluated
// value (the deepest existing value along the path).
func position(idx positions, user cue.Value, labels []string) model.Pos {
	if p, ok := idx[pathKey(labels)]; ok {
		return p
	}
	return posOfPath(user, labels)
}

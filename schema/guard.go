package schema

import (
	"fmt"
	"sort"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
)

// MaxConfigBytes is the most configuration Load reads: far more than the
// service's limits let one subscription hold (10,000 versions per region
// are about 3 MB of CUE), and little enough to refuse at once.
const MaxConfigBytes = 64 << 20

// declared is what a configuration's files declare, counted from their
// syntax before CUE evaluates them: galleries, image definitions and image
// versions by name, and the region of each. Evaluation is the costly part
// of a load (minutes and gigabytes for an estate far beyond the service's
// limits), parsing is not.
//
// The count is sound, never more than evaluation would find: only fields
// written out as galleries: G: images: I: versions: V (in any form of
// nesting, across files) are counted, each name once. Where a gallery's or
// a version's region cannot be read from the syntax (a location that is
// not a string literal, a gallery without one, a value made of references
// or comprehensions), the region counts are unknown and nothing is refused
// here: the evaluated configuration is checked against the limits anyway.
type declared struct {
	galleryLoc map[string]string   // gallery → region, "" when not written
	images     map[string][]string // gallery → image definitions
	imageSeen  map[[2]string]bool
	versionLoc map[[3]string]string // gallery, image, version → region or ""
	unknown    bool                 // some region cannot be read from the syntax
}

func newDeclared() *declared {
	return &declared{
		galleryLoc: map[string]string{},
		images:     map[string][]string{},
		imageSeen:  map[[2]string]bool{},
		versionLoc: map[[3]string]string{},
	}
}

// file counts what one file declares.
func (d *declared) file(f *ast.File) {
	d.fields(f.Decls, func(name string, v ast.Expr) {
		if name == "galleries" {
			d.structs(v, d.galleries)
		}
	})
}

func (d *declared) galleries(decls []ast.Decl) {
	d.fields(decls, func(g string, v ast.Expr) {
		if _, ok := d.galleryLoc[g]; !ok {
			d.galleryLoc[g] = ""
		}
		d.structsOrUnknown(v, func(decls []ast.Decl) {
			d.fields(decls, func(name string, v ast.Expr) {
				switch name {
				case "location":
					d.location(v, func(region string) { d.galleryLoc[g] = region })
				case "images":
					d.structs(v, func(decls []ast.Decl) { d.images1(g, decls) })
				}
			})
		})
	})
}

func (d *declared) images1(g string, decls []ast.Decl) {
	d.fields(decls, func(img string, v ast.Expr) {
		if !d.imageSeen[[2]string{g, img}] {
			d.imageSeen[[2]string{g, img}] = true
			d.images[g] = append(d.images[g], img)
		}
		d.structs(v, func(decls []ast.Decl) {
			d.fields(decls, func(name string, v ast.Expr) {
				if name == "versions" {
					d.structs(v, func(decls []ast.Decl) { d.versions(g, img, decls) })
				}
			})
		})
	})
}

func (d *declared) versions(g, img string, decls []ast.Decl) {
	d.fields(decls, func(ver string, v ast.Expr) {
		key := [3]string{g, img, ver}
		if _, ok := d.versionLoc[key]; !ok {
			d.versionLoc[key] = ""
		}
		d.structsOrUnknown(v, func(decls []ast.Decl) {
			d.fields(decls, func(name string, v ast.Expr) {
				if name == "location" {
					d.location(v, func(region string) { d.versionLoc[key] = region })
				}
			})
		})
	})
}

// location reads a region written as a string literal.
func (d *declared) location(v ast.Expr, set func(string)) {
	if s, ok := stringLit(v); ok {
		set(model.NormalizeRegion(s))
		return
	}
	d.unknown = true
}

// fields calls f with the regular fields of decls whose label is a name
// (not a pattern, an interpolation, a definition or a hidden field), and
// walks the struct literals embedded in decls as part of it. A comprehension
// or any other declaration makes regions unknown: it may add fields.
func (d *declared) fields(decls []ast.Decl, f func(name string, v ast.Expr)) {
	for _, decl := range decls {
		switch x := decl.(type) {
		case *ast.Field:
			if x.Constraint == token.OPTION {
				continue
			}
			switch name, kind := labelName(x.Label); kind {
			case regularLabel:
				f(name, x.Value)
			case dynamicLabel:
				d.unknown = true // a pattern or an interpolation may add fields
			}
		case *ast.EmbedDecl:
			if !d.structs(x.Expr, func(decls []ast.Decl) { d.fields(decls, f) }) {
				d.unknown = true
			}
		case *ast.CommentGroup, *ast.Attribute, *ast.Package, *ast.ImportDecl:
		default:
			d.unknown = true
		}
	}
}

// structs calls f with the declarations of each struct literal v is made
// of (a literal, or literals unified with &), and reports whether v was
// made of struct literals only.
func (d *declared) structs(v ast.Expr, f func([]ast.Decl)) bool {
	switch x := v.(type) {
	case *ast.StructLit:
		f(x.Elts)
		return true
	case *ast.ParenExpr:
		return d.structs(x.X, f)
	case *ast.BinaryExpr:
		if x.Op == token.AND {
			left := d.structs(x.X, f)
			return d.structs(x.Y, f) && left
		}
	}
	return false
}

// structsOrUnknown is structs, for a gallery's or a version's value, whose
// location may come from anything that is not a struct literal.
func (d *declared) structsOrUnknown(v ast.Expr, f func([]ast.Decl)) {
	if !d.structs(v, f) {
		d.unknown = true
	}
}

type labelKind int

const (
	regularLabel labelKind = iota
	hiddenLabel            // a definition (#D) or a hidden field (_h): not configuration
	dynamicLabel           // a pattern ([string]) or an interpolation ("\(x)")
)

func labelName(l ast.Label) (string, labelKind) {
	switch x := l.(type) {
	case *ast.Ident:
		if strings.HasPrefix(x.Name, "#") || strings.HasPrefix(x.Name, "_") {
			return "", hiddenLabel
		}
		return x.Name, regularLabel
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			if s, ok := quotedLabel(x); ok {
				return s, regularLabel
			}
		}
	}
	return "", dynamicLabel
}

func stringLit(v ast.Expr) (string, bool) {
	lit, ok := v.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := literal.Unquote(lit.Value)
	return s, err == nil
}

// check refuses a configuration that declares more galleries, image
// definitions or image versions in a region than the service allows there.
func (d *declared) check() diag.Diagnostics {
	if d.unknown {
		return nil
	}
	galleries, definitions, versions := map[string]int{}, map[string]int{}, map[string]int{}
	for g, region := range d.galleryLoc {
		if region == "" {
			return nil // the schema reports the missing location
		}
		galleries[region]++
		definitions[region] += len(d.images[g])
	}
	for key, region := range d.versionLoc {
		if region == "" {
			region = d.galleryLoc[key[0]]
		}
		if region == "" {
			return nil // a version of a gallery not declared as one
		}
		versions[region]++
	}
	var diags diag.Diagnostics
	check := func(what string, counts map[string]int, limit int) {
		regions := make([]string, 0, len(counts))
		for r := range counts {
			regions = append(regions, r)
		}
		sort.Strings(regions)
		for _, region := range regions {
			if n := counts[region]; n > limit {
				diags = append(diags, diag.Diagnostic{Path: "galleries", Summary: fmt.Sprintf(
					"%d %s in region %s: the service allows at most %d per subscription and region (counted in the files before evaluating them; split the estate into configurations of several subscriptions)",
					n, what, region, limit)})
			}
		}
	}
	check("galleries", galleries, MaxGalleries)
	check("image definitions", definitions, MaxDefinitions)
	check("image versions", versions, MaxVersions)
	return diags
}

// Package sdkwalk lists the properties of the Azure SDK for Go's model
// types at their JSON paths in a resource body, each marked writable or
// read-only as the SDK documents it (the generator's READ-ONLY mark for
// the REST specification's readOnly). Tests use it as the checklist of
// what the service accepts; it imports no curator package.
package sdkwalk

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"time"
)

// Path is one leaf property of a model type.
type Path struct {
	// Path is the JSON path in the body, "[]" marking the elements of a
	// list of objects ("properties.publishingProfile.targetRegions[].name").
	Path     string
	ReadOnly bool
}

// ReadOnlyFields are the model fields a module's models.go documents
// READ-ONLY, keyed "Type.Field"; module is the SDK module's path
// (github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8),
// found through the go command in the module cache.
func ReadOnlyFields(module string) (map[string]bool, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	if err != nil {
		return nil, fmt.Errorf("locate %s: %w", module, err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(strings.TrimSpace(string(out)), "models.go"), nil, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	ro := map[string]bool{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, sp := range gd.Specs {
			ts, ok := sp.(*ast.TypeSpec)
			if !ok {
				continue
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, fld := range st.Fields.List {
				if fld.Doc != nil && strings.Contains(fld.Doc.Text(), "READ-ONLY") {
					for _, n := range fld.Names {
						ro[ts.Name.Name+"."+n.Name] = true
					}
				}
			}
		}
	}
	return ro, nil
}

var timeType = reflect.TypeOf(time.Time{})

// sample is a value of type t with every field filled.
func sample(t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(t.Elem()))
		v.Elem().Set(sample(t.Elem(), depth))
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int32, reflect.Int64, reflect.Int:
		v.SetInt(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(t, 1, 1))
		v.Index(0).Set(sample(t.Elem(), depth))
	case reflect.Map:
		v.Set(reflect.MakeMap(t))
		v.SetMapIndex(reflect.ValueOf("k"), sample(t.Elem(), depth))
	case reflect.Struct:
		if t == timeType {
			v.Set(reflect.ValueOf(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
			break
		}
		if depth > 8 {
			break
		}
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				v.Field(i).Set(sample(t.Field(i).Type, depth+1))
			}
		}
	}
	return v
}

// JSONName is the key the SDK's MarshalJSON writes for field i of struct
// type t: the struct marshalled with only that field set.
func JSONName(t reflect.Type, i int) string {
	v := reflect.New(t)
	v.Elem().Field(i).Set(sample(t.Field(i).Type, 0))
	data, err := json.Marshal(v.Interface())
	if err != nil {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || len(m) != 1 {
		return ""
	}
	for k := range m {
		return k
	}
	return ""
}

// Walk lists every leaf property of SDK struct type t, read-only as ro
// (ReadOnlyFields) says; a property under a read-only one is read-only.
func Walk(t reflect.Type, ro map[string]bool) []Path {
	var out []Path
	walk(t, "", ro, false, map[reflect.Type]bool{}, &out)
	return out
}

func walk(t reflect.Type, prefix string, ro map[string]bool, inRO bool, seen map[reflect.Type]bool, out *[]Path) {
	if seen[t] {
		return
	}
	seen[t] = true
	defer delete(seen, t)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := JSONName(t, i)
		if name == "" {
			continue
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		readOnly := inRO || ro[t.Name()+"."+f.Name]
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			// A list of objects is walked element-wise; a list of
			// scalars is one property.
			if ft.Kind() == reflect.Struct && ft != timeType {
				path += "[]"
			}
		}
		if ft.Kind() == reflect.Struct && ft != timeType {
			walk(ft, path, ro, readOnly, seen, out)
			continue
		}
		*out = append(*out, Path{Path: path, ReadOnly: readOnly})
	}
}

// TypeAt is the SDK type of the field at a body path of root (pointers
// and slices taken off; a map's key segment is its value), nil when the
// path is not in the model.
func TypeAt(root reflect.Type, path string) reflect.Type {
	t := root
	for _, part := range strings.Split(path, ".") {
		part = strings.TrimSuffix(part, "[]")
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() == reflect.Map {
			t = t.Elem()
			continue
		}
		if t.Kind() != reflect.Struct || t == timeType {
			return nil
		}
		found := false
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() && JSONName(t, i) == part {
				t, found = t.Field(i).Type, true
				break
			}
		}
		if !found {
			return nil
		}
	}
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t
}

// Covered reports whether path is one of paths or under one of them.
func Covered(path string, paths map[string]bool) bool {
	for p := path; ; {
		if paths[p] || paths[strings.TrimSuffix(p, "[]")] {
			return true
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

// Leaf is one scalar of a JSON request body at its path (as Path's, with
// the keys of the top-level tags map written "*").
type Leaf struct {
	Path string
	// Kind is "string", "number", "bool", or "object" / "array" for an
	// empty one.
	Kind  string
	Value any
}

// Leaves lists a decoded JSON body's scalars.
func Leaves(body any) []Leaf {
	var out []Leaf
	leaves(body, "", false, &out)
	return out
}

func leaves(v any, path string, mapKeys bool, out *[]Leaf) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			*out = append(*out, Leaf{path, "object", nil})
		}
		for k, e := range x {
			if mapKeys {
				k = "*"
			}
			leaves(e, join(k), k == "tags" && path == "", out)
		}
	case []any:
		if len(x) == 0 {
			*out = append(*out, Leaf{path, "array", nil})
		}
		for _, e := range x {
			leaves(e, path+"[]", false, out)
		}
	case string:
		*out = append(*out, Leaf{path, "string", x})
	case float64, json.Number:
		*out = append(*out, Leaf{path, "number", x})
	case bool:
		*out = append(*out, Leaf{path, "bool", x})
	}
}

// RequestKind is the kind of resource a request path addresses: "gallery",
// "share" (a gallery's sharing-profile POST), "image", "version" or
// "roleAssignment"; "" for anything else.
func RequestKind(path string) string {
	l := strings.ToLower(path)
	if strings.Contains(l, "/providers/microsoft.authorization/roleassignments/") {
		return "roleAssignment"
	}
	_, rest, ok := strings.Cut(l, "/providers/microsoft.compute/galleries/")
	if !ok {
		return ""
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case len(parts) == 1:
		return "gallery"
	case len(parts) == 2 && parts[1] == "share":
		return "share"
	case len(parts) == 3 && parts[1] == "images":
		return "image"
	case len(parts) == 5 && parts[3] == "versions":
		return "version"
	}
	return ""
}

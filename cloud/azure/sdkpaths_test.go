package azure_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/curator-dev/curator/model"
)

// sdkPath is one property of an SDK model type, at its JSON path in the
// resource body ("properties.publishingProfile.targetRegions[].name").
type sdkPath struct {
	path     string
	readOnly bool
}

// readOnlyFields are the SDK's model fields documented "READ-ONLY" (the
// generator's mark for the REST specification's readOnly), keyed
// "Type.Field", read from the SDK's own source.
func readOnlyFields(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8").Output()
	if err != nil {
		t.Fatalf("locate armcompute: %v", err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(strings.TrimSpace(string(out)), "models.go"), nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
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
	return ro
}

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
		if t == reflect.TypeOf(time.Time{}) {
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

// jsonName is the key the SDK's MarshalJSON writes for field i of struct
// type t: the struct marshalled with only that field set.
func jsonName(t reflect.Type, i int) string {
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

// walk lists every leaf property of SDK struct type t under prefix.
func walk(t reflect.Type, prefix string, ro map[string]bool, inRO bool, seen map[reflect.Type]bool, out *[]sdkPath) {
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
		name := jsonName(t, i)
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
			if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(time.Time{}) {
				path += "[]"
			}
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(time.Time{}) {
			walk(ft, path, ro, readOnly, seen, out)
			continue
		}
		*out = append(*out, sdkPath{path: path, readOnly: readOnly})
	}
}

// covered reports whether path is one of paths or under one of them.
func covered(path string, paths map[string]bool) bool {
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

// TestSDKPathsAreMappedOrListed walks the SDK's model of galleries,
// gallery images and gallery image versions (armcompute v8, every type
// under them) and fails when a writable property is neither an ARM path of
// the model's property tables nor in model.Unsupported — the issue's
// checklist — and when a table names a path the SDK does not have.
// Read-only properties are those the SDK documents READ-ONLY.
func TestSDKPathsAreMappedOrListed(t *testing.T) {
	ro := readOnlyFields(t)
	roots := []struct {
		kind  string
		typ   reflect.Type
		table []model.Property
	}{
		{"gallery", reflect.TypeOf(armcompute.Gallery{}), model.GalleryProperties},
		{"image", reflect.TypeOf(armcompute.GalleryImage{}), model.ImageProperties},
		{"version", reflect.TypeOf(armcompute.GalleryImageVersion{}), model.VersionProperties},
	}
	unsupported := map[string]bool{}
	for p := range model.Unsupported {
		unsupported[p] = true
	}
	for _, r := range roots {
		var paths []sdkPath
		walk(r.typ, "", ro, false, map[reflect.Type]bool{}, &paths)
		if len(paths) < 5 {
			t.Fatalf("%s: only %d paths found; the walk is broken", r.kind, len(paths))
		}
		mapped := map[string]bool{}
		for a := range model.SetByCurator[r.kind] {
			mapped[a] = true
		}
		for _, p := range r.table {
			for _, a := range p.ARM {
				mapped[a] = true
			}
		}
		all := map[string]bool{}
		var missing []string
		for _, p := range paths {
			all[p.path] = true
			if p.readOnly || covered(p.path, mapped) || covered(p.path, unsupported) {
				continue
			}
			missing = append(missing, p.path)
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("%s: writable SDK property %s is neither in model.%sProperties nor in model.Unsupported", r.kind, m, strings.ToUpper(r.kind[:1])+r.kind[1:])
		}
		for a := range mapped {
			found := false
			for p := range all {
				if p == a || strings.HasPrefix(p, a+".") {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("%s: the property table names %s, which the SDK's model does not have", r.kind, a)
			}
		}
	}
}

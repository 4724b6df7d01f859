// Command specgen derives, from the REST specification of Azure Compute
// Gallery (Azure/azure-rest-api-specs, GalleryRP), which properties and
// enum values each api-version of galleries, image definitions and image
// versions has, and writes them as a Go table for the emulator
// (cloud/emulator/apiversions_gen.go).
//
// It reads every api-version folder under
//
//	SPECS/specification/compute/resource-manager/Microsoft.Compute/GalleryRP/stable/
//
// of a checkout of the specification (a sparse checkout of that folder
// and of .../Microsoft.Compute/common-types is enough): in each, the
// definitions Gallery, GalleryImage and GalleryImageVersion, with every
// $ref followed (within a file, to the folder's other files, to the
// compute common types) and allOf merged, down to the leaves. A property
// is a JSON path under "properties" (arrays as "[]"); a version has it
// when its definitions reach it. Paths through a reference that is not in
// the checkout stop there (the value is kept whole). Older folders hold
// gallery.json (+ galleryRPCommon.json, common.json), newer ones
// GalleryRP.json; both are read the same way.
//
// Run it from cloud/emulator with the checkout's path:
//
//	AZURE_REST_API_SPECS=/path/to/azure-rest-api-specs go generate ./cloud/emulator
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

const galleryRP = "specification/compute/resource-manager/Microsoft.Compute/GalleryRP/stable"

// roots are the resource definitions, by the emulator's name for the type.
var roots = []struct{ typ, def string }{
	{"galleries", "Gallery"},
	{"images", "GalleryImage"},
	{"versions", "GalleryImageVersion"},
}

var versionDir = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func main() {
	specs := flag.String("specs", "", "path of a checkout of Azure/azure-rest-api-specs")
	out := flag.String("out", "apiversions_gen.go", "Go file to write")
	commit := flag.String("commit", "", "the checkout's commit(s), recorded in the table's header")
	flag.Parse()
	if *specs == "" {
		fmt.Fprintln(os.Stderr, "specgen: -specs is empty: set AZURE_REST_API_SPECS to a checkout of github.com/Azure/azure-rest-api-specs (a sparse checkout of "+galleryRP+" and specification/compute/resource-manager/Microsoft.Compute/common-types is enough)")
		os.Exit(2)
	}
	if *commit == "" {
		// A git checkout names its own commit.
		if out, err := exec.Command("git", "-C", *specs, "rev-parse", "HEAD").Output(); err == nil {
			*commit = "github.com/Azure/azure-rest-api-specs at " + strings.TrimSpace(string(out))
		}
	}
	src, err := generate(*specs, *commit)
	if err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
}

// spec is one api-version's paths and enum values, per resource type.
type spec struct {
	paths map[string]map[string]bool            // type → path → present
	enums map[string]map[string]map[string]bool // type → path → value
}

func generate(root, commit string) ([]byte, error) {
	dir := filepath.Join(root, galleryRP)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read the GalleryRP folder of the specification: %w", err)
	}
	var versions []string
	specs := map[string]*spec{}
	for _, e := range entries {
		if !e.IsDir() || !versionDir.MatchString(e.Name()) {
			continue
		}
		s, err := readVersion(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		versions = append(versions, e.Name())
		specs[e.Name()] = s
	}
	if len(versions) == 0 {
		return nil, fmt.Errorf("no api-version folders in %s", dir)
	}
	sort.Strings(versions)
	return render(versions, specs, commit)
}

// loader reads and caches the specification's files.
type loader struct{ files map[string]map[string]any }

func (l *loader) file(path string) (map[string]any, error) {
	if f, ok := l.files[path]; ok {
		return f, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		l.files[path] = nil
		return nil, err
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	l.files[path] = f
	return f, nil
}

func readVersion(dir string) (*spec, error) {
	l := &loader{files: map[string]map[string]any{}}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	s := &spec{paths: map[string]map[string]bool{}, enums: map[string]map[string]map[string]bool{}}
	for _, r := range roots {
		var file string
		for _, n := range names {
			f, err := l.file(n)
			if err != nil {
				return nil, err
			}
			if defs, _ := f["definitions"].(map[string]any); defs[r.def] != nil {
				file = n
				break
			}
		}
		if file == "" {
			continue // the type is not in this version (none is missing today)
		}
		w := &walker{l: l, paths: map[string]bool{}, enums: map[string]map[string]bool{}}
		if err := w.walk(file, map[string]any{"$ref": "#/definitions/" + r.def}, "", nil); err != nil {
			return nil, err
		}
		s.paths[r.typ] = w.paths
		s.enums[r.typ] = w.enums
	}
	return s, nil
}

type walker struct {
	l     *loader
	paths map[string]bool
	enums map[string]map[string]bool
}

// resolve follows a schema's $ref: the file it is in and the schema.
// ok is false when the reference leads outside the checkout.
func (w *walker) resolve(file string, schema map[string]any) (string, map[string]any, string, bool, error) {
	ref, _ := schema["$ref"].(string)
	if ref == "" {
		return file, schema, "", true, nil
	}
	target, frag, _ := strings.Cut(ref, "#")
	if target != "" {
		file = filepath.Join(filepath.Dir(file), target)
	}
	f, err := w.l.file(file)
	if errors.Is(err, os.ErrNotExist) {
		return file, nil, "", false, nil
	}
	if err != nil {
		return "", nil, "", false, err
	}
	var node any = f
	for _, part := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		m, _ := node.(map[string]any)
		node = m[part]
	}
	m, ok := node.(map[string]any)
	if !ok {
		return "", nil, "", false, fmt.Errorf("%s: reference %q leads nowhere", file, ref)
	}
	// Nested references (a definition that is only a $ref).
	key := file + "#" + frag
	f2, m2, k2, ok2, err := w.resolve(file, m)
	if k2 != "" {
		key = k2
	}
	return f2, m2, key, ok2, err
}

// walk records the paths below schema, prefixed by path. stack holds the
// definitions being walked (a recursive definition stops there).
func (w *walker) walk(file string, schema map[string]any, path string, stack []string) error {
	file, schema, key, ok, err := w.resolve(file, schema)
	if err != nil || !ok {
		return err
	}
	if key != "" {
		for _, k := range stack {
			if k == key {
				return nil
			}
		}
		stack = append(stack, key)
	}
	if vals, ok := schema["enum"].([]any); ok && path != "" {
		set := w.enums[path]
		if set == nil {
			set = map[string]bool{}
			w.enums[path] = set
		}
		for _, v := range vals {
			if s, ok := v.(string); ok {
				set[s] = true
			}
		}
	}
	if all, ok := schema["allOf"].([]any); ok {
		for _, a := range all {
			if m, ok := a.(map[string]any); ok {
				if err := w.walk(file, m, path, stack); err != nil {
					return err
				}
			}
		}
	}
	if items, ok := schema["items"].(map[string]any); ok {
		p := path + "[]"
		w.paths[p] = true
		if err := w.walk(file, items, p, stack); err != nil {
			return err
		}
	}
	props, _ := schema["properties"].(map[string]any)
	for name, sub := range props {
		m, ok := sub.(map[string]any)
		if !ok {
			continue
		}
		p := name
		if path != "" {
			p = path + "." + name
		}
		if p != "properties" && !strings.HasPrefix(p, "properties.") {
			continue // only the properties differ between versions
		}
		w.paths[p] = true
		if err := w.walk(file, m, p, stack); err != nil {
			return err
		}
	}
	return nil
}

// span is the versions a path or value is in: from since to until
// (inclusive; until "" = still in the newest version read).
type span struct{ since, until string }

func spans(versions []string, has func(v string) bool) (span, []string, bool) {
	var s span
	var gaps []string
	seen, ended := false, false
	for _, v := range versions {
		switch {
		case has(v) && !seen:
			s.since, seen = v, true
		case has(v) && ended:
			gaps = append(gaps, v)
		case !has(v) && seen && !ended:
			ended = true
		}
		if has(v) {
			s.until = v
		}
	}
	if s.until == versions[len(versions)-1] {
		s.until = ""
	}
	return s, gaps, seen
}

func render(versions []string, specs map[string]*spec, commit string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `// Code generated by cloud/emulator/internal/specgen; DO NOT EDIT.

// The properties and enum values of each api-version of galleries, image
// definitions and image versions, derived from the REST specification of
// Azure Compute Gallery (github.com/Azure/azure-rest-api-specs,
// %s/<api-version>/*.json) by
// cloud/emulator/internal/specgen: every path the definitions Gallery,
// GalleryImage and GalleryImageVersion reach under "properties", with the
// first and (when it was dropped) last api-version that has it.
//
// Re-run with a checkout of the specification:
//
//	AZURE_REST_API_SPECS=/path/to/azure-rest-api-specs go generate ./cloud/emulator
//
// Versions read: %s.
// Checkout: %s.

package emulator

// specVersions are the api-versions the table was derived from, oldest
// first.
var specVersions = []string{%s}

`, galleryRP, strings.Join(versions, ", "), orNone(commit), quoteList(versions))
	b.WriteString("// specPaths: resource type → property path → the versions that have it.\n")
	b.WriteString("var specPaths = map[string]map[string]specSpan{\n")
	for _, r := range roots {
		all := union(versions, func(v string) map[string]bool { return specs[v].paths[r.typ] })
		fmt.Fprintf(&b, "\t%q: {\n", r.typ)
		for _, p := range slices.Sorted(maps.Keys(all)) {
			s, gaps, _ := spans(versions, func(v string) bool { return specs[v].paths[r.typ][p] })
			if len(gaps) > 0 {
				return nil, fmt.Errorf("%s %s: dropped and added again (%v); the table has no form for that", r.typ, p, gaps)
			}
			fmt.Fprintf(&b, "\t\t%q: {%q, %q},\n", p, s.since, s.until)
		}
		b.WriteString("\t},\n")
	}
	b.WriteString("}\n\n")
	b.WriteString("// specEnums: resource type → property path → enum value → the versions that have it.\n")
	b.WriteString("var specEnums = map[string]map[string]map[string]specSpan{\n")
	for _, r := range roots {
		paths := union(versions, func(v string) map[string]map[string]bool { return specs[v].enums[r.typ] })
		fmt.Fprintf(&b, "\t%q: {\n", r.typ)
		for _, p := range slices.Sorted(maps.Keys(paths)) {
			vals := union(versions, func(v string) map[string]bool { return specs[v].enums[r.typ][p] })
			fmt.Fprintf(&b, "\t\t%q: {", p)
			for _, e := range slices.Sorted(maps.Keys(vals)) {
				s, gaps, _ := spans(versions, func(v string) bool { return specs[v].enums[r.typ][p][e] })
				if len(gaps) > 0 {
					return nil, fmt.Errorf("%s %s = %s: dropped and added again (%v); the table has no form for that", r.typ, p, e, gaps)
				}
				fmt.Fprintf(&b, "%q: {%q, %q}, ", e, s.since, s.until)
			}
			b.WriteString("},\n")
		}
		b.WriteString("\t},\n")
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

// union is the keys of get(v) over every version.
func union[T any](versions []string, get func(v string) map[string]T) map[string]bool {
	out := map[string]bool{}
	for _, v := range versions {
		for k := range get(v) {
			out[k] = true
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

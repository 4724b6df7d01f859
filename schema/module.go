package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
)

// A configuration may live in a CUE module (a folder with
// cue.mod/module.cue) and import the module's own packages: shared region
// sets, replication policies, naming. curator resolves those imports from
// the module's files as the source read them, never from a registry: a
// dependency declared in module.cue is reported, and an import of a
// package outside the module is an error that says so.
//
// This file holds that resolution, apart from the loader's evaluation
// (load.go): the module file, the loader of imported packages, the
// packages a configuration depends on, and the configurations of a
// repository.

// ModuleFile is where a CUE module is declared, relative to its root.
const ModuleFile = "cue.mod/module.cue"

// Module is a CUE module holding a configuration.
type Module struct {
	// FS holds the module's files, paths relative to its root:
	// ModuleFile and the .cue files of its folders.
	FS fs.FS
	// Dir is the configuration's folder, slash-separated and relative
	// to the module's root ("." for the root itself).
	Dir string
}

// moduleFilePrefix names an imported package's files in CUE's positions;
// toPos turns it back into the file's path in the module ("lib/regions.cue").
const moduleFilePrefix = "/curator-module/"

// LoadModule loads the configuration in folder m.Dir of the module: as
// Load, with the module's own packages importable.
func LoadModule(m Module) (*model.State, diag.Diagnostics) {
	dir := cleanDir(m.Dir)
	sub, err := subFS(m.FS, dir)
	if err != nil {
		return nil, diag.Diagnostics{{Summary: fmt.Sprintf("configuration folder %s of the module: %v", dir, err)}}
	}
	return builtinSchema().loadWith(sub, &m, viaFast)
}

func cleanDir(dir string) string {
	dir = path.Clean(strings.Trim(dir, "/"))
	if dir == "" {
		return "."
	}
	return dir
}

func subFS(fsys fs.FS, dir string) (fs.FS, error) {
	if dir == "." {
		return fsys, nil
	}
	return fs.Sub(fsys, dir)
}

// moduleInfo is what cue.mod/module.cue declares.
type moduleInfo struct {
	// path is the module path without its major version ("example.com/images").
	path string
	// deps are the dependencies declared, which curator does not fetch.
	deps []string
}

// readModuleFile reads and checks cue.mod/module.cue.
func readModuleFile(fsys fs.FS) (moduleInfo, diag.Diagnostics) {
	pos := model.Pos{File: ModuleFile, Line: 1, Col: 1}
	data, err := fs.ReadFile(fsys, ModuleFile)
	if err != nil {
		return moduleInfo{}, diag.Diagnostics{{Pos: pos, Summary: fmt.Sprintf("read the module file: %v", err)}}
	}
	v := cuecontext.New().CompileBytes(data, cue.Filename(moduleFilePrefix+ModuleFile))
	if err := v.Err(); err != nil {
		return moduleInfo{}, fromCUE(err, cue.Value{})
	}
	mv := v.LookupPath(cue.ParsePath("module"))
	modPath, err := mv.String()
	if err != nil || modPath == "" {
		return moduleInfo{}, diag.Diagnostics{{Pos: pos, Path: "module", Summary: `the module file declares no module path: write module: "example.com/images" (the prefix of the module's import paths)`}}
	}
	modPath, _, _ = strings.Cut(modPath, "@") // the major version is not part of imports
	info := moduleInfo{path: modPath}
	if deps := v.LookupPath(cue.ParsePath("deps")); deps.Exists() {
		it, err := deps.Fields()
		if err == nil {
			for it.Next() {
				info.deps = append(info.deps, it.Selector().Unquoted())
			}
		}
	}
	var diags diag.Diagnostics
	if len(info.deps) > 0 {
		sort.Strings(info.deps)
		diags = append(diags, diag.Diagnostic{Severity: diag.Warning, Pos: pos, Path: "deps", Summary: fmt.Sprintf(
			"the module declares dependencies (%s): curator reads only the module's own packages and fetches nothing from a registry, so importing a package of a dependency is an error",
			strings.Join(info.deps, ", "))})
	}
	return info, diags
}

// moduleLoader resolves a configuration's imports to the module's own
// packages: the build.LoadFunc of the configuration's instance and of
// every package it imports.
type moduleLoader struct {
	fsys fs.FS
	info moduleInfo
	ctx  *build.Context
	// loading holds the packages being loaded, to report an import cycle.
	loading map[string]bool
	// diags are the problems of imported files the loader found itself
	// (syntax errors, wrong packages), positioned in those files.
	diags diag.Diagnostics
	// files are the module files the configuration's imports read.
	files []string
}

func newModuleLoader(fsys fs.FS, info moduleInfo) *moduleLoader {
	l := &moduleLoader{fsys: fsys, info: info, loading: map[string]bool{}}
	l.ctx = build.NewContext(build.Loader(l.load))
	return l
}

// configModules builds the configuration's instance: with a module, one
// whose imports the module loader resolves.
type configModules struct {
	loader *moduleLoader // nil without a module
}

// newConfigInstance reads the module file of mod (nil: no module).
func newConfigInstance(mod *Module) (*configModules, diag.Diagnostics) {
	if mod == nil {
		return &configModules{}, nil
	}
	info, diags := readModuleFile(mod.FS)
	if diags.HasErrors() {
		return nil, diags
	}
	return &configModules{loader: newModuleLoader(mod.FS, info)}, diags
}

// instance is a new instance for the configuration's files.
func (c *configModules) instance() *build.Instance {
	if c.loader == nil {
		return build.NewContext().NewInstance(configDir, nil)
	}
	return c.loader.ctx.NewInstance(configDir, nil)
}

// importErrors adds the problems the loader found in imported files to the
// evaluation's diagnostics: a file that does not parse is reported at its
// line, not only as the import that failed.
func (c *configModules) importErrors(diags diag.Diagnostics) diag.Diagnostics {
	if c.loader == nil || len(c.loader.diags) == 0 {
		return diags
	}
	out := append(diag.Diagnostics(nil), c.loader.diags...)
	for _, d := range diags {
		if d.Summary != "import failed" { // said better by the loader
			out = append(out, d)
		}
	}
	return out
}

// isStdlib reports whether an import names CUE's standard library
// ("strings", "list", "net"): its first element has no dot.
func isStdlib(importPath string) bool {
	first, _, _ := strings.Cut(importPath, "/")
	return !strings.Contains(first, ".")
}

// resolve maps an import path to a folder of the module and a package
// name, or says why it is not a package of the module.
func (l *moduleLoader) resolve(importPath string) (dir, pkg string, err error) {
	p, qualifier, _ := strings.Cut(importPath, ":")
	rest, ok := strings.CutPrefix(p, l.info.path)
	if at, after, found := strings.Cut(p, "@"); found && !ok {
		// example.com/images@v0/lib
		if _, sub, _ := strings.Cut(after, "/"); at == l.info.path {
			rest, ok = "/"+sub, true
		}
	}
	if !ok || rest != "" && !strings.HasPrefix(rest, "/") {
		return "", "", fmt.Errorf("package %q is not in module %s: curator reads only the module's own packages and fetches nothing from a registry; copy what it needs into the module", importPath, l.info.path)
	}
	dir = cleanDir(rest)
	if dir == ".." || strings.HasPrefix(dir, "../") || dir == "cue.mod" || strings.HasPrefix(dir, "cue.mod/") {
		return "", "", fmt.Errorf("package %q: not a folder of module %s", importPath, l.info.path)
	}
	pkg = qualifier
	if pkg == "" {
		pkg = path.Base(p)
		if dir == "." {
			pkg = path.Base(l.info.path)
		}
	}
	return dir, pkg, nil
}

// load is the build.LoadFunc: the instance of the imported package, its
// own imports resolved the same way. Standard library packages are left
// to CUE (nil).
func (l *moduleLoader) load(pos token.Pos, importPath string) *build.Instance {
	if isStdlib(importPath) {
		return nil
	}
	dir, pkg, err := l.resolve(importPath)
	inst := l.ctx.NewInstance(moduleFilePrefix+dir, nil)
	inst.ImportPath = importPath
	inst.PkgName = pkg
	if err != nil {
		return l.fail(inst, pos, err.Error())
	}
	if l.loading[importPath] {
		return l.fail(inst, pos, fmt.Sprintf("import cycle: package %q imports itself", importPath))
	}
	l.loading[importPath] = true
	defer delete(l.loading, importPath)
	files, err := l.packageFiles(dir, pkg)
	if err != nil {
		return l.fail(inst, pos, fmt.Sprintf("import %q: %v", importPath, err))
	}
	for _, f := range files {
		if err := inst.AddSyntax(f); err != nil {
			inst.Err = cueerrors.Append(inst.Err, err)
		}
	}
	if inst.Err == nil {
		_ = inst.Complete()
	}
	return inst
}

// fail marks the import at pos failed, and says why at that position (CUE
// reports only that an import failed).
func (l *moduleLoader) fail(inst *build.Instance, pos token.Pos, msg string) *build.Instance {
	l.diags = append(l.diags, diag.Diagnostic{Pos: toPos(pos), Summary: msg})
	inst.Err = cueerrors.Newf(pos, "%s", msg)
	return inst
}

// packageFiles parses the files of package pkg in folder dir of the module.
// Syntax errors are the loader's own diagnostics, at their file and line.
func (l *moduleLoader) packageFiles(dir, pkg string) ([]*ast.File, error) {
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("no folder %s in the module", dir)
	}
	var files []*ast.File
	broken := false
	for _, e := range entries {
		if e.IsDir() || !isModuleCUEFile(e.Name()) {
			continue
		}
		name := path.Join(dir, e.Name())
		data, err := fs.ReadFile(l.fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %v", name, err)
		}
		f, err := parser.ParseFile(moduleFilePrefix+name, data)
		if err != nil {
			l.diags = append(l.diags, fromCUE(err, cue.Value{})...)
			broken = true
			continue
		}
		if f.PackageName() != pkg {
			continue // another package in the same folder
		}
		l.files = append(l.files, name)
		files = append(files, f)
	}
	if broken {
		return nil, errors.New("its files do not parse (reported at their lines)")
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("folder %s of the module holds no files of package %s", dir, pkg)
	}
	return files, nil
}

// isModuleCUEFile reports whether a file of a module folder is read: .cue
// files, never `_tool.cue` command files or hidden files.
func isModuleCUEFile(name string) bool {
	return path.Ext(name) == ".cue" && !strings.HasSuffix(name, "_tool.cue") && !strings.HasPrefix(name, ".")
}

// ModuleDeps returns the folders of the module (slash paths relative to
// its root) whose files the configuration in m.Dir depends on: m.Dir
// itself, the module file, and the folder of every package it imports,
// transitively. It parses import declarations only, so it is cheap enough
// to decide which configurations a change touches. An import it cannot
// resolve is left out (loading the configuration reports it).
func ModuleDeps(m Module) ([]string, diag.Diagnostics) {
	info, diags := readModuleFile(m.FS)
	if diags.HasErrors() {
		return nil, diags
	}
	l := &moduleLoader{fsys: m.FS, info: info}
	seen := map[string]bool{}
	var visit func(dir, pkg string)
	visit = func(dir, pkg string) {
		key := dir + ":" + pkg
		if seen[key] {
			return
		}
		seen[key] = true
		entries, err := fs.ReadDir(m.FS, dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.IsDir() || !isModuleCUEFile(e.Name()) {
				continue
			}
			data, err := fs.ReadFile(m.FS, path.Join(dir, e.Name()))
			if err != nil {
				continue
			}
			f, err := parser.ParseFile(e.Name(), data, parser.ImportsOnly)
			if err != nil || pkg != "" && f.PackageName() != pkg {
				continue
			}
			for spec := range f.ImportSpecs() {
				p, err := literal.Unquote(spec.Path.Value)
				if err != nil || isStdlib(p) {
					continue
				}
				if d, q, err := l.resolve(p); err == nil {
					visit(d, q)
				}
			}
		}
	}
	dir := cleanDir(m.Dir)
	visit(dir, packageName)
	folders := map[string]bool{"cue.mod": true}
	for key := range seen {
		d, _, _ := strings.Cut(key, ":")
		folders[d] = true
	}
	out := make([]string, 0, len(folders))
	for d := range folders {
		out = append(out, d)
	}
	sort.Strings(out)
	return out, diags
}

// IsConfigFolder reports whether the folder dir of fsys holds a
// configuration: a .cue file (not a `_tool.cue` or hidden one) whose package
// clause is `package curator`. Only package clauses are parsed.
func IsConfigFolder(fsys fs.FS, dir string) bool {
	entries, err := fs.ReadDir(fsys, cleanDir(dir))
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.IsDir() || !isModuleCUEFile(e.Name()) {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(cleanDir(dir), e.Name()))
		if err != nil {
			continue
		}
		f, err := parser.ParseFile(e.Name(), data, parser.PackageClauseOnly)
		if err == nil && f.PackageName() == packageName {
			return true
		}
	}
	return false
}

// SkipRepositoryFolder reports whether a folder of a repository is never
// searched for configurations: hidden folders (.git, .github), folders
// whose names start with '_' (the way to set one aside), testdata and
// cue.mod.
func SkipRepositoryFolder(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "cue.mod"
}

// FindConfigurations returns the configuration folders at or below root
// in fsys (slash paths relative to fsys's root, sorted): every folder that
// holds a `package curator` file, except in folders SkipRepositoryFolder
// leaves out.
func FindConfigurations(fsys fs.FS, root string) ([]string, error) {
	root = cleanDir(root)
	var found []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && SkipRepositoryFolder(d.Name()) {
			return fs.SkipDir
		}
		if IsConfigFolder(fsys, p) {
			found = append(found, p)
		}
		return nil
	})
	return found, err
}

// PackageFolder describes a folder of a CUE module that holds a package
// of the module rather than a configuration: the package's name and the
// module's configurations (folders, sorted) that import it, directly or
// through other packages. ok is false when the folder holds a
// `package curator` file or no .cue file, or when its files are not all of
// one package. Only package clauses and imports are parsed.
func PackageFolder(fsys fs.FS, dir string) (pkg string, importers []string, ok bool) {
	dir = cleanDir(dir)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return "", nil, false
	}
	for _, e := range entries {
		if e.IsDir() || !isModuleCUEFile(e.Name()) {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return "", nil, false
		}
		f, err := parser.ParseFile(e.Name(), data, parser.PackageClauseOnly)
		if err != nil {
			return "", nil, false
		}
		name := f.PackageName()
		if name == "" || name == packageName || pkg != "" && name != pkg {
			return "", nil, false
		}
		pkg = name
	}
	if pkg == "" {
		return "", nil, false
	}
	configs, err := FindConfigurations(fsys, ".")
	if err != nil {
		return pkg, nil, true
	}
	for _, c := range configs {
		deps, _ := ModuleDeps(Module{FS: fsys, Dir: c})
		if slices.Contains(deps, dir) {
			importers = append(importers, c)
		}
	}
	return pkg, importers, true
}

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"

	"github.com/curator-dev/curator/schema"
)

// cueExport is the configuration side's reference: what `cue export` of
// the configuration's files and curator's embedded schema does, with
// cuelang.org/go's own API and its defaults (no cue binary needed): parse
// every file, build one instance of package curator whose root is #Config
// (a file holding only `#Config` embeds it), evaluate it, require every
// value concrete, and write the JSON. Run in a process of its own
// (curator-bench -cue-export DIR), so that its wall time and peak memory
// compare with a cold curator plan's.
func cueExport(dir string, out io.Writer) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	inst := build.NewContext().NewInstance(dir, nil)
	add := func(name string, src []byte) error {
		f, err := parser.ParseFile(name, src, parser.ParseComments)
		if err != nil {
			return err
		}
		return inst.AddSyntax(f)
	}
	if err := add("curator.schema.cue", schema.SchemaSource()); err != nil {
		return err
	}
	if err := add("curator.root.cue", []byte("package curator\n\n#Config\n")); err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".cue" || strings.HasSuffix(e.Name(), "_tool.cue") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		if err := add(e.Name(), data); err != nil {
			return err
		}
	}
	v := cuecontext.New().BuildInstance(inst)
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return fmt.Errorf("cue export: %w", err)
	}
	data, err := v.MarshalJSON()
	if err != nil {
		return fmt.Errorf("cue export: %w", err)
	}
	_, err = out.Write(data)
	return err
}

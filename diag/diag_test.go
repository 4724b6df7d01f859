package diag_test

import (
	"testing"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
)

func TestRendering(t *testing.T) {
	tests := []struct {
		name          string
		d             diag.Diagnostic
		line, message string
	}{
		{"configuration error", diag.Diagnostic{Pos: model.Pos{File: "main.cue", Line: 7, Col: 22}, Path: "galleries.acme.location", Summary: "unknown region"},
			"main.cue:7:22: galleries.acme.location: unknown region", "galleries.acme.location: unknown region"},
		{"configuration warning", diag.Diagnostic{Severity: diag.Warning, Pos: model.Pos{File: "main.cue", Line: 3, Col: 1}, Path: "replicas", Summary: "capped"},
			"main.cue:3:1: warning: replicas: capped", "replicas: capped"},
		{"resource warning", diag.Warnf("gallery/acme", "Not deleted", "kept because pruning is off"),
			"warning: gallery/acme: Not deleted: kept because pruning is off", "gallery/acme: Not deleted: kept because pruning is off"},
		{"resource error", diag.Errorf("gallery/acme", "Refused", "%d deletes", 3),
			"gallery/acme: Refused: 3 deletes", "gallery/acme: Refused: 3 deletes"},
		{"detail only", diag.Diagnostic{Detail: "read: permission denied"}, "read: permission denied", "read: permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.String(); got != tt.line {
				t.Errorf("String() = %q, want %q", got, tt.line)
			}
			if got := tt.d.Message(); got != tt.message {
				t.Errorf("Message() = %q, want %q", got, tt.message)
			}
		})
	}
}

func TestListSortsAndFilters(t *testing.T) {
	a := diag.Diagnostic{Pos: model.Pos{File: "a.cue", Line: 2}, Summary: "second"}
	b := diag.Diagnostic{Pos: model.Pos{File: "a.cue", Line: 1}, Summary: "first"}
	w := diag.Warnf("gallery/x", "note", "")
	ds := diag.Diagnostics{a, w, b, a}.Sort()
	if len(ds) != 3 || ds[0] != w || ds[1] != b || ds[2] != a {
		t.Fatalf("sorted: %v", ds)
	}
	if !ds.HasErrors() || len(ds.Errors()) != 2 || len(ds.Warnings()) != 1 {
		t.Errorf("errors %v, warnings %v", ds.Errors(), ds.Warnings())
	}
	if err := (diag.Diagnostics{w}).Err("refused"); err != nil {
		t.Errorf("warnings alone made an error: %v", err)
	}
	want := "refused:\n  a.cue:1:0: first\n  a.cue:2:0: second"
	if err := ds.Err("refused"); err == nil || err.Error() != want {
		t.Errorf("Err = %v, want %q", err, want)
	}
}

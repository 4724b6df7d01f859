package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/internal/sdkwalk"
	"github.com/curator-dev/curator/model"
)

//go:embed testdata/every-property/main.cue
var everyProperty string

// sentBodies is a reverse proxy in front of the emulator that keeps the
// JSON bodies of the writes through it, by the kind of resource written.
type sentBodies struct {
	mu     sync.Mutex
	bodies map[string][]any
}

func (s *sentBodies) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Body != nil {
			data, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(data))
			var body any
			if kind := sdkwalk.RequestKind(r.URL.Path); kind != "" && json.Unmarshal(data, &body) == nil {
				s.mu.Lock()
				s.bodies[kind] = append(s.bodies[kind], body)
				s.mu.Unlock()
			}
		}
		next.ServeHTTP(w, r)
	})
}

// TestEveryWritablePropertyIsExpressible walks every writable property of
// the 2026-03-03 models — armcompute's Gallery, GalleryImage and
// GalleryImageVersion, armauthorization's role assignment — and finds
// each either expressible end to end or listed in model.Unsupported with
// its reason. Expressible: testdata/every-property, a configuration that
// uses every property curator has, applies through a recording proxy and
// the property reaches the wire; the estate then re-plans to "No changes"
// (what was written reads back as declared), and so does its import.
func TestEveryWritablePropertyIsExpressible(t *testing.T) {
	srv, err := emulator.Start(context.Background(), emulator.Options{StateDir: t.TempDir(), ReplicationRate: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	target, _ := url.Parse(srv.URL())
	rec := &sentBodies{bodies: map[string][]any{}}
	proxy := httptest.NewServer(rec.wrap(httputil.NewSingleHostReverseProxy(target)))
	defer proxy.Close()

	root := t.TempDir()
	cfg, state := filepath.Join(root, "config"), filepath.Join(root, "state")
	if err := os.Mkdir(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg, "main.cue"), []byte(strings.ReplaceAll(everyProperty, "%ENDPOINT%", proxy.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "Apply complete")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 0, "No changes.")
	imported := filepath.Join(root, "imported")
	expect(t, curator(t, state, "import", "--endpoint", proxy.URL, "--name", "every-property", "--out", imported), 0, "Imported 3 galleries")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", imported), 0, "No changes.")

	// What reached the wire, per resource kind; the sharing profile's
	// groups are the gallery's, written through its own POST.
	sent := map[string]map[string]bool{}
	for kind, bodies := range rec.bodies {
		to := kind
		prefix := ""
		if kind == "share" {
			to, prefix = "gallery", "properties.sharingProfile."
		}
		if sent[to] == nil {
			sent[to] = map[string]bool{}
		}
		for _, b := range bodies {
			for _, l := range sdkwalk.Leaves(b) {
				// A list of scalars ("diskTypes[]") and a map's entries
				// ("tags.*") are one property of the model.
				p := strings.TrimSuffix(prefix+l.Path, "[]")
				if i := strings.Index(p, ".*"); i >= 0 {
					p = p[:i]
				}
				sent[to][p] = true
			}
		}
	}

	compute, err := sdkwalk.ReadOnlyFields("github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8")
	if err != nil {
		t.Fatal(err)
	}
	authorization, err := sdkwalk.ReadOnlyFields("github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2")
	if err != nil {
		t.Fatal(err)
	}
	unsupported := map[string]bool{}
	for p := range model.Unsupported {
		unsupported[p] = true
	}
	roots := []struct {
		kind string
		typ  reflect.Type
		ro   map[string]bool
	}{
		{"gallery", reflect.TypeOf(armcompute.Gallery{}), compute},
		{"image", reflect.TypeOf(armcompute.GalleryImage{}), compute},
		{"version", reflect.TypeOf(armcompute.GalleryImageVersion{}), compute},
		{"roleAssignment", reflect.TypeOf(armauthorization.RoleAssignmentCreateParameters{}), authorization},
	}
	for _, r := range roots {
		paths := sdkwalk.Walk(r.typ, r.ro)
		if len(paths) < 5 {
			t.Fatalf("%s: only %d paths; the walk is broken", r.kind, len(paths))
		}
		var missing []string
		writable, expressible := 0, 0
		for _, p := range paths {
			if p.ReadOnly {
				continue
			}
			writable++
			expressed := sent[r.kind][p.Path]
			if expressed {
				expressible++
			}
			listed := sdkwalk.Covered(p.Path, unsupported)
			switch {
			case expressed && listed:
				t.Errorf("%s: %s reaches the wire but model.Unsupported lists it", r.kind, p.Path)
			case !expressed && !listed:
				missing = append(missing, p.Path)
			}
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("%s: writable property %s is neither expressible (testdata/every-property does not send it) nor listed in model.Unsupported with its reason", r.kind, m)
		}
		t.Logf("%s: %d writable properties, %d expressible, the rest listed in model.Unsupported", r.kind, writable, expressible)
	}
}

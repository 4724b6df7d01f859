package azure_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/curator-dev/curator/internal/sdkwalk"
)

// The REST specification's own example requests, kept as test vectors
// under testdata/spec (one file per example: its path in
// Azure/azure-rest-api-specs, the commit it was read at, the operation and
// the request body, as the example has it). TestRequestsMatchSpecExamples
// compares the bodies curator sends (the self-recorded goldens of
// TestWireFormat under testdata/requests) with them structurally.

// specVector is one example request of the REST specification.
type specVector struct {
	Source      string         `json:"source"`
	Commit      string         `json:"commit"`
	OperationID string         `json:"operationId"`
	Method      string         `json:"method"`
	Resource    string         `json:"resource"`
	Body        map[string]any `json:"body"`
}

// operation is what a request does: method and resource kind
// ("PUT version").
func operation(method, resource string) string { return method + " " + resource }

// requestTypes are the SDK model types of the request bodies, by
// operation: the checklist of the paths a body may have.
var requestTypes = map[string]reflect.Type{
	"PUT gallery":        reflect.TypeOf(armcompute.Gallery{}),
	"PATCH gallery":      reflect.TypeOf(armcompute.GalleryUpdate{}),
	"POST share":         reflect.TypeOf(armcompute.SharingUpdate{}),
	"PUT image":          reflect.TypeOf(armcompute.GalleryImage{}),
	"PATCH image":        reflect.TypeOf(armcompute.GalleryImageUpdate{}),
	"PUT version":        reflect.TypeOf(armcompute.GalleryImageVersion{}),
	"PATCH version":      reflect.TypeOf(armcompute.GalleryImageVersionUpdate{}),
	"PUT roleAssignment": reflect.TypeOf(armauthorization.RoleAssignmentCreateParameters{}),
}

// enumValues are the values of the SDK's enum types that request bodies
// use, from the SDK's Possible…Values (generated from the REST spec's
// x-ms-enum). A body leaf of a named string type missing here fails the
// test, so the list cannot silently fall behind.
var enumValues = map[reflect.Type][]string{}

func registerEnum[T ~string](values []T) {
	var zero T
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	enumValues[reflect.TypeOf(zero)] = out
}

func init() {
	registerEnum(armcompute.PossibleGallerySharingPermissionTypesValues())
	registerEnum(armcompute.PossibleSharingUpdateOperationTypesValues())
	registerEnum(armcompute.PossibleSharingProfileGroupTypesValues())
	registerEnum(armcompute.PossibleOperatingSystemTypesValues())
	registerEnum(armcompute.PossibleOperatingSystemStateTypesValues())
	registerEnum(armcompute.PossibleHyperVGenerationValues())
	registerEnum(armcompute.PossibleArchitectureValues())
	registerEnum(armcompute.PossibleStorageAccountTypeValues())
	registerEnum(armcompute.PossibleEdgeZoneStorageAccountTypeValues())
	registerEnum(armcompute.PossibleHostCachingValues())
	registerEnum(armcompute.PossibleReplicationModeValues())
	registerEnum(armcompute.PossibleConfidentialVMEncryptionTypeValues())
	registerEnum(armcompute.PossibleUefiKeyTypeValues())
	registerEnum(armcompute.PossibleUefiSignatureTemplateNameValues())
	registerEnum(armcompute.PossibleGalleryExtendedLocationTypeValues())
	registerEnum(armcompute.PossibleStorageAccountStrategyValues())
	registerEnum(armauthorization.PossiblePrincipalTypeValues())
}

// notSent are paths of the kept examples curator never sends for the
// operation, with the reason.
var notSent = map[string]string{
	"PATCH version properties.storageProfile.source.id": "an update never sends the source: it cannot change (GalleryImageVersion_Update_WithoutSourceId)",
}

// TestRequestsMatchSpecExamples compares every body curator sends with the
// REST specification's example requests of the same operation: each
// operation curator sends has at least one example kept; the JSON type of
// every path both have agrees; every path of an example is one curator
// sends for that operation (so curator speaks the example's shape — a
// snapshot at storageProfile.osDiskImage.source.id, not elsewhere) unless
// notSent says why not; every path curator sends is in the operation's
// model (the SDK, generated from the spec) and, unless listed in
// sentButNotInExamples, in an example; and every enum value curator sends
// is one the spec defines.
func TestRequestsMatchSpecExamples(t *testing.T) {
	vectors := map[string][]specVector{}
	files, err := filepath.Glob(filepath.Join("testdata", "spec", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no spec examples under testdata/spec: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v specVector
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !strings.HasPrefix(v.Source, "Azure/azure-rest-api-specs specification/") || len(v.Commit) != 40 || v.OperationID == "" || len(v.Body) == 0 {
			t.Fatalf("%s: a vector names its source in the spec, the commit, the operation and the body", f)
		}
		op := operation(v.Method, v.Resource)
		if requestTypes[op] == nil {
			t.Fatalf("%s: operation %q is not one curator sends", f, op)
		}
		vectors[op] = append(vectors[op], v)
	}

	sent := map[string][]map[string]any{}
	goldens, _ := filepath.Glob(filepath.Join("testdata", "requests", "*.json"))
	for _, f := range goldens {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var g struct {
			Requests []struct {
				Method, Path string
				Body         map[string]any
			}
		}
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, r := range g.Requests {
			if r.Body == nil {
				continue
			}
			res := sdkwalk.RequestKind(r.Path)
			if res == "" {
				t.Fatalf("%s: %s %s addresses no resource curator knows", f, r.Method, r.Path)
			}
			sent[operation(r.Method, res)] = append(sent[operation(r.Method, res)], r.Body)
		}
	}

	ops := make([]string, 0, len(requestTypes))
	for op := range requestTypes {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		t.Run(op, func(t *testing.T) {
			if len(sent[op]) == 0 {
				t.Fatalf("no golden under testdata/requests sends %s", op)
			}
			if len(vectors[op]) == 0 {
				t.Fatalf("curator sends %s but no example of it is kept under testdata/spec", op)
			}
			root := requestTypes[op]
			example := map[string]string{} // path → kind, over every example
			for _, v := range vectors[op] {
				for _, l := range sdkwalk.Leaves(v.Body) {
					example[l.Path] = l.Kind
				}
			}
			curator := map[string]string{}
			for _, body := range sent[op] {
				for _, l := range sdkwalk.Leaves(body) {
					if _, seen := curator[l.Path]; seen && l.Kind != "string" {
						continue
					}
					curator[l.Path] = l.Kind
					if k, ok := example[l.Path]; ok && k != l.Kind {
						t.Errorf("%s is a %s in curator's body, a %s in the spec's examples", l.Path, l.Kind, k)
					}
					ft := sdkwalk.TypeAt(root, l.Path)
					if ft == nil {
						t.Errorf("curator sends %s, which the operation's model (%s) does not have", l.Path, root.Name())
						continue
					}
					if l.Kind == "string" && ft.Kind() == reflect.String && ft.Name() != "string" {
						values, ok := enumValues[ft]
						if !ok {
							t.Errorf("%s is of enum type %s, which enumValues does not list", l.Path, ft.Name())
							continue
						}
						if !contains(values, l.Value.(string)) {
							t.Errorf("curator sends %s = %q, not one of the spec's %s values %v", l.Path, l.Value, ft.Name(), values)
						}
					}
				}
			}
			for p := range example {
				if _, ok := curator[p]; ok {
					continue
				}
				if _, listed := notSent[op+" "+p]; listed {
					continue
				}
				t.Errorf("the spec's example of %s has %s, which curator never sends: send it in that shape or say why in notSent", op, p)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

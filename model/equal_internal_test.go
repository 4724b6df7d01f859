package model

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestEqualEffectiveAgreesWithEffective: the planner's allocation-free
// comparison of a scalar says what comparing the Effective values says, for
// every scalar of every table, over unset, default and other values.
func TestEqualEffectiveAgreesWithEffective(t *testing.T) {
	for name, table := range map[string][]Property{"gallery": GalleryProperties, "image": ImageProperties, "version": VersionProperties} {
		for _, p := range table {
			if !p.Scalar() || p.Ref == nil {
				continue
			}
			var values []any
			switch p.Kind.zero().(type) {
			case bool:
				values = []any{false, true}
			case int:
				values = []any{0, 1, 7}
			default:
				values = []any{"", "x", "X"}
				if p.Default != "" {
					values = append(values, p.Default)
				}
			}
			for _, x := range values {
				for _, y := range values {
					a, b := newResource(name), newResource(name)
					set(t, p, a, x)
					set(t, p, b, y)
					want := reflect.DeepEqual(p.Effective(a), p.Effective(b))
					got, ok := p.EqualEffective(a, b)
					if !ok {
						continue
					}
					if got != want {
						t.Errorf("%s %s: %v against %v: EqualEffective %v, Effective values equal %v", name, p.CUE, x, y, got, want)
					}
				}
			}
		}
	}
}

func newResource(kind string) any {
	switch kind {
	case "gallery":
		return &Gallery{}
	case "image":
		return &ImageDefinition{}
	}
	return &ImageVersion{}
}

// set stores v in r's field for p directly (SetValue checks the kind's own
// rules, such as a URI's form, which this test does not exercise).
func set(t *testing.T, p Property, r, v any) {
	t.Helper()
	switch f := p.Ref(r).(type) {
	case *string:
		*f = v.(string)
	case *bool:
		*f = v.(bool)
	case *int:
		*f = v.(int)
	default:
		t.Fatalf("%s: Ref gives %T", p.CUE, f)
	}
}

// TestVersionPartsSplitsAsSplitN: the allocation-free split reads a version
// as strings.SplitN(s, ".", 3) did.
func TestVersionPartsSplitsAsSplitN(t *testing.T) {
	for _, s := range []string{"", "1", "1.2", "1.2.3", "1.2.3.4", "1..3", ".1.2", "10.20.300", "a.b.c", "1.2.", "99999999999999999999.1.1"} {
		var want [3]int64
		for i, part := range strings.SplitN(s, ".", 3) {
			want[i], _ = strconv.ParseInt(part, 10, 64)
		}
		if got := versionParts(s); got != want {
			t.Errorf("versionParts(%q) = %v, want %v", s, got, want)
		}
	}
}

// Package tagcases holds one list of resource tags, each with what Azure
// Resource Manager answers when a resource is written with them, so that
// curator's validation (schema) and the emulator (cloud/emulator) are
// tested against the same cases: validate must refuse every tag the
// service refuses, so that apply never fails on a tag. It is used by tests
// only; production code never imports it.
package tagcases

import (
	"fmt"
	"strings"
)

// Case is a resource's declared tags (curator adds its ownership tag when
// it writes them).
type Case struct {
	Name string
	Tags map[string]string
	// Service is the error code Resource Manager answers (400) for a
	// resource written with Tags and curator's ownership tag, or "" when it
	// accepts them.
	Service string
	// CuratorOnly, when not "", is why curator refuses tags the service
	// accepts.
	CuratorOnly string
}

// Refused reports whether curator's validation must refuse the case.
func (c Case) Refused() bool { return c.Service != "" || c.CuratorOnly != "" }

// OwnershipTag is the tag curator adds to every resource it writes
// (model.ManagedByTag, which this package cannot import).
const OwnershipTag = "curator.managed-by"

// Numbered returns n tags t0…t(n-1), each with the value "v".
func Numbered(n int) map[string]string {
	tags := make(map[string]string, n)
	for i := range n {
		tags[fmt.Sprintf("t%d", i)] = "v"
	}
	return tags
}

func one(k, v string) map[string]string { return map[string]string{k: v} }

// Cases are the tag rules of "Use tags to organize your Azure resources
// and management hierarchy" (Limitations) and of Resource Manager's error
// messages, at their edges: 50 tags per resource, curator's ownership tag
// included; names of 1 to 512 UTF-16 code units without < > % & \ ? / or
// control characters; values of at most 256 UTF-16 code units.
func Cases() []Case {
	cases := []Case{
		{Name: "49 tags and the ownership tag", Tags: Numbered(49)},
		{Name: "50 tags and the ownership tag", Tags: Numbered(50), Service: "InvalidTags"},
		{Name: "empty name", Tags: one("", "v"), Service: "InvalidTagName"},
		{Name: "blank name", Tags: one("  ", "v"), Service: "InvalidTagName"},
		{Name: "no-break-space name", Tags: one("\u00a0", "v"), Service: "InvalidTagName"},
		{Name: "name with a bell", Tags: one("a\u0007b", "v"), Service: "InvalidTagNameCharacters"},
		{Name: "name with a tab", Tags: one("a\tb", "v"), Service: "InvalidTagNameCharacters"},
		{Name: "name with a delete", Tags: one("a\u007fb", "v"), Service: "InvalidTagNameCharacters"},
		{Name: "name of 512 characters", Tags: one(strings.Repeat("n", 512), "v")},
		{Name: "name of 513 characters", Tags: one(strings.Repeat("n", 513), "v"), Service: "InvalidTagName"},
		{Name: "name of 512 two-byte characters", Tags: one(strings.Repeat("é", 512), "v")},
		{Name: "name of 256 characters outside the BMP", Tags: one(strings.Repeat("\U0001F600", 256), "v")},
		{Name: "name of 257 characters outside the BMP", Tags: one(strings.Repeat("\U0001F600", 257), "v"), Service: "InvalidTagName"},
		{Name: "empty value", Tags: one("k", "")},
		{Name: "value of 256 characters", Tags: one("k", strings.Repeat("v", 256))},
		{Name: "value of 257 characters", Tags: one("k", strings.Repeat("v", 257)), Service: "InvalidTagValueLength"},
		{Name: "value of 256 two-byte characters", Tags: one("k", strings.Repeat("é", 256))},
		{Name: "value of 128 characters outside the BMP", Tags: one("k", strings.Repeat("\U0001F600", 128))},
		{Name: "value of 129 characters outside the BMP", Tags: one("k", strings.Repeat("\U0001F600", 129)), Service: "InvalidTagValueLength"},
		{Name: "value with forbidden name characters", Tags: one("k", `<>%&\?/`)},
		{Name: "name with blanks, dots, colons and accents", Tags: one("cost center: équipe.1", "v")},
		{Name: "ownership tag by hand", Tags: one(OwnershipTag, "x"), CuratorOnly: "curator sets its ownership tag itself"},
		{Name: "ownership tag by hand in other case", Tags: one("Curator.Managed-By", "x"), CuratorOnly: "curator sets its ownership tag itself; tag names are case-insensitive"},
		{Name: "names differing only in case", Tags: map[string]string{"Env": "a", "env": "b"}, CuratorOnly: "tag names are case-insensitive: one tag, written twice, would never read back as declared"},
	}
	for _, c := range `<>%&\?/` {
		cases = append(cases, Case{Name: fmt.Sprintf("name with %q", c), Tags: one("a"+string(c)+"b", "v"), Service: "InvalidTagNameCharacters"})
	}
	return cases
}

package schema

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/curator-dev/curator/model"
)

// Resource Manager's tag rules, from "Use tags to organize your Azure
// resources and management hierarchy" (Limitations): at most 50 tags on a
// resource; a tag name of at most 512 characters that contains none of
// < > % & \ ? /; a tag value of at most 256 characters; tag names are
// case-insensitive. Resource Manager counts characters in UTF-16 code units
// (a character outside the Basic Multilingual Plane, such as an emoji,
// counts two) and also refuses an empty or blank name and control
// characters in a name (its InvalidTagName and InvalidTagNameCharacters
// messages). The emulator (cloud/emulator/rules.go) answers the same;
// internal/tagcases holds the cases both are tested with.
const (
	MaxTagName  = 512
	MaxTagValue = 256
	// tagNameForbidden are the characters a tag name cannot contain.
	tagNameForbidden = `<>%&\?/`
)

// tags checks a resource's declared tags against the service's rules, so
// that apply never fails on a tag: every tag the service would refuse is
// refused here, at the tag's position. curator's ownership tag is added to
// every resource it writes, so it counts toward the 50.
func (d *decoder) tags(labels []string, tags map[string]string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	if len(tags) > MaxTags-1 {
		d.errorf(labels, "%d tags: Azure allows at most %d per resource, and curator adds its ownership tag (%s), so at most %d can be declared; remove %d, or put several values in one tag", len(tags), MaxTags, model.ManagedByTag, MaxTags-1, len(tags)-(MaxTags-1))
	}
	folded := make(map[string]string, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		here := at(labels, k)
		if problem := tagNameProblem(k); problem != "" {
			d.errorf(here, "%s", problem)
		}
		if n := utf16Len(tags[k]); n > MaxTagValue {
			d.errorf(here, "the tag's value is %d characters long (as Azure counts them, in UTF-16 code units); Azure allows at most %d: shorten it", n, MaxTagValue)
		}
		fold := strings.ToUpper(k)
		if other, dup := folded[fold]; dup {
			d.errorf(here, "tag names %q and %q differ only in case; Azure treats tag names without regard to case, so they would be one tag: keep one of them", other, k)
			continue
		}
		folded[fold] = k
	}
	return tags
}

// tagNameProblem says why Azure would refuse k as the name of a tag curator
// writes, or returns "" when it would not.
func tagNameProblem(k string) string {
	switch {
	case strings.EqualFold(k, model.ManagedByTag):
		return fmt.Sprintf("the tag %s is curator's ownership mark and cannot be set by hand: remove it (curator sets it to the configuration's name)", model.ManagedByTag)
	case strings.TrimSpace(k) == "":
		return "a tag name cannot be empty or only blanks: give the tag a name"
	case strings.ContainsAny(k, tagNameForbidden):
		return fmt.Sprintf("tag name %q contains %q, which Azure does not allow in a tag name (none of < > %% & \\ ? /): rename the tag", k, string(k[strings.IndexAny(k, tagNameForbidden)]))
	case strings.ContainsFunc(k, unicode.IsControl):
		return fmt.Sprintf("tag name %q contains a control character, which Azure does not allow in a tag name: rename the tag", k)
	}
	if n := utf16Len(k); n > MaxTagName {
		return fmt.Sprintf("the tag name is %d characters long (as Azure counts them, in UTF-16 code units); Azure allows at most %d: shorten it", n, MaxTagName)
	}
	return ""
}

// utf16Len is the length of s in UTF-16 code units, as Resource Manager
// measures tag names and values.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

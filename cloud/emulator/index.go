package emulator

import "strings"

// estateIndex keeps what the request paths ask of the whole estate as the
// estate changes, so that no request scans every resource: the number of
// resources of each type per subscription and region (the service's
// per-region limits), each parent's children (lists, nested-resource
// checks, identifier uniqueness within a gallery) and the keys of each
// resource type (galleries for the subscription-wide list, role
// assignments for authorization). It is derived from the resources alone
// and not persisted: loading a state rebuilds it.
type estateIndex struct {
	counts   map[countKey]int
	children map[string]map[string]struct{}
	byType   map[string]map[string]struct{}
}

type countKey struct{ typ, sub, region string }

func newEstateIndex() estateIndex {
	return estateIndex{counts: map[countKey]int{}, children: map[string]map[string]struct{}{}, byType: map[string]map[string]struct{}{}}
}

// add records resource r under key; remove forgets it. Both are called
// with the same r a key was stored with.
func (ix *estateIndex) add(key string, r *resource) {
	ix.counts[ix.countKey(key, r)]++
	set(ix.byType, strings.ToLower(r.Type), key)
	if p := indexedParent(key, r); p != "" {
		set(ix.children, p, key)
	}
}

func (ix *estateIndex) remove(key string, r *resource) {
	ck := ix.countKey(key, r)
	if ix.counts[ck]--; ix.counts[ck] <= 0 {
		delete(ix.counts, ck)
	}
	unset(ix.byType, strings.ToLower(r.Type), key)
	if p := indexedParent(key, r); p != "" {
		unset(ix.children, p, key)
	}
}

func (ix *estateIndex) countKey(key string, r *resource) countKey {
	loc, _ := r.Body["location"].(string)
	return countKey{typ: strings.ToLower(r.Type), sub: subscriptionOf(key), region: loc}
}

// indexedParent is the key of the parent whose children r is listed
// among: a gallery's resource group, an image's gallery, a version's
// image.
func indexedParent(key string, r *resource) string {
	switch r.Type {
	case kinds[kindImage].armType, kinds[kindVersion].armType:
		return parentKey(key)
	case kinds[kindGallery].armType:
		if i := strings.Index(key, "/providers/"); i > 0 {
			return key[:i]
		}
	}
	return ""
}

func set(m map[string]map[string]struct{}, k, v string) {
	s := m[k]
	if s == nil {
		s = map[string]struct{}{}
		m[k] = s
	}
	s[v] = struct{}{}
}

func unset(m map[string]map[string]struct{}, k, v string) {
	if s := m[k]; s != nil {
		delete(s, v)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}

// count returns how many resources of kind k exist in a subscription and
// region.
func (st *state) count(k kind, sub, region string) int {
	return st.index.counts[countKey{typ: strings.ToLower(kinds[k].armType), sub: sub, region: region}]
}

// childKeys are the keys of the images of a gallery or the versions of an
// image (parent is the parent's lower-cased ID), or the galleries of a
// resource group.
func (st *state) childKeys(parent string) map[string]struct{} {
	return st.index.children[parent]
}

// keysOfType are the keys of every resource of an ARM type.
func (st *state) keysOfType(armType string) map[string]struct{} {
	return st.index.byType[strings.ToLower(armType)]
}

// reindex rebuilds the index from the resources (after a state is loaded).
func (st *state) reindex() {
	st.index = newEstateIndex()
	for k, r := range st.Resources {
		st.index.add(k, r)
	}
}

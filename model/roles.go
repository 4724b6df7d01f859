package model

import "strings"

// Roles maps the built-in role names users may write to their role
// definition GUIDs (the same in every Azure tenant).
var Roles = map[string]string{
	"Reader":                              "acdd72a7-3385-48ef-bd42-f606fba81ae7",
	"Contributor":                         "b24988ac-6180-42a0-ab88-20f7382dd24c",
	"Owner":                               "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
	"Compute Gallery Sharing Admin":       "1ef6a3be-d0ac-425d-8c01-acb62866290b",
	"Compute Gallery Artifacts Publisher": "85a2d0d9-2eba-4c9c-b355-11c2cc0788ab",
	"Compute Gallery Image Reader":        "cf7c76d2-98a3-4358-a134-615aa78bf44d",
}

// RoleDefinitionID returns the role definition GUID (lower case) for a role
// written as a built-in name or as a GUID. ok is false for an unknown name.
func RoleDefinitionID(role string) (id string, ok bool) {
	if g, found := Roles[role]; found {
		return g, true
	}
	// A full role definition resource ID ends in the GUID.
	if i := strings.LastIndexByte(role, '/'); i >= 0 {
		role = role[i+1:]
	}
	if IsGUID(role) {
		return strings.ToLower(role), true
	}
	return "", false
}

// RoleName returns the built-in name of a role definition GUID, or the GUID
// itself when it is not a built-in role.
func RoleName(id string) string {
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	id = strings.ToLower(id)
	for name, g := range Roles {
		if g == id {
			return name
		}
	}
	return id
}

// IsGUID reports whether s is a GUID in 8-4-4-4-12 hex form.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

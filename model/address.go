package model

import "strings"

// Address is a stable, human-readable name for a resource that maps 1:1 to an
// ARM resource ID within a target's scope:
//
//	gallery/acme
//	gallery/acme/sharing
//	gallery/acme/image/ubuntu-22
//	gallery/acme/image/ubuntu-22/version/1.4.0
//	share/gallery/acme/<principalId>/<role>
//	share/gallery/acme/image/ubuntu-22/<principalId>/<role>
//
// Addresses sort so that a parent comes before its children.
type Address string

// GalleryAddress is the address of a gallery.
func GalleryAddress(gallery string) Address { return Address("gallery/" + gallery) }

// SharingAddress is the address of a gallery's sharing profile.
func SharingAddress(gallery string) Address { return GalleryAddress(gallery) + "/sharing" }

// ImageAddress is the address of an image definition.
func ImageAddress(gallery, image string) Address {
	return GalleryAddress(gallery) + Address("/image/"+image)
}

// VersionAddress is the address of an image version.
func VersionAddress(gallery, image, version string) Address {
	return ImageAddress(gallery, image) + Address("/version/"+version)
}

// ShareAddress is the address of a role assignment of role to principal at
// scope (a gallery or image definition address). role is as the user wrote
// it (a built-in name or a GUID).
func ShareAddress(scope Address, principalID, role string) Address {
	return Address("share/" + string(scope) + "/" + strings.ToLower(principalID) + "/" + role)
}

// Parts splits a gallery/image/version address into its names; empty strings
// for levels the address does not reach. ok is false for anything else.
func (a Address) Parts() (gallery, image, version string, ok bool) {
	s := strings.Split(string(a), "/")
	switch {
	case len(s) == 2 && s[0] == "gallery":
		return s[1], "", "", true
	case len(s) == 4 && s[0] == "gallery" && s[2] == "image":
		return s[1], s[3], "", true
	case len(s) == 6 && s[0] == "gallery" && s[2] == "image" && s[4] == "version":
		return s[1], s[3], s[5], true
	}
	return "", "", "", false
}

// String returns the address.
func (a Address) String() string { return string(a) }

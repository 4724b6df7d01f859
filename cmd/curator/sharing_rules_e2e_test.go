package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrivateGalleryCannotBecomeCommunity: a private gallery applied, then
// declared a community gallery, is a replace the plan and apply refuse,
// naming the service's rule; with allowReplace it is made again as a
// community gallery and re-plans to "No changes".
func TestPrivateGalleryCannotBecomeCommunity(t *testing.T) {
	root := t.TempDir()
	cfg, state := filepath.Join(root, "config"), filepath.Join(root, "state")
	if err := os.Mkdir(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(cfg, "main.cue"), []byte("package curator\n\nname: \"sharing\"\ntarget: local: {}\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`galleries: public: location: "westeurope"` + "\n")
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "Apply complete: 1 done")

	community := `galleries: public: {
	location: "westeurope"
	sharing: {permission: "Community", community: {publisherUri: "https://contoso.example", publisherEmail: "images@contoso.example", eula: "https://contoso.example/eula", prefix: "contoso"}}
	%ALLOW%
}
`
	write(strings.ReplaceAll(community, "%ALLOW%", ""))
	const rule = "an existing private gallery cannot be converted to a community gallery"
	expect(t, curator(t, state, "plan", cfg), 1, "Replace not allowed", "sharing.permission", rule, "allowReplace: true")
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 1, rule)
	expect(t, curator(t, state, "plan", "--detailed-exitcode", "--allow-replace", cfg), 2, "-/+ gallery/public")

	write(strings.ReplaceAll(community, "%ALLOW%", "allowReplace: true"))
	expect(t, curator(t, state, "apply", "--auto-approve", cfg), 0, "-/+ gallery/public", "Apply complete")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", cfg), 0, "No changes.")
}

// TestSharedGalleryWithEncryptedVersionDoesNotValidate: a directly shared
// gallery holding an encrypted version is a validation error at the
// encryption's position, and nothing is planned.
func TestSharedGalleryWithEncryptedVersionDoesNotValidate(t *testing.T) {
	root := t.TempDir()
	cfg, state := filepath.Join(root, "config"), filepath.Join(root, "state")
	if err := os.Mkdir(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	const body = `package curator

name: "shared"
target: local: {}
galleries: shared: {
	location: "westeurope"
	sharing: {permission: "Groups", subscriptions: ["11111111-2222-3333-4444-555555555555"]}
	images: app: {
		publisher: "P", offer: "O", sku: "S", osType: "Linux", osState: "Generalized"
		versions: "1.0.0": {
			source: snapshot: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/snapshots/os"
			regions: westeurope: encryption: osDisk: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/b/providers/Microsoft.Compute/diskEncryptionSets/des"
		}
	}
}
`
	if err := os.WriteFile(filepath.Join(cfg, "main.cue"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	const at = `main.cue:12:25: galleries.shared.images.app.versions."1.0.0".regions.westeurope.encryption: `
	expect(t, curator(t, state, "validate", cfg), 1, at, "a directly shared gallery cannot contain encrypted image versions")
	expect(t, curator(t, state, "plan", cfg), 1, at)
}

package azure_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/azure"
	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
)

// TestPrincipalNotFoundIsRetried: a principal created moments ago is not
// yet known to every directory replica; the assignment is retried with
// backoff until it is, and given up on with a clear error after a bound.
func TestPrincipalNotFoundIsRetried(t *testing.T) {
	tests := []struct {
		name          string
		newPrincipals int
		retries       int
		wantErr       string
	}{
		{"replicated after two refusals", 2, 5, ""},
		{"not replicated within the bound", 10, 2, "still not found after 2 retries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			srv, err := emulator.Start(ctx, emulator.Options{Faults: emulator.Faults{NewPrincipals: tt.newPrincipals}})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			c, err := azure.New(azure.Config{
				Subscription: sub, ResourceGroup: rg, ConfigName: "test", Endpoint: srv.URL(),
				Credential: azure.StaticToken("owner"), Unthrottled: true,
				PrincipalRetries: tt.retries, PrincipalRetryDelay: time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.EnsureResourceGroup(ctx, "westeurope"); err != nil {
				t.Fatal(err)
			}
			if err := c.CreateGallery(ctx, "acme", gallery()); err != nil {
				t.Fatal(err)
			}
			share := &model.Share{PrincipalID: "9d3a3a4e-1b7e-4c55-9f0e-3c1f8f6b2a10", Role: "Compute Gallery Image Reader"}
			err = c.CreateRoleAssignment(ctx, model.GalleryAddress("acme"), share)
			refused := srv.InjectedFaults()["principal-not-found"]
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				if refused != int64(tt.newPrincipals) {
					t.Errorf("%d refusals, want %d", refused, tt.newPrincipals)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "PrincipalNotFound") || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want PrincipalNotFound … %s", err, tt.wantErr)
			}
			if refused != int64(tt.retries+1) {
				t.Errorf("%d attempts, want %d (bounded)", refused, tt.retries+1)
			}
		})
	}
}

// TestForbiddenNamesTheMissingPermission: a caller without rights is told
// it lacks a permission, which one, and where.
func TestForbiddenNamesTheMissingPermission(t *testing.T) {
	ctx := context.Background()
	owner, srv := setup(t, emulator.Options{})
	if err := owner.CreateGallery(ctx, "acme", gallery()); err != nil {
		t.Fatal(err)
	}
	const stranger = "4c2f7b1e-5d6a-4e8f-9a0b-1c2d3e4f5a6b"
	c, err := azure.New(azure.Config{
		Subscription: sub, ResourceGroup: rg, ConfigName: "test", Endpoint: srv.URL(),
		Credential: azure.StaticToken(emulator.Token(stranger)), Unthrottled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		call   func() error
		action string
	}{
		{"read", func() error { _, err := c.ReadState(ctx); return err }, "Microsoft.Compute/galleries/read"},
		{"create", func() error { return c.CreateGallery(ctx, "other", gallery()) }, "Microsoft.Compute/galleries/write"},
		{"share", func() error {
			return c.UpdateSharing(ctx, "acme", "Add", []string{"11111111-2222-3333-4444-555555555555"}, nil)
		}, "Microsoft.Compute/galleries/share/action"},
		{"assign", func() error {
			return c.CreateRoleAssignment(ctx, model.GalleryAddress("acme"), &model.Share{PrincipalID: stranger, Role: "Owner"})
		}, "Microsoft.Authorization/roleAssignments/write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ae *azure.Error
			if !errors.As(err, &ae) || ae.Kind != azure.Forbidden {
				t.Fatalf("err = %v, want a Forbidden *azure.Error", err)
			}
			if ae.Action != tt.action || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), tt.action) {
				t.Errorf("action %q, message %q: want it to name %s", ae.Action, err, tt.action)
			}
		})
	}
}

// An endpoint whose certificate curator does not trust is not a transient
// failure to retry: the error says what to trust.
func TestUntrustedCertificateIsNotTransient(t *testing.T) {
	srv, err := emulator.Start(t.Context(), emulator.Options{StateDir: t.TempDir(), TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := azure.New(azure.Config{Subscription: model.DefaultSubscription, ResourceGroup: model.DefaultResourceGroup, ConfigName: "t",
		Endpoint: srv.URL(), Credential: azure.StaticToken("t"), Unthrottled: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ReadState(t.Context())
	if err == nil {
		t.Fatal("a certificate nobody trusts was accepted")
	}
	if azure.IsTransient(err) || !strings.Contains(err.Error(), "not trusted") {
		t.Errorf("error %v: want a non-transient error saying the certificate is not trusted", err)
	}
}

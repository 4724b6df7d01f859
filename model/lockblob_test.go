package model_test

import (
	"strings"
	"testing"

	"github.com/curator-dev/curator/model"
)

func TestParseLockBlob(t *testing.T) {
	tests := []struct {
		url     string
		want    model.LockBlob
		wantErr string
	}{
		{url: "https://acme.blob.core.windows.net/locks/curator", want: model.LockBlob{Service: "https://acme.blob.core.windows.net/", Account: "acme", Container: "locks", Name: "curator"}},
		{url: "https://acme.blob.core.chinacloudapi.cn/locks/prod/images.lock", want: model.LockBlob{Service: "https://acme.blob.core.chinacloudapi.cn/", Account: "acme", Container: "locks", Name: "prod/images.lock"}},
		{url: "http://acme.blob.core.windows.net/locks/curator", wantErr: "not an https URL"},
		{url: "https://acme.blob.core.windows.net/locks/curator?sv=2024&sig=x", wantErr: "a SAS token does not belong here"},
		{url: "https://acme.queue.core.windows.net/locks/curator", wantErr: "not a storage account's blob endpoint"},
		{url: "https://acme.blob.core.windows.net/Locks/curator", wantErr: `container "Locks"`},
		{url: "https://acme.blob.core.windows.net/lo--cks/curator", wantErr: `container "lo--cks"`},
		{url: "https://acme.blob.core.windows.net/locks", wantErr: "names no blob"},
		{url: "https://acme.blob.core.windows.net/locks/", wantErr: "names no blob"},
		{url: "https://acme.blob.core.windows.net:8443/locks/curator", wantErr: "without a user, port or query"},
		{url: "https://u:p@acme.blob.core.windows.net/locks/curator", wantErr: "without a user, port or query"},
		{url: "https://acme.blob.core.windows.net/locks/curator#sig=x", wantErr: "without a user, port or query"},
		{url: "https://acme.blob.core.windows.net/locks/curator?s3cret\x7f", wantErr: "is not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := model.ParseLockBlob(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				// A SAS signature or a password goes to no terminal or log.
				for _, secret := range []string{"sig=x", "u:p@", "s3cret"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("the error repeats %q: %v", secret, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLockBlobInCloud(t *testing.T) {
	tests := []struct {
		url, cloud string
		wantErr    string
	}{
		{url: "https://acme.blob.core.windows.net/locks/curator"},
		{url: "https://acme.blob.core.windows.net/locks/curator", cloud: "AzurePublic"},
		{url: "https://acme.z17.blob.storage.azure.net/locks/curator"},
		{url: "https://acme.blob.core.chinacloudapi.cn/locks/curator", cloud: "AzureChina"},
		{url: "https://acme.blob.core.usgovcloudapi.net/locks/curator", cloud: "AzureGovernment"},
		{url: "https://acme.blob.core.windows.net/locks/curator", cloud: "AzureChina", wantErr: "not a storage account's blob endpoint in AzureChina"},
		{url: "https://acme.blob.core.chinacloudapi.cn/locks/curator", wantErr: "in AzurePublic"},
		{url: "https://acme.z17.blob.storage.azure.net/locks/curator", cloud: "AzureGovernment", wantErr: "in AzureGovernment"},
		{url: "https://evil.blob.attacker.example/locks/b", wantErr: "evil.blob.attacker.example is not"},
		{url: "https://x.y.blob.core.windows.net/locks/b", wantErr: "is not a storage account's"},
		{url: "https://ACME.blob.core.windows.net/locks/b", wantErr: "is not a storage account's"},
		{url: "https://acme.blob.core.windows.net.attacker.example/locks/b", wantErr: "is not a storage account's"},
		{url: "https://acme.blob.core.windows.net/locks/b", cloud: "AzureGermany", wantErr: "unknown Azure cloud"},
	}
	for _, tt := range tests {
		t.Run(tt.cloud+" "+tt.url, func(t *testing.T) {
			lb, err := model.ParseLockBlob(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			err = lb.InCloud(tt.cloud)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}

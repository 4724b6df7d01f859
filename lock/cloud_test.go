package lock_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/curator-dev/curator/lock"
)

// countingCredential counts the tokens asked of it and gives none.
type countingCredential struct{ asked atomic.Int64 }

func (c *countingCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.asked.Add(1)
	return azcore.AccessToken{}, errors.New("no token in this test")
}

// A lock blob outside the target's Azure cloud gets no credential: the
// lease is refused before the credential is used, unless a connection
// string names the endpoint.
func TestLockBlobOutsideItsCloudIsRefused(t *testing.T) {
	for _, tc := range []struct {
		url, cloud, connectionString, wantErr string
	}{
		{url: "https://evil.blob.attacker.example/locks/b", wantErr: "evil.blob.attacker.example is not a storage account's blob endpoint in AzurePublic"},
		{url: "https://acme.blob.core.windows.net/locks/b", cloud: "AzureChina", wantErr: "in AzureChina"},
		{url: "https://acme.blob.core.chinacloudapi.cn/locks/b", cloud: "AzureChina"},
		{url: "https://evil.blob.attacker.example/locks/b", connectionString: "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;BlobEndpoint=https://127.0.0.1:1/acct;"},
	} {
		cred := &countingCredential{}
		_, err := lock.OpenBlobLease(tc.url, lock.LeaseOptions{Cloud: tc.cloud, ConnectionString: tc.connectionString, Credential: cred})
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.url, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s in %q: error %v, want one saying %q", tc.url, tc.cloud, err, tc.wantErr)
		}
		if n := cred.asked.Load(); n > 0 {
			t.Errorf("%s: the credential was asked for %d tokens", tc.url, n)
		}
	}
}

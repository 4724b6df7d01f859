package emulator_test

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/curator-dev/curator/cloud/emulator"
)

// getJSON sends an unauthenticated request (or one with token) and decodes
// the answer.
func getJSON(t *testing.T, client *http.Client, method, u, form, token string) (int, any) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, u, err, data)
		}
	}
	return resp.StatusCode, out
}

// TestCloudMetadata: GET /metadata/endpoints needs no token and answers
// the document each api-version's readers expect — one object before
// 2019-05-01 (msrestazure, which `az cloud register` uses, with a leading
// "//" when the endpoint ends in "/"), a list of clouds from 2019-05-01
// (azure-cli-core) — naming the emulator's own token service.
func TestCloudMetadata(t *testing.T) {
	srv := startRaw(t, emulator.Options{})
	tests := []struct {
		path string
		list bool
	}{
		{"//metadata/endpoints?api-version=2015-01-01", false},
		{"/metadata/endpoints?api-version=2015-01-01", false},
		{"/metadata/endpoints", false},
		{"/metadata/endpoints?api-version=2018-01-01", false},
		{"/metadata/endpoints?api-version=2019-05-01", true},
		{"/metadata/endpoints?api-version=2020-06-01", true},
		{"/metadata/endpoints?api-version=2022-09-01", true},
	}
	for _, tt := range tests {
		status, body := getJSON(t, http.DefaultClient, http.MethodGet, srv.URL()+tt.path, "", "")
		if status != http.StatusOK {
			t.Errorf("%s: %d %v", tt.path, status, body)
			continue
		}
		doc, _ := body.(map[string]any)
		if tt.list {
			l, _ := body.([]any)
			if len(l) != 1 {
				t.Errorf("%s: %v, want a list of one cloud", tt.path, body)
				continue
			}
			doc = l[0].(map[string]any)
			if doc["name"] == "" || doc["resourceManager"] != srv.URL()+"/" || doc["suffixes"] == nil {
				t.Errorf("%s: %v, want name, resourceManager and suffixes", tt.path, doc)
			}
		} else if doc["graphEndpoint"] != srv.URL()+"/" {
			t.Errorf("%s: %v, want the 2015-01-01 document", tt.path, body)
		}
		auth, _ := doc["authentication"].(map[string]any)
		aud, _ := auth["audiences"].([]any)
		if auth["loginEndpoint"] != srv.URL()+"/adfs" || len(aud) == 0 {
			t.Errorf("%s: authentication %v, want loginEndpoint %s/adfs and audiences", tt.path, auth, srv.URL())
		}
	}
}

// TestTokenService logs in with the Azure SDK for Go's own client-secret
// credential (MSAL for Go) against the emulator's AD FS-style authority,
// as a service principal and as the estate's owner, and checks that the
// token it gets acts as that principal; and that the token endpoint
// refuses what it does not do with OAuth errors.
func TestTokenService(t *testing.T) {
	clock := newClock()
	srv, err := emulator.Start(t.Context(), emulator.Options{TLS: true, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.Certificates().Pool()}}}
	local := cloud.Configuration{
		ActiveDirectoryAuthorityHost: srv.URL() + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: srv.URL(), Audience: "https://management.core.windows.net/"},
		},
	}
	credential := func(client string) azcore.TokenCredential {
		c, err := azidentity.NewClientSecretCredential("adfs", client, "any secret", &azidentity.ClientSecretCredentialOptions{
			ClientOptions:            policy.ClientOptions{Cloud: local, Transport: trusting},
			DisableInstanceDiscovery: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	galleries := func(cred azcore.TokenCredential) *armcompute.GalleriesClient {
		c, err := armcompute.NewGalleriesClient(sub, cred, &arm.ClientOptions{ClientOptions: policy.ClientOptions{Cloud: local, Transport: trusting}, DisableRPRegistration: true})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	owner := credential(emulator.OwnerID)
	tok, err := owner.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{"https://management.core.windows.net//.default"}})
	if err != nil {
		t.Fatalf("the owner's token: %v", err)
	}
	claims := jwtClaims(t, tok.Token)
	if claims["oid"] != nil || claims["tid"] != emulator.TenantID || claims["aud"] != "https://management.core.windows.net/" || claims["exp"] == nil {
		t.Errorf("the owner's claims %v: want no oid, tid %s, the audience asked for and exp", claims, emulator.TenantID)
	}
	if r, m := doAs(t, trusting, http.MethodPut, srv.URL()+"/subscriptions/"+sub+"/resourcegroups/"+rg+"?api-version=2021-04-01", `{"location":"westeurope"}`, tok.Token); r.StatusCode != http.StatusCreated {
		t.Fatalf("the owner creates a resource group: %s %s", r.Status, m)
	}
	if _, err := galleries(owner).BeginCreateOrUpdate(t.Context(), rg, "acme", armcompute.Gallery{Location: to.Ptr("westeurope")}, nil); err != nil {
		t.Fatalf("the owner creates a gallery through the SDK: %v", err)
	}

	// A service principal acts as its object ID: without a role it is
	// refused, naming the action.
	sp := credential(reader)
	_, err = galleries(sp).BeginCreateOrUpdate(t.Context(), rg, "other", armcompute.Gallery{Location: to.Ptr("westeurope")}, nil)
	if got := armCode(err); got != "403 AuthorizationFailed" || !strings.Contains(err.Error(), "Microsoft.Compute/galleries/write") || !strings.Contains(err.Error(), reader) {
		t.Errorf("a principal without a role: %v, want 403 naming %s and the action", err, reader)
	}

	// The token endpoint's refusals.
	tokenURL := srv.URL() + "/adfs/oauth2/token"
	for _, tt := range []struct{ name, form, code string }{
		{"password grant", "grant_type=password&client_id=" + reader + "&username=a&password=b", "unsupported_grant_type"},
		{"client ID not an object ID", "grant_type=client_credentials&client_id=app&client_secret=x", "invalid_client"},
		{"no credential", "grant_type=client_credentials&client_id=" + reader, "invalid_client"},
	} {
		status, body := getJSON(t, trusting, http.MethodPost, tokenURL, tt.form, "")
		if m, _ := body.(map[string]any); status < 400 || m["error"] != tt.code || m["error_description"] == "" {
			t.Errorf("%s: %d %v, want error %s with a description", tt.name, status, body, tt.code)
		}
	}
	// The v1 form (resource=) and a certificate's client assertion.
	status, body := getJSON(t, trusting, http.MethodPost, tokenURL, "grant_type=client_credentials&client_id="+reader+"&client_assertion_type="+url.QueryEscape("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")+"&client_assertion=a.b.c&resource="+url.QueryEscape("https://management.azure.com/"), "")
	m, _ := body.(map[string]any)
	if status != http.StatusOK || m["resource"] != "https://management.azure.com/" || m["expires_on"] == nil {
		t.Fatalf("client assertion with resource: %d %v", status, body)
	}
	v1 := m["access_token"].(string)
	if c := jwtClaims(t, v1); c["oid"] != reader || c["aud"] != "https://management.azure.com/" {
		t.Errorf("claims %v: want oid %s and the resource as audience", c, reader)
	}

	// Issued tokens expire: an hour later Resource Manager says so.
	clock.Add(time.Hour + time.Minute)
	r, msg := doAs(t, trusting, http.MethodGet, srv.URL()+"/subscriptions?api-version=2019-11-01", "", v1)
	if r.StatusCode != http.StatusUnauthorized || r.Header.Get("x-ms-error-code") != "ExpiredAuthenticationToken" {
		t.Errorf("an expired token: %s %q, want 401 ExpiredAuthenticationToken", r.Status, msg)
	}
	if r, _ := doAs(t, trusting, http.MethodGet, srv.URL()+"/subscriptions?api-version=2019-11-01", "", emulator.Token(reader)); r.StatusCode != http.StatusOK {
		t.Errorf("a token without exp (emulator token): %s, want 200", r.Status)
	}
}

func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", tok)
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSubscriptionsAndTenants: the Microsoft.Resources calls clients make
// at login, at every api-version they send: the owner sees the estate's
// subscriptions, a principal those it holds a role in; one tenant;
// resource groups listed as far as the caller may read them.
func TestSubscriptionsAndTenants(t *testing.T) {
	srv := startRaw(t, emulator.Options{})
	u := srv.URL()
	owner := emulator.Token("")
	other := "11111111-2222-3333-4444-555555555555"
	for _, path := range []string{"/subscriptions/" + sub + "/resourcegroups/" + rg, "/subscriptions/" + sub + "/resourcegroups/second", "/subscriptions/" + other + "/resourcegroups/" + rg} {
		if r, m := doAs(t, http.DefaultClient, http.MethodPut, u+path+"?api-version=2022-09-01", `{"location":"westeurope"}`, owner); r.StatusCode != http.StatusCreated {
			t.Fatalf("PUT %s: %s %s", path, r.Status, m)
		}
	}
	assign := u + "/subscriptions/" + other + "/resourcegroups/" + rg + "/providers/Microsoft.Authorization/roleAssignments/0b3bd3a4-5f5e-4a2c-9d51-2c8b8f4f5e01?api-version=2022-04-01"
	if r, m := doAs(t, http.DefaultClient, http.MethodPut, assign, `{"properties":{"roleDefinitionId":"/subscriptions/`+other+`/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7","principalId":"`+reader+`","principalType":"ServicePrincipal"}}`, owner); r.StatusCode != http.StatusCreated {
		t.Fatalf("assign Reader: %s %s", r.Status, m)
	}
	ids := func(body any) []string {
		var out []string
		for _, v := range body.(map[string]any)["value"].([]any) {
			out = append(out, strings.TrimPrefix(v.(map[string]any)["id"].(string), "/subscriptions/"))
		}
		return out
	}
	for _, v := range []string{"2016-06-01", "2019-11-01", "2021-01-01", "2022-12-01"} {
		status, body := getJSON(t, http.DefaultClient, http.MethodGet, u+"/subscriptions?api-version="+v, "", owner)
		if got := ids(body); status != http.StatusOK || strings.Join(got, ",") != sub+","+other {
			t.Errorf("%s: owner's subscriptions %d %v, want %s and %s", v, status, got, sub, other)
		}
		status, body = getJSON(t, http.DefaultClient, http.MethodGet, u+"/subscriptions?api-version="+v, "", emulator.Token(reader))
		if got := ids(body); status != http.StatusOK || strings.Join(got, ",") != other {
			t.Errorf("%s: the reader's subscriptions %d %v, want only %s", v, status, got, other)
		}
		status, body = getJSON(t, http.DefaultClient, http.MethodGet, u+"/subscriptions?api-version="+v, "", emulator.Token(nobody))
		if got := body.(map[string]any)["value"].([]any); status != http.StatusOK || len(got) != 0 {
			t.Errorf("%s: a principal without roles lists %d %v, want []", v, status, got)
		}
		status, body = getJSON(t, http.DefaultClient, http.MethodGet, u+"/tenants?api-version="+v, "", owner)
		if got := body.(map[string]any)["value"].([]any); status != http.StatusOK || len(got) != 1 || got[0].(map[string]any)["tenantId"] != emulator.TenantID {
			t.Errorf("%s: tenants %d %v", v, status, body)
		}
	}
	for _, tt := range []struct {
		token, path string
		status      int
		code        string
	}{
		{owner, "/subscriptions/" + sub + "?api-version=2019-11-01", http.StatusOK, ""},
		{emulator.Token(reader), "/subscriptions/" + other + "?api-version=2016-06-01", http.StatusOK, ""},
		{emulator.Token(reader), "/subscriptions/" + sub + "?api-version=2016-06-01", http.StatusNotFound, "SubscriptionNotFound"},
		{owner, "/subscriptions?api-version=2015-11-02", http.StatusBadRequest, "InvalidApiVersionParameter"},
		{owner, "/subscriptions/" + sub + "/resourcegroups/" + rg + "?api-version=2016-06-01", http.StatusBadRequest, "InvalidApiVersionParameter"},
	} {
		if r, m := doAs(t, http.DefaultClient, http.MethodGet, u+tt.path, "", tt.token); r.StatusCode != tt.status || r.Header.Get("x-ms-error-code") != tt.code {
			t.Errorf("GET %s: %s %q %s, want %d %q", tt.path, r.Status, r.Header.Get("x-ms-error-code"), m, tt.status, tt.code)
		}
	}
	// Resource groups: the list shows what the caller may read; HEAD says
	// whether one exists (az group exists).
	status, body := getJSON(t, http.DefaultClient, http.MethodGet, u+"/subscriptions/"+sub+"/resourcegroups?api-version=2021-04-01", "", owner)
	if l := body.(map[string]any)["value"].([]any); status != http.StatusOK || len(l) != 2 {
		t.Errorf("owner's resource groups: %d %v", status, body)
	}
	status, body = getJSON(t, http.DefaultClient, http.MethodGet, u+"/subscriptions/"+other+"/resourcegroups?api-version=2021-04-01", "", emulator.Token(nobody))
	if l := body.(map[string]any)["value"].([]any); status != http.StatusOK || len(l) != 0 {
		t.Errorf("a principal without roles lists resource groups: %d %v, want []", status, body)
	}
	// PATCH replaces the tags (az group update).
	status, body = getJSON(t, http.DefaultClient, http.MethodGet, u+"/subscriptions/"+sub+"/resourcegroups/second?api-version=2021-04-01", "", owner)
	if r, m := doAs(t, http.DefaultClient, http.MethodPatch, u+"/subscriptions/"+sub+"/resourcegroups/second?api-version=2021-04-01", `{"tags":{"team":"platform"}}`, owner); r.StatusCode != http.StatusOK {
		t.Errorf("PATCH resource group: %s %s", r.Status, m)
	}
	_, after := getJSON(t, http.DefaultClient, http.MethodGet, u+"/subscriptions/"+sub+"/resourcegroups/second?api-version=2021-04-01", "", owner)
	if tags, _ := after.(map[string]any)["tags"].(map[string]any); status != http.StatusOK || tags["team"] != "platform" || after.(map[string]any)["location"] != body.(map[string]any)["location"] {
		t.Errorf("after PATCH: %v (before %v), want the tags replaced and the rest kept", after, body)
	}
	if r, _ := doAs(t, http.DefaultClient, http.MethodPatch, u+"/subscriptions/"+sub+"/resourcegroups/missing?api-version=2021-04-01", `{"tags":{}}`, owner); r.StatusCode != http.StatusNotFound || r.Header.Get("x-ms-error-code") != "ResourceGroupNotFound" {
		t.Errorf("PATCH of a missing resource group: %s", r.Status)
	}
	for path, want := range map[string]int{rg: http.StatusNoContent, "missing": http.StatusNotFound} {
		if r, _ := doAs(t, http.DefaultClient, http.MethodHead, u+"/subscriptions/"+sub+"/resourcegroups/"+path+"?api-version=2021-04-01", "", owner); r.StatusCode != want {
			t.Errorf("HEAD resource group %s: %s, want %d", path, r.Status, want)
		}
	}
}

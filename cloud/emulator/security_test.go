package emulator_test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/emulator"
)

// doAs sends a request with the given bearer token over client.
func doAs(t *testing.T, client *http.Client, method, url, body, token string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code, Message string }
	}
	json.NewDecoder(resp.Body).Decode(&e)
	return resp, e.Error.Message
}

const (
	reader    = "11111111-1111-4111-8111-111111111111"
	publisher = "22222222-2222-4222-8222-222222222222"
	nobody    = "33333333-3333-4333-8333-333333333333"
	roleBase  = "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/"
)

// TestRBAC drives every kind of ARM call as principals holding built-in
// roles at gallery scope, and checks what ARM would allow and refuse.
func TestRBAC(t *testing.T) {
	c := start(t, emulator.Options{})
	createRG(t, c)
	u := c.srv.URL()
	owner := emulator.Token("")
	rgID := "/subscriptions/" + sub + "/resourceGroups/" + rg
	gal := rgID + "/providers/Microsoft.Compute/galleries/acme"
	img := gal + "/images/backend"
	ver := img + "/versions/1.0.0"
	q := "?api-version=" + emulator.ComputeAPIVersion
	aq := "?api-version=" + emulator.AuthorizationAPIVersion
	mustStatus := func(r *http.Response, msg string, want int) {
		t.Helper()
		if r.StatusCode != want {
			t.Fatalf("setup: %s %s", r.Status, msg)
		}
	}
	r, m := doAs(t, http.DefaultClient, http.MethodPut, u+gal+q, `{"location":"westeurope"}`, owner)
	mustStatus(r, m, http.StatusCreated)
	r, m = doAs(t, http.DefaultClient, http.MethodPut, u+img+q, `{"location":"westeurope","properties":{"identifier":{"publisher":"p","offer":"o","sku":"s"},"osType":"Linux","osState":"Generalized"}}`, owner)
	mustStatus(r, m, http.StatusCreated)
	versionBody := `{"location":"westeurope","properties":{"storageProfile":{"source":{"id":"/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Compute/images/i"}}}}`
	r, m = doAs(t, http.DefaultClient, http.MethodPut, u+ver+q, versionBody, owner)
	mustStatus(r, m, http.StatusCreated)
	assign := func(name, principal, role string) {
		body := fmt.Sprintf(`{"properties":{"roleDefinitionId":"%s%s","principalId":"%s","principalType":"User"}}`, roleBase, role, principal)
		r, m := doAs(t, http.DefaultClient, http.MethodPut, u+gal+"/providers/Microsoft.Authorization/roleAssignments/"+name+aq, body, owner)
		mustStatus(r, m, http.StatusCreated)
	}
	assign("aaaaaaaa-0000-4000-8000-000000000001", reader, "cf7c76d2-98a3-4358-a134-615aa78bf44d")    // Compute Gallery Image Reader
	assign("aaaaaaaa-0000-4000-8000-000000000002", publisher, "85a2d0d9-2eba-4c9c-b355-11c2cc0788ab") // Compute Gallery Artifacts Publisher

	tests := []struct {
		name, principal, method, path, body string
		status                              int
		action                              string // the action named by a 403
	}{
		{"reader reads a version", reader, http.MethodGet, ver + q, "", http.StatusOK, ""},
		{"reader lists versions", reader, http.MethodGet, img + "/versions" + q, "", http.StatusOK, ""},
		{"reader reads a definition", reader, http.MethodGet, img + q, "", http.StatusOK, ""},
		{"reader cannot read the gallery", reader, http.MethodGet, gal + q, "", http.StatusForbidden, "Microsoft.Compute/galleries/read"},
		{"reader cannot write a version", reader, http.MethodPut, ver + q, versionBody, http.StatusForbidden, "Microsoft.Compute/galleries/images/versions/write"},
		{"reader cannot delete a version", reader, http.MethodDelete, ver + q, "", http.StatusForbidden, "Microsoft.Compute/galleries/images/versions/delete"},
		{"reader cannot share", reader, http.MethodPost, gal + "/share" + q, `{"operationType":"Add","groups":[{"type":"Subscriptions","ids":["` + sub + `"]}]}`, http.StatusForbidden, "Microsoft.Compute/galleries/share/action"},
		{"publisher writes a version", publisher, http.MethodPatch, ver + q, `{"tags":{"a":"b"}}`, http.StatusOK, ""},
		{"publisher reads role assignments", publisher, http.MethodGet, gal + "/providers/Microsoft.Authorization/roleAssignments" + aq, "", http.StatusOK, ""},
		{"publisher cannot share (notActions)", publisher, http.MethodPost, gal + "/share" + q, `{"operationType":"Reset"}`, http.StatusForbidden, "Microsoft.Compute/galleries/share/action"},
		{"publisher cannot assign roles", publisher, http.MethodPut, gal + "/providers/Microsoft.Authorization/roleAssignments/aaaaaaaa-0000-4000-8000-000000000003" + aq, `{"properties":{"roleDefinitionId":"` + roleBase + `acdd72a7-3385-48ef-bd42-f606fba81ae7","principalId":"` + nobody + `"}}`, http.StatusForbidden, "Microsoft.Authorization/roleAssignments/write"},
		{"publisher's rights stop at the gallery", publisher, http.MethodGet, rgID + "/providers/Microsoft.Compute/galleries" + q, "", http.StatusForbidden, "Microsoft.Compute/galleries/read"},
		{"nobody cannot read", nobody, http.MethodGet, ver + q, "", http.StatusForbidden, "Microsoft.Compute/galleries/images/versions/read"},
		{"nobody cannot read the resource group", nobody, http.MethodGet, rgID + "?api-version=2021-04-01", "", http.StatusForbidden, "Microsoft.Resources/subscriptions/resourceGroups/read"},
		{"owner token without oid may do anything", "", http.MethodGet, gal + q, "", http.StatusOK, ""},
		{"a token that is no JWT is the owner", "not-a-jwt", http.MethodGet, gal + q, "", http.StatusOK, ""},
		{"built-in role definitions are readable by the owner", "", http.MethodGet, "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions" + aq + "&$filter=" + "roleName%20eq%20'Reader'", "", http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := emulator.Token(tt.principal)
			if tt.principal == "not-a-jwt" {
				tok = "not-a-jwt"
			}
			r, msg := doAs(t, http.DefaultClient, tt.method, u+tt.path, tt.body, tok)
			if r.StatusCode != tt.status {
				t.Fatalf("got %s (%s), want %d", r.Status, msg, tt.status)
			}
			if tt.action == "" {
				return
			}
			if r.Header.Get("x-ms-error-code") != "AuthorizationFailed" {
				t.Errorf("code %q, want AuthorizationFailed", r.Header.Get("x-ms-error-code"))
			}
			want := fmt.Sprintf("The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '", tt.principal, tt.principal, tt.action)
			if !strings.HasPrefix(msg, want) || !strings.HasSuffix(msg, "' or the scope is invalid. If access was recently granted, please refresh your credentials.") {
				t.Errorf("message %q, want ARM's AuthorizationFailed naming %s", msg, tt.action)
			}
		})
	}

	// Removing the assignment takes the access away.
	r, m = doAs(t, http.DefaultClient, http.MethodDelete, u+gal+"/providers/Microsoft.Authorization/roleAssignments/aaaaaaaa-0000-4000-8000-000000000001"+aq, "", owner)
	mustStatus(r, m, http.StatusOK)
	if r, m := doAs(t, http.DefaultClient, http.MethodGet, u+ver+q, "", emulator.Token(reader)); r.StatusCode != http.StatusForbidden {
		t.Errorf("reader after its assignment was removed: %s %s", r.Status, m)
	}
}

func TestHardening(t *testing.T) {
	c := start(t, emulator.Options{})
	createRG(t, c)
	u := c.srv.URL()
	gal := u + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/g?api-version=" + emulator.ComputeAPIVersion
	big := `{"location":"westeurope","tags":{"x":"` + strings.Repeat("a", 4<<20) + `"}}`
	tests := []struct {
		name, method, url, host, body, token string
		status                               int
		code                                 string
	}{
		{"a rebound DNS name is refused", http.MethodGet, gal, "attacker.example:8443", "", "x", http.StatusMisdirectedRequest, "InvalidHostHeader"},
		{"localhost is served", http.MethodGet, gal, "localhost", "", "x", http.StatusNotFound, "ResourceNotFound"},
		{"[::1] is served", http.MethodGet, gal, "[::1]:1234", "", "x", http.StatusNotFound, "ResourceNotFound"},
		{"a body over 4 MB is refused as ARM does", http.MethodPut, gal, "", big, "x", http.StatusRequestEntityTooLarge, "RequestContentTooLarge"},
		{"control endpoints need a token", http.MethodGet, u + "/_emulator/stats", "", "", "", http.StatusUnauthorized, "AuthenticationFailed"},
		{"control endpoints need the owner", http.MethodGet, u + "/_emulator/stats", "", "", emulator.Token(nobody), http.StatusForbidden, "AuthorizationFailed"},
		{"the owner may use control endpoints", http.MethodGet, u + "/_emulator/stats", "", "", "x", http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("x-ms-error-code") != tt.code {
				t.Errorf("got %s %q, want %d %q", resp.Status, resp.Header.Get("x-ms-error-code"), tt.status, tt.code)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	srv, err := emulator.Start(t.Context(), emulator.Options{StateDir: state, TLS: true, RegisterCA: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %s", srv.URL())
	}
	certs := srv.Certificates()
	if certs.CAFile != filepath.Join(state, "tls", "ca.pem") {
		t.Errorf("CA file %s", certs.CAFile)
	}
	for _, key := range []string{"ca-key.pem", "key.pem"} {
		fi, err := os.Stat(filepath.Join(state, "tls", key))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", key, fi.Mode(), err)
		}
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: certs.Pool()}}}
	url := srv.URL() + "/subscriptions/" + sub + "/resourcegroups/" + rg + "?api-version=2021-04-01"
	if r, m := doAs(t, trusting, http.MethodPut, url, `{"location":"westeurope"}`, "x"); r.StatusCode != http.StatusCreated {
		t.Fatalf("over TLS trusting the CA: %s %s", r.Status, m)
	}
	if _, err := http.Get(url); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client not trusting the CA: %v, want a certificate error", err)
	}
	// The registered copy makes curator's endpoint targets trust it.
	if r, m := doAs(t, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: emulator.TrustedCAs("")}}}, http.MethodGet, url, "", "x"); r.StatusCode != http.StatusOK {
		t.Errorf("trusting the registered CAs: %s %s", r.Status, m)
	}
	ca := string(certs.CAPEM)
	srv.Close()

	// A restart keeps the CA, so a client told once keeps trusting it.
	srv, err = emulator.Start(t.Context(), emulator.Options{StateDir: state, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if string(srv.Certificates().CAPEM) != ca {
		t.Error("the CA changed across a restart")
	}
	if r, m := doAs(t, trusting, http.MethodGet, srv.URL()+"/subscriptions/"+sub+"/resourcegroups/"+rg+"?api-version=2021-04-01", "", "x"); r.StatusCode != http.StatusOK {
		t.Errorf("after restart: %s %s", r.Status, m)
	}
}

func TestLeafRenewedFromTheSameCA(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	first, err := emulator.LoadCertificates(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	later, err := emulator.LoadCertificates(dir, now.Add(390*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if string(first.CAPEM) != string(later.CAPEM) {
		t.Error("renewing the leaf replaced the CA")
	}
}

// TestPrincipalNotFound: a new principal's first role assignments without
// a principalType are refused until it has "replicated".
func TestPrincipalNotFound(t *testing.T) {
	c := start(t, emulator.Options{Faults: emulator.Faults{NewPrincipals: 2}})
	createRG(t, c)
	u := c.srv.URL() + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Authorization/roleAssignments/"
	body := func(principal, typ string) string {
		return fmt.Sprintf(`{"properties":{"roleDefinitionId":"%sacdd72a7-3385-48ef-bd42-f606fba81ae7","principalId":"%s"%s}}`, roleBase, principal, typ)
	}
	aq := "?api-version=" + emulator.AuthorizationAPIVersion
	steps := []struct {
		name, principal, typ string
		status               int
	}{
		{"first try", reader, "", http.StatusBadRequest},
		{"second try", reader, "", http.StatusBadRequest},
		{"replicated by the third", reader, "", http.StatusCreated},
		{"with principalType the delay is tolerated", publisher, `,"principalType":"ServicePrincipal"`, http.StatusCreated},
	}
	for i, st := range steps {
		r, msg := doAs(t, http.DefaultClient, http.MethodPut, u+fmt.Sprintf("bbbbbbbb-0000-4000-8000-%012d", i)+aq, body(st.principal, st.typ), "x")
		if r.StatusCode != st.status {
			t.Fatalf("%s: %s %s", st.name, r.Status, msg)
		}
		if st.status == http.StatusBadRequest && (r.Header.Get("x-ms-error-code") != "PrincipalNotFound" || !strings.Contains(msg, "replication delay")) {
			t.Errorf("%s: %s %q", st.name, r.Header.Get("x-ms-error-code"), msg)
		}
	}
}

// TestOlderAPIVersionShape: a version created with 2018-06-01's body
// (publishingProfile.source) reads back in that shape, and in today's
// shape with today's api-version.
func TestOlderAPIVersionShape(t *testing.T) {
	c := start(t, emulator.Options{})
	createRG(t, c)
	base := c.srv.URL() + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/g"
	old := "?api-version=2018-06-01"
	src := "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Compute/images/i"
	for _, put := range []struct{ url, body string }{
		{base + old, `{"location":"westeurope"}`},
		{base + "/images/d" + old, `{"location":"westeurope","properties":{"identifier":{"publisher":"p","offer":"o","sku":"s"},"osType":"Linux","osState":"Generalized"}}`},
		{base + "/images/d/versions/1.0.0" + old, `{"location":"westeurope","properties":{"publishingProfile":{"source":{"managedImage":{"id":"` + src + `"}}}}}`},
	} {
		if r, m := doAs(t, http.DefaultClient, http.MethodPut, put.url, put.body, "x"); r.StatusCode != http.StatusCreated {
			t.Fatalf("PUT %s: %s %s", put.url, r.Status, m)
		}
	}
	get := func(url string) map[string]any {
		resp := do(t, http.MethodGet, url, "", true)
		var v struct{ Properties map[string]any }
		json.NewDecoder(resp.Body).Decode(&v)
		return v.Properties
	}
	p := get(base + "/images/d/versions/1.0.0" + old)
	// 2018-06-01's storageProfile is read-only and names no source.
	if sp, _ := p["storageProfile"].(map[string]any); sp["source"] != nil || sp["osDiskImage"].(map[string]any)["source"] != nil {
		t.Errorf("2018-06-01 returned a storageProfile source: %v", p)
	}
	if got := p["publishingProfile"].(map[string]any)["source"]; fmt.Sprint(got) != fmt.Sprint(map[string]any{"managedImage": map[string]any{"id": src}}) {
		t.Errorf("2018-06-01 source = %v", got)
	}
	p = get(base + "/images/d/versions/1.0.0?api-version=" + emulator.ComputeAPIVersion)
	if got := p["storageProfile"].(map[string]any)["source"].(map[string]any)["id"]; got != src {
		t.Errorf("%s storageProfile.source.id = %v", emulator.ComputeAPIVersion, got)
	}
	if p := get(base + old); p["sharingProfile"] != nil {
		t.Errorf("2018-06-01 gallery has sharingProfile %v", p["sharingProfile"])
	}
	if p := get(base + "?api-version=" + emulator.ComputeAPIVersion); p["sharingProfile"] == nil {
		t.Error("today's gallery has no sharingProfile")
	}
}

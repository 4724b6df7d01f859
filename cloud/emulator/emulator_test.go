package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/curator-dev/curator/cloud/emulator"
)

const (
	sub = "00000000-0000-0000-0000-000000000000"
	rg  = "images"
)

type token struct{}

func (token) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "test-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

type clients struct {
	srv       *emulator.Server
	galleries *armcompute.GalleriesClient
	images    *armcompute.GalleryImagesClient
	versions  *armcompute.GalleryImageVersionsClient
	sharing   *armcompute.GallerySharingProfileClient
	roles     *armauthorization.RoleAssignmentsClient
}

func armOptions(url string) *arm.ClientOptions {
	return &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: url, Audience: "https://management.core.windows.net/"},
			}},
			Retry:                           policy.RetryOptions{MaxRetries: 5, RetryDelay: 10 * time.Millisecond, MaxRetryDelay: 200 * time.Millisecond},
			InsecureAllowCredentialWithHTTP: true,
		},
		DisableRPRegistration: true,
	}
}

func start(t *testing.T, opts emulator.Options) *clients {
	t.Helper()
	srv, err := emulator.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return connect(t, srv)
}

func connect(t *testing.T, srv *emulator.Server) *clients {
	t.Helper()
	o := armOptions(srv.URL())
	c := &clients{srv: srv}
	var err error
	must := func(e error) {
		if e != nil {
			t.Fatal(e)
		}
	}
	c.galleries, err = armcompute.NewGalleriesClient(sub, token{}, o)
	must(err)
	c.images, err = armcompute.NewGalleryImagesClient(sub, token{}, o)
	must(err)
	c.versions, err = armcompute.NewGalleryImageVersionsClient(sub, token{}, o)
	must(err)
	c.sharing, err = armcompute.NewGallerySharingProfileClient(sub, token{}, o)
	must(err)
	c.roles, err = armauthorization.NewRoleAssignmentsClient(sub, token{}, o)
	must(err)
	return c
}

func do(t *testing.T, method, url, body string, auth bool) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.Header.Set("Authorization", "Bearer x")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func createRG(t *testing.T, c *clients) {
	t.Helper()
	resp := do(t, http.MethodPut, c.srv.URL()+"/subscriptions/"+sub+"/resourcegroups/"+rg+"?api-version=2021-04-01", `{"location":"westeurope"}`, true)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create resource group: %s", resp.Status)
	}
}

func gallery(c *clients, t *testing.T, name string) {
	t.Helper()
	p, err := c.galleries.BeginCreateOrUpdate(context.Background(), rg, name, armcompute.Gallery{
		Location:   to.Ptr("West Europe"),
		Tags:       map[string]*string{"curator.managed-by": to.Ptr("test")},
		Properties: &armcompute.GalleryProperties{Description: to.Ptr("golden images")},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PollUntilDone(context.Background(), &runtime_freq); err != nil {
		t.Fatal(err)
	}
}

func image(c *clients, t *testing.T, g, name, sku string) error {
	t.Helper()
	p, err := c.images.BeginCreateOrUpdate(context.Background(), rg, g, name, armcompute.GalleryImage{
		Location: to.Ptr("westeurope"),
		Properties: &armcompute.GalleryImageProperties{
			Identifier:       &armcompute.GalleryImageIdentifier{Publisher: to.Ptr("Contoso"), Offer: to.Ptr("Finance"), SKU: to.Ptr(sku)},
			OSType:           to.Ptr(armcompute.OperatingSystemTypesLinux),
			OSState:          to.Ptr(armcompute.OperatingSystemStateTypesGeneralized),
			HyperVGeneration: to.Ptr(armcompute.HyperVGenerationV2),
		},
	}, nil)
	if err != nil {
		return err
	}
	_, err = p.PollUntilDone(context.Background(), &runtime_freq)
	return err
}

var runtime_freq = pollOpts()

func versionBody(regions map[string]int32) armcompute.GalleryImageVersion {
	var trs []*armcompute.TargetRegion
	for r, n := range regions {
		trs = append(trs, &armcompute.TargetRegion{Name: to.Ptr(r), RegionalReplicaCount: to.Ptr(n)})
	}
	return armcompute.GalleryImageVersion{
		Location: to.Ptr("westeurope"),
		Properties: &armcompute.GalleryImageVersionProperties{
			PublishingProfile: &armcompute.GalleryImageVersionPublishingProfile{TargetRegions: trs},
			StorageProfile: &armcompute.GalleryImageVersionStorageProfile{
				Source: &armcompute.GalleryArtifactVersionFullSource{ID: to.Ptr("/subscriptions/" + sub + "/resourceGroups/src/providers/Microsoft.Compute/images/base")},
			},
		},
	}
}

func armCode(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("%d %s", re.StatusCode, re.ErrorCode)
	}
	return fmt.Sprint(err)
}

func TestLifecycleThroughSDK(t *testing.T) {
	ctx := context.Background()
	c := start(t, emulator.Options{PageSize: 2, ReplicationRate: 20})
	createRG(t, c)
	gallery(c, t, "acme")
	for i := 0; i < 3; i++ {
		if err := image(c, t, "acme", fmt.Sprintf("img-%d", i), fmt.Sprintf("sku-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Paging: three images with a page size of two.
	var names []string
	pager := c.images.NewListByGalleryPager(rg, "acme", nil)
	pages := 0
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, im := range page.Value {
			names = append(names, *im.Name)
		}
	}
	if pages != 2 || strings.Join(names, ",") != "img-0,img-1,img-2" {
		t.Fatalf("paging: %d pages, %v", pages, names)
	}

	// A version replicates; its create completes when every region has.
	p, err := c.versions.BeginCreateOrUpdate(ctx, rg, "acme", "img-0", "1.0.0", versionBody(map[string]int32{"westeurope": 2, "northeurope": 1}), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.PollUntilDone(ctx, &runtime_freq)
	if err != nil {
		t.Fatal(err)
	}
	if got := *res.Properties.ProvisioningState; got != armcompute.GalleryProvisioningStateSucceeded {
		t.Fatalf("provisioning state after create = %s", got)
	}
	v, err := c.versions.Get(ctx, rg, "acme", "img-0", "1.0.0", &armcompute.GalleryImageVersionsClientGetOptions{Expand: to.Ptr(armcompute.ReplicationStatusTypesReplicationStatus)})
	if err != nil {
		t.Fatal(err)
	}
	rs := v.Properties.ReplicationStatus
	if rs == nil || *rs.AggregatedState != armcompute.AggregatedReplicationStateCompleted || len(rs.Summary) != 2 {
		t.Fatalf("replication status = %+v", rs)
	}
	// The service's defaults from 2025-03-03: strategy PreferStandard_ZRS,
	// and both regions offer ZRS.
	if pp := v.Properties.PublishingProfile; *pp.ReplicaCount != 1 || pp.StorageAccountType != nil || *pp.StorageAccountStrategy != armcompute.StorageAccountStrategyPreferStandardZRS || *pp.TargetRegions[0].StorageAccountType != armcompute.StorageAccountTypeStandardZRS {
		t.Fatalf("defaults not applied: %+v", v.Properties.PublishingProfile)
	}

	// Update: replica count in place, one region added.
	up, err := c.versions.BeginUpdate(ctx, rg, "acme", "img-0", "1.0.0", armcompute.GalleryImageVersionUpdate{
		Properties: &armcompute.GalleryImageVersionProperties{PublishingProfile: &armcompute.GalleryImageVersionPublishingProfile{
			TargetRegions: []*armcompute.TargetRegion{
				{Name: to.Ptr("westeurope"), RegionalReplicaCount: to.Ptr[int32](3)},
				{Name: to.Ptr("northeurope"), RegionalReplicaCount: to.Ptr[int32](1)},
				{Name: to.Ptr("East US"), RegionalReplicaCount: to.Ptr[int32](1), StorageAccountType: to.Ptr(armcompute.StorageAccountTypeStandardZRS)},
			},
		}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := up.PollUntilDone(ctx, &runtime_freq); err != nil {
		t.Fatal(err)
	}
	v, err = c.versions.Get(ctx, rg, "acme", "img-0", "1.0.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(v.Properties.PublishingProfile.TargetRegions); n != 3 {
		t.Fatalf("after update: %d regions", n)
	}

	// Deleting a parent with children is refused.
	_, err = c.images.BeginDelete(ctx, rg, "acme", "img-0", nil)
	if got := armCode(err); got != "409 CannotDeleteResource" {
		t.Fatalf("delete image with versions: %s", got)
	}
	dp, err := c.versions.BeginDelete(ctx, rg, "acme", "img-0", "1.0.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dp.PollUntilDone(ctx, &runtime_freq); err != nil {
		t.Fatal(err)
	}
	if _, err := c.versions.Get(ctx, rg, "acme", "img-0", "1.0.0", nil); armCode(err) != "404 ResourceNotFound" {
		t.Fatalf("get deleted version: %v", err)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	c := start(t, emulator.Options{})
	createRG(t, c)
	gallery(c, t, "acme")
	if err := image(c, t, "acme", "one", "sku"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"duplicate publisher/offer/sku", func() error { return image(c, t, "acme", "two", "sku") }, "409 Conflict"},
		{"missing parent gallery", func() error { return image(c, t, "nope", "x", "sku2") }, "404 ParentResourceNotFound"},
		{"immutable osType", func() error {
			_, err := c.images.BeginCreateOrUpdate(ctx, rg, "acme", "one", armcompute.GalleryImage{
				Location: to.Ptr("westeurope"),
				Properties: &armcompute.GalleryImageProperties{
					Identifier: &armcompute.GalleryImageIdentifier{Publisher: to.Ptr("Contoso"), Offer: to.Ptr("Finance"), SKU: to.Ptr("sku")},
					OSType:     to.Ptr(armcompute.OperatingSystemTypesWindows), OSState: to.Ptr(armcompute.OperatingSystemStateTypesGeneralized),
					HyperVGeneration: to.Ptr(armcompute.HyperVGenerationV2),
				},
			}, nil)
			return err
		}, "409 PropertyChangeNotAllowed"},
		{"source region not a target", func() error {
			_, err := c.versions.BeginCreateOrUpdate(ctx, rg, "acme", "one", "1.0.0", versionBody(map[string]int32{"eastus": 1}), nil)
			return err
		}, "400 InvalidParameter"},
		{"replicas above 100", func() error {
			_, err := c.versions.BeginCreateOrUpdate(ctx, rg, "acme", "one", "1.0.0", versionBody(map[string]int32{"westeurope": 101}), nil)
			return err
		}, "400 InvalidParameter"},
		{"version name", func() error {
			_, err := c.versions.BeginCreateOrUpdate(ctx, rg, "acme", "one", "1.0", versionBody(map[string]int32{"westeurope": 1}), nil)
			return err
		}, "400 InvalidParameter"},
		{"missing resource group", func() error {
			_, err := c.galleries.BeginCreateOrUpdate(ctx, "nope", "g", armcompute.Gallery{Location: to.Ptr("westeurope")}, nil)
			return err
		}, "404 ResourceGroupNotFound"},
		{"get missing gallery", func() error { _, err := c.galleries.Get(ctx, rg, "missing", nil); return err }, "404 ResourceNotFound"},
		{"immutable version source", func() error {
			if _, err := c.versions.BeginCreateOrUpdate(ctx, rg, "acme", "one", "2.0.0", versionBody(map[string]int32{"westeurope": 1}), nil); err != nil {
				return err
			}
			body := versionBody(map[string]int32{"westeurope": 1})
			body.Properties.StorageProfile.Source.ID = to.Ptr("/subscriptions/" + sub + "/resourceGroups/src/providers/Microsoft.Compute/images/other")
			_, err := c.versions.BeginCreateOrUpdate(ctx, rg, "acme", "one", "2.0.0", body, nil)
			return err
		}, "409 PropertyChangeNotAllowed"},
		{"immutable region storage type", func() error {
			body := versionBody(map[string]int32{"westeurope": 1})
			body.Properties.PublishingProfile.TargetRegions[0].StorageAccountType = to.Ptr(armcompute.StorageAccountTypePremiumLRS)
			_, err := c.versions.BeginCreateOrUpdate(ctx, rg, "acme", "one", "2.0.0", body, nil)
			return err
		}, "409 PropertyChangeNotAllowed"},
		{"delete gallery with definitions", func() error { _, err := c.galleries.BeginDelete(ctx, rg, "acme", nil); return err }, "409 CannotDeleteResource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := armCode(tt.call()); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAuthAndAPIVersion(t *testing.T) {
	c := start(t, emulator.Options{})
	createRG(t, c)
	base := c.srv.URL() + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries"
	if r := do(t, http.MethodGet, base+"?api-version="+emulator.ComputeAPIVersion, "", false); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %s", r.Status)
	}
	roles := c.srv.URL() + "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleAssignments"
	defs := c.srv.URL() + "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions"
	tests := []struct {
		url, version string
		status       int
		code         string
	}{
		{base, "2018-06-01", http.StatusOK, ""},
		{base, "2020-09-30", http.StatusOK, ""},
		{base, "2025-12-03", http.StatusOK, ""},
		{base, emulator.ComputeAPIVersion, http.StatusOK, ""},
		{base, "2017-12-01", http.StatusBadRequest, "InvalidApiVersionParameter"},
		{base, "2026-03-04", http.StatusBadRequest, "InvalidApiVersionParameter"},
		{base, "", http.StatusBadRequest, "MissingApiVersionParameter"},
		{roles, "2015-07-01", http.StatusOK, ""},
		{roles, "2020-04-01-preview", http.StatusOK, ""},
		{roles, emulator.AuthorizationAPIVersion, http.StatusOK, ""},
		{roles, "2025-01-01", http.StatusBadRequest, "InvalidApiVersionParameter"},
		{roles, "2017-10-01-preview", http.StatusOK, ""},
		{roles, "2022-05-01-preview", http.StatusBadRequest, "InvalidApiVersionParameter"},
		{defs, "2022-05-01-preview", http.StatusOK, ""},
		{defs, "2017-10-01-preview", http.StatusBadRequest, "InvalidApiVersionParameter"},
		{defs, emulator.AuthorizationAPIVersion, http.StatusOK, ""},
		{c.srv.URL() + "/subscriptions/" + sub + "/resourcegroups/" + rg, "2025-04-01", http.StatusOK, ""},
		{c.srv.URL() + "/subscriptions/" + sub + "/resourcegroups/" + rg, "2016-06-01", http.StatusBadRequest, "InvalidApiVersionParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.version+" "+tt.url[strings.LastIndexByte(tt.url, '/'):], func(t *testing.T) {
			r := do(t, http.MethodGet, tt.url+"?api-version="+tt.version, "", true)
			if r.StatusCode != tt.status || r.Header.Get("x-ms-error-code") != tt.code {
				t.Errorf("got %s %q, want %d %q", r.Status, r.Header.Get("x-ms-error-code"), tt.status, tt.code)
			}
			if tt.code == "InvalidApiVersionParameter" {
				var body struct{ Error struct{ Message string } }
				json.NewDecoder(r.Body).Decode(&body)
				if !strings.Contains(body.Error.Message, "The supported versions are") {
					t.Errorf("message does not list the supported versions: %q", body.Error.Message)
				}
			}
		})
	}
}

func TestGalleryLimitPerRegion(t *testing.T) {
	c := start(t, emulator.Options{})
	createRG(t, c)
	for i := 0; i < 100; i++ {
		r := do(t, http.MethodPut, fmt.Sprintf("%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/g%d?api-version=%s", c.srv.URL(), sub, rg, i, emulator.ComputeAPIVersion), `{"location":"westeurope"}`, true)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("gallery %d: %s", i, r.Status)
		}
	}
	r := do(t, http.MethodPut, fmt.Sprintf("%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/one_more?api-version=%s", c.srv.URL(), sub, rg, emulator.ComputeAPIVersion), `{"location":"westeurope"}`, true)
	if r.StatusCode != http.StatusConflict || r.Header.Get("x-ms-error-code") != "OperationNotAllowed" {
		t.Errorf("101st gallery in westeurope: %s %s", r.Status, r.Header.Get("x-ms-error-code"))
	}
	r = do(t, http.MethodPut, fmt.Sprintf("%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/elsewhere?api-version=%s", c.srv.URL(), sub, rg, emulator.ComputeAPIVersion), `{"location":"eastus"}`, true)
	if r.StatusCode != http.StatusCreated {
		t.Errorf("a gallery in another region: %s", r.Status)
	}
}

// TestDeletingAGalleryKeepsAssignmentsOfAnotherWithALongerName: deleting
// g2 deletes the role assignments at g2 and below it, not those on g20.
func TestDeletingAGalleryKeepsAssignmentsOfAnotherWithALongerName(t *testing.T) {
	ctx := context.Background()
	c := start(t, emulator.Options{})
	createRG(t, c)
	gallery(c, t, "g2")
	gallery(c, t, "g20")
	scope := func(g string) string {
		return "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/" + g
	}
	for i, g := range []string{"g2", "g20"} {
		_, err := c.roles.Create(ctx, scope(g), fmt.Sprintf("0b6a1c8e-0000-4000-8000-00000000000%d", i), armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
			RoleDefinitionID: to.Ptr("/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"),
			PrincipalID:      to.Ptr("5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11"),
		}}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	p, err := c.galleries.BeginDelete(ctx, rg, "g2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PollUntilDone(ctx, &runtime_freq); err != nil {
		t.Fatal(err)
	}
	if _, err := c.roles.Get(ctx, scope("g20"), "0b6a1c8e-0000-4000-8000-000000000001", nil); err != nil {
		t.Errorf("the assignment on g20 after deleting g2: %v", err)
	}
	if _, err := c.roles.Get(ctx, scope("g2"), "0b6a1c8e-0000-4000-8000-000000000000", nil); armCode(err) != "404 RoleAssignmentNotFound" {
		t.Errorf("the assignment on g2 after deleting it: %v", err)
	}
}

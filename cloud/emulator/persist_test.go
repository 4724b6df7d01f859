package emulator_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"

	"github.com/curator-dev/curator/cloud/emulator"
)

// TestHelperProcess is the emulator run as a separate process by
// TestKillNineKeepsAcknowledgedWrites.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("EMULATOR_CHILD_STATE")
	if dir == "" {
		t.Skip("helper process")
	}
	srv, err := emulator.Start(context.Background(), emulator.Options{StateDir: dir})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println(srv.URL())
	select {}
}

func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "EMULATOR_CHILD_STATE="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://") {
		cmd.Process.Kill()
		t.Fatalf("child: %q %v", line, err)
	}
	url := strings.TrimSpace(line)

	// A second process on the same folder is refused, naming the holder.
	if _, err := emulator.Start(context.Background(), emulator.Options{StateDir: dir}); !errors.Is(err, emulator.ErrStateInUse) || !strings.Contains(err.Error(), "pid") {
		t.Errorf("second emulator on the folder: %v", err)
	}

	if r := do(t, http.MethodPut, url+"/subscriptions/"+sub+"/resourcegroups/"+rg+"?api-version=2021-04-01", `{"location":"westeurope"}`, true); r.StatusCode != http.StatusCreated {
		t.Fatal(r.Status)
	}
	acked := 0
	for i := 0; i < 40; i++ {
		r := do(t, http.MethodPut, fmt.Sprintf("%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/g%d?api-version=%s", url, sub, rg, i, emulator.ComputeAPIVersion), `{"location":"westeurope"}`, true)
		if r.StatusCode == http.StatusCreated {
			acked++
		}
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	c := start(t, emulator.Options{StateDir: dir})
	n := 0
	pager := c.galleries.NewListByResourceGroupPager(rg, nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Value)
	}
	if n != acked {
		t.Fatalf("%d galleries survived kill -9, %d were acknowledged", n, acked)
	}
}

func TestRestartKeepsStateAndReplicationAdvancesWhileStopped(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	c := start(t, emulator.Options{StateDir: dir, ReplicationRate: 20}) // 10 GB: 0.5 s
	createRG(t, c)
	gallery(c, t, "acme")
	if err := image(c, t, "acme", "img", "sku"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.versions.BeginCreateOrUpdate(ctx, rg, "acme", "img", "1.0.0", versionBody(map[string]int32{"westeurope": 1}), nil); err != nil {
		t.Fatal(err)
	}
	c.srv.Close()
	time.Sleep(600 * time.Millisecond)
	c2 := start(t, emulator.Options{StateDir: dir, ReplicationRate: 20})
	v, err := c2.versions.Get(ctx, rg, "acme", "img", "1.0.0", &armcompute.GalleryImageVersionsClientGetOptions{Expand: to.Ptr(armcompute.ReplicationStatusTypesReplicationStatus)})
	if err != nil {
		t.Fatal(err)
	}
	if got := *v.Properties.ReplicationStatus.AggregatedState; got != armcompute.AggregatedReplicationStateCompleted {
		t.Errorf("replication after a restart: %s", got)
	}
}

func TestSharingProfileAndRoleAssignments(t *testing.T) {
	ctx := context.Background()
	c := start(t, emulator.Options{PageSize: 1})
	createRG(t, c)
	gallery(c, t, "private")
	// A directly shared gallery is created for it.
	gp, err := c.galleries.BeginCreateOrUpdate(ctx, rg, "acme", armcompute.Gallery{
		Location:   to.Ptr("westeurope"),
		Properties: &armcompute.GalleryProperties{SharingProfile: &armcompute.SharingProfile{Permissions: to.Ptr(armcompute.GallerySharingPermissionTypesGroups)}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gp.PollUntilDone(ctx, &runtime_freq); err != nil {
		t.Fatal(err)
	}
	shareIn := func(gallery string, op armcompute.SharingUpdateOperationTypes, ids ...string) error {
		p, err := c.sharing.BeginUpdate(ctx, rg, gallery, armcompute.SharingUpdate{OperationType: to.Ptr(op), Groups: []*armcompute.SharingProfileGroup{{Type: to.Ptr(armcompute.SharingProfileGroupTypesSubscriptions), IDs: to.SliceOfPtrs(ids...)}}}, nil)
		if err != nil {
			return err
		}
		_, err = p.PollUntilDone(ctx, &runtime_freq)
		return err
	}
	share := func(op armcompute.SharingUpdateOperationTypes, ids ...string) error {
		return shareIn("acme", op, ids...)
	}
	if got := armCode(shareIn("private", armcompute.SharingUpdateOperationTypesAdd, "11111111-1111-1111-1111-111111111111")); got != "409 OperationNotAllowed" {
		t.Errorf("sharing a gallery not created for it: %s", got)
	}
	if err := share(armcompute.SharingUpdateOperationTypesAdd, "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"); err != nil {
		t.Fatal(err)
	}
	if err := share(armcompute.SharingUpdateOperationTypesRemove, "11111111-1111-1111-1111-111111111111"); err != nil {
		t.Fatal(err)
	}
	// The groups come back only when asked for.
	g, err := c.galleries.Get(ctx, rg, "acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	if sp := g.Properties.SharingProfile; *sp.Permissions != armcompute.GallerySharingPermissionTypesGroups || sp.Groups != nil {
		t.Errorf("sharing profile without $select = %+v", sp)
	}
	for _, opts := range []*armcompute.GalleriesClientGetOptions{
		{Select: to.Ptr(armcompute.SelectPermissionsPermissions)},
		{Expand: to.Ptr(armcompute.GalleryExpandParamsSharingProfileGroups)},
	} {
		if g, err = c.galleries.Get(ctx, rg, "acme", opts); err != nil {
			t.Fatal(err)
		}
		if len(g.Properties.SharingProfile.Groups) != 1 {
			t.Errorf("groups with %+v: %+v", opts, g.Properties.SharingProfile)
		}
	}
	sp := g.Properties.SharingProfile
	if *sp.Permissions != armcompute.GallerySharingPermissionTypesGroups || len(sp.Groups) != 1 || len(sp.Groups[0].IDs) != 1 || *sp.Groups[0].IDs[0] != "22222222-2222-2222-2222-222222222222" {
		t.Errorf("sharing profile = %+v", sp)
	}

	scope := "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/acme"
	create := func(name, principal string) error {
		_, err := c.roles.Create(ctx, scope, name, armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
			RoleDefinitionID: to.Ptr("/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"),
			PrincipalID:      to.Ptr(principal),
		}}, nil)
		return err
	}
	if err := create("0b6a1c8e-0000-4000-8000-000000000001", "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11"); err != nil {
		t.Fatal(err)
	}
	if err := create("0b6a1c8e-0000-4000-8000-000000000002", "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c12"); err != nil {
		t.Fatal(err)
	}
	if got := armCode(create("0b6a1c8e-0000-4000-8000-000000000003", "5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11")); got != "409 RoleAssignmentExists" {
		t.Errorf("duplicate assignment under another name: %s", got)
	}
	// Listed at scope, one per page.
	n := 0
	pager := c.roles.NewListForScopePager(scope, &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: to.Ptr("atScope()")})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Value)
	}
	if n != 2 {
		t.Errorf("%d assignments listed at scope", n)
	}
	if _, err := c.roles.Delete(ctx, scope, "0b6a1c8e-0000-4000-8000-000000000001", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.roles.Get(ctx, scope, "0b6a1c8e-0000-4000-8000-000000000001", nil); armCode(err) != "404 RoleAssignmentNotFound" {
		t.Errorf("get deleted assignment: %v", armCode(err))
	}
}

func TestStatsAndFaultsOverHTTP(t *testing.T) {
	c := start(t, emulator.Options{})
	createRG(t, c)
	r := do(t, http.MethodPut, c.srv.URL()+"/_emulator/faults", `{"throttleRate":1,"retryAfter":1000000}`, true)
	if r.StatusCode != http.StatusOK {
		t.Fatal(r.Status)
	}
	r = do(t, http.MethodGet, c.srv.URL()+"/subscriptions/"+sub+"/resourceGroups/"+rg+"/providers/Microsoft.Compute/galleries?api-version="+emulator.ComputeAPIVersion, "", true)
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Errorf("with throttling on: %s, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	if got := c.srv.Stats()["GET galleries"]; got != 1 {
		t.Errorf("stats count %d GET galleries", got)
	}
	if c.srv.InjectedFaults()["throttle"] != 1 {
		t.Errorf("faults = %v", c.srv.InjectedFaults())
	}
}

func TestParseFaults(t *testing.T) {
	f, err := emulator.ParseFaults("throttle=0.1,5xx=0.05,drop=0.01,latency=50ms,fail-region=East US,seed=7")
	if err != nil || f.ThrottleRate != 0.1 || f.ServerErrorRate != 0.05 || f.Latency != 50*time.Millisecond || f.FailRegions[0] != "eastus" || f.Seed != 7 {
		t.Fatalf("%+v %v", f, err)
	}
	for _, bad := range []string{"throttle=2", "nope=1", "latency"} {
		if _, err := emulator.ParseFaults(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestFailingRegionFailsTheCreate(t *testing.T) {
	ctx := context.Background()
	c := start(t, emulator.Options{Faults: emulator.Faults{FailRegions: []string{"eastus"}}})
	createRG(t, c)
	gallery(c, t, "acme")
	if err := image(c, t, "acme", "img", "sku"); err != nil {
		t.Fatal(err)
	}
	p, err := c.versions.BeginCreateOrUpdate(ctx, rg, "acme", "img", "1.0.0", versionBody(map[string]int32{"westeurope": 1, "eastus": 1}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PollUntilDone(ctx, &runtime_freq); err == nil || !strings.Contains(err.Error(), "ReplicationFailed") {
		t.Errorf("create with a failing region: %v", err)
	}
}

func BenchmarkServeGetGallery(b *testing.B) {
	srv, err := emulator.Start(context.Background(), emulator.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	put := func(url, body string) {
		req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
	put(srv.URL()+"/subscriptions/"+sub+"/resourcegroups/"+rg+"?api-version=2021-04-01", `{"location":"westeurope"}`)
	url := srv.URL() + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/g?api-version=" + emulator.ComputeAPIVersion
	put(url, `{"location":"westeurope"}`)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer x")
		for pb.Next() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

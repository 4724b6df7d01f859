package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/internal/azclients"
	"github.com/curator-dev/curator/model"
)

// azBatch runs az commands in one Python process (testdata/az/batch.py):
// the same entry point /usr/bin/az calls, started once.
type azBatch struct {
	ran  *[][]string // every command run, for the README check
	in   io.WriteCloser
	out  *bufio.Reader
	cmd  *exec.Cmd
	logs *strings.Builder
}

type azAnswer struct {
	Code int    `json:"code"`
	Out  string `json:"out"`
	Err  string `json:"err"`
}

func startAzBatch(t *testing.T, python string, env []string, ran *[][]string) *azBatch {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "az", "batch.py"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	cmd := exec.CommandContext(ctx, python, script)
	cmd.Env = env
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &strings.Builder{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		_ = cmd.Wait()
		cancel()
	})
	return &azBatch{ran: ran, in: in, out: bufio.NewReaderSize(out, 1<<20), cmd: cmd, logs: logs}
}

func (b *azBatch) run(t *testing.T, args ...string) azAnswer {
	t.Helper()
	*b.ran = append(*b.ran, args)
	line, _ := json.Marshal(args)
	if _, err := fmt.Fprintf(b.in, "%s\n", line); err != nil {
		t.Fatalf("az %s: %v (%s)", strings.Join(args, " "), err, b.logs)
	}
	data, err := b.out.ReadBytes('\n')
	if err != nil {
		t.Fatalf("az %s: %v (%s)", strings.Join(args, " "), err, b.logs)
	}
	var a azAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatalf("az %s: %v: %s", strings.Join(args, " "), err, data)
	}
	return a
}

// azStep is one az command and what it must answer: exit code 0 and the
// output (-o tsv with a --query, or JSON) containing want; or, with fail,
// a non-zero exit whose error contains want.
type azStep struct {
	args []string
	want []string
	fail bool
}

func (b *azBatch) steps(t *testing.T, steps []azStep) {
	t.Helper()
	for _, st := range steps {
		a := b.run(t, st.args...)
		cmdline := "az " + strings.Join(st.args, " ")
		switch {
		case st.fail && a.Code == 0:
			t.Errorf("%s: succeeded, want a failure naming %q\n%s", cmdline, st.want, a.Out)
			continue
		case !st.fail && a.Code != 0:
			t.Errorf("%s: exit %d\n%s", cmdline, a.Code, a.Err)
			continue
		}
		for _, w := range st.want {
			if got := a.Out + a.Err; !strings.Contains(got, w) {
				t.Errorf("%s: answer lacks %q:\n%s", cmdline, w, got)
			}
		}
	}
}

// azExec runs the az executable itself.
func azExec(t *testing.T, az string, env []string, ran *[][]string, args ...string) string {
	t.Helper()
	*ran = append(*ran, args)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, az, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("az %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestAzCLI is the az CLI's conformance suite: Debian's azure-cli 2.45
// (installed by .ci/azure-clients.sh when missing) registers the emulator
// as a cloud from nothing but its Resource Manager endpoint, logs in as
// the estate's owner and as a Reader service principal through the
// emulator's token service, and manages galleries, image definitions,
// image versions (from a snapshot and from a managed image) and role
// assignments with the commands the README shows. The estate az leaves
// behind is imported with curator import: its plan only adopts, and after
// that apply it is "No changes".
//
// Role assignments go through az rest: Debian's az 2.45 `az role
// assignment` crashes in the client before sending any request
// ('RoleAssignmentsOperations' object has no attribute 'config': the role
// module of 2.45 against Debian's newer azure-mgmt-authorization), against
// Azure as here.
//
// Only service principals log in: a managed-identity login would make az
// call the instance metadata service, which tests never call. Each
// principal has an AZURE_CONFIG_DIR of its own under the test's folder.
func TestAzCLI(t *testing.T) {
	clients := azclients.Require(t)
	start := time.Now()
	root := t.TempDir()
	state := filepath.Join(root, "state")
	srv, err := emulator.Start(t.Context(), emulator.Options{StateDir: state, TLS: true, ReplicationRate: 1000, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const (
		reader = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
		rg     = "images"
	)
	sub := model.DefaultSubscription
	tenant := emulator.TenantID
	snapshot := "/subscriptions/" + sub + "/resourceGroups/src/providers/Microsoft.Compute/snapshots/ubuntu-os"
	managedImage := "/subscriptions/" + sub + "/resourceGroups/src/providers/Microsoft.Compute/images/ubuntu-base"
	rgScope := "/subscriptions/" + sub + "/resourceGroups/" + rg
	assignment := rgScope + "/providers/Microsoft.Authorization/roleAssignments/3f2e1d0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f?api-version=2022-04-01"
	readerRole := "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"

	var ran [][]string
	// The owner: the README's commands with the az executable itself.
	ownerEnv := azclients.Env(filepath.Join(root, "owner"), srv.Certificates().CAFile)
	azExec(t, clients.AZ, ownerEnv, &ran, "cloud", "register", "-n", "curator", "--endpoint-resource-manager", srv.URL()+"/")
	azExec(t, clients.AZ, ownerEnv, &ran, "cloud", "set", "-n", "curator")
	if out := azExec(t, clients.AZ, ownerEnv, &ran, "login", "--service-principal", "-u", emulator.OwnerID, "-p", "local", "--tenant", tenant); !strings.Contains(out, sub) {
		t.Fatalf("az login as the owner lists no subscription %s:\n%s", sub, out)
	}
	owner := startAzBatch(t, clients.Python, ownerEnv, &ran)
	tsv := []string{"-o", "tsv", "--query"}
	q := func(query string) []string { return append(append([]string{}, tsv...), query) }
	owner.steps(t, []azStep{
		{args: []string{"account", "show", "--query", "[id, tenantId, user.type]", "-o", "tsv"}, want: []string{sub, tenant, "servicePrincipal"}},
		{args: []string{"sig", "list", "-o", "json"}, want: []string{"[]"}},
		{args: append([]string{"group", "create", "-n", rg, "-l", "westeurope"}, q("properties.provisioningState")...), want: []string{"Succeeded"}},
		{args: []string{"group", "exists", "-n", rg}, want: []string{"true"}},
		{args: append([]string{"group", "show", "-n", rg}, q("location")...), want: []string{"westeurope"}},
		{args: append([]string{"group", "create", "-n", "scratch-rg", "-l", "northeurope"}, q("name")...), want: []string{"scratch-rg"}},
		{args: append([]string{"group", "update", "-n", "scratch-rg", "--set", "tags.team=platform"}, q("tags.team")...), want: []string{"platform"}},
		{args: append([]string{"group", "list"}, q("[].name")...), want: []string{rg, "scratch-rg"}},
		{args: []string{"group", "delete", "-n", "scratch-rg", "--yes"}},
		{args: []string{"group", "exists", "-n", "scratch-rg"}, want: []string{"false"}},
		{args: append([]string{"sig", "create", "-g", rg, "-r", "acme", "--description", "golden images"}, q("provisioningState")...), want: []string{"Succeeded"}},
		{args: append([]string{"sig", "create", "-g", rg, "-r", "scratch"}, q("name")...), want: []string{"scratch"}},
		{args: append([]string{"sig", "create", "-g", rg, "-r", "third"}, q("name")...), want: []string{"third"}},
		{args: append([]string{"sig", "list", "-g", rg}, q("length(@)")...), want: []string{"3"}},
		{args: append([]string{"sig", "show", "-g", rg, "-r", "acme"}, q("[description, sharingProfile.permissions]")...), want: []string{"golden images"}},
		{args: append([]string{"sig", "update", "-g", rg, "-r", "acme", "--set", "description=Golden images of the platform team"}, q("description")...), want: []string{"Golden images of the platform team"}},
		{args: append([]string{"sig", "image-definition", "create", "-g", rg, "-r", "acme", "-i", "ubuntu",
			"-p", "Contoso", "-f", "Ubuntu", "-s", "22_04-lts-gen2", "--os-type", "Linux", "--os-state", "Generalized",
			"--hyper-v-generation", "V2", "--features", "SecurityType=TrustedLaunch IsAcceleratedNetworkSupported=true"}, q("[hyperVGeneration, features[?name=='SecurityType'].value | [0]]")...),
			want: []string{"V2\nTrustedLaunch"}},
		{args: append([]string{"sig", "image-definition", "create", "-g", rg, "-r", "acme", "-i", "windows",
			"-p", "Contoso", "-f", "Windows", "-s", "2022", "--os-type", "Windows"}, q("osType")...), want: []string{"Windows"}},
		{args: append([]string{"sig", "image-definition", "create", "-g", rg, "-r", "acme", "-i", "debian",
			"-p", "Contoso", "-f", "Debian", "-s", "12", "--os-type", "Linux", "--hyper-v-generation", "V2"}, q("name")...), want: []string{"debian"}},
		{args: append([]string{"sig", "image-definition", "list", "-g", rg, "-r", "acme"}, q("length(@)")...), want: []string{"3"}},
		{args: append([]string{"sig", "image-definition", "show", "-g", rg, "-r", "acme", "-i", "ubuntu"}, q("identifier.sku")...), want: []string{"22_04-lts-gen2"}},
		{args: []string{"sig", "image-definition", "delete", "-g", rg, "-r", "acme", "-i", "debian"}},
		{args: append([]string{"sig", "image-version", "create", "-g", rg, "-r", "acme", "-i", "ubuntu", "-e", "1.0.0",
			"--os-snapshot", snapshot, "--target-regions", "westeurope", "northeurope=2=standard_zrs"}, q("[provisioningState, storageProfile.osDiskImage.source.id]")...),
			want: []string{"Succeeded\n" + snapshot}},
		{args: append([]string{"sig", "image-version", "create", "-g", rg, "-r", "acme", "-i", "ubuntu", "-e", "1.1.0",
			"--managed-image", managedImage, "--replica-count", "2"}, q("[provisioningState, storageProfile.source.id]")...),
			want: []string{"Succeeded\n" + managedImage}},
		{args: append([]string{"sig", "image-version", "show", "-g", rg, "-r", "acme", "-i", "ubuntu", "-e", "1.0.0", "--expand", "ReplicationStatus"},
			q("[replicationStatus.aggregatedState, length(replicationStatus.summary)]")...), want: []string{"Completed\n2"}},
		{args: append([]string{"sig", "image-version", "update", "-g", rg, "-r", "acme", "-i", "ubuntu", "-e", "1.1.0", "--set", "tags.env=prod"}, q("[tags.env, storageProfile.source.id]")...),
			want: []string{"prod\n" + managedImage}},
		{args: append([]string{"sig", "image-version", "update", "-g", rg, "-r", "acme", "-i", "ubuntu", "-e", "1.0.0", "--set", "tags.env=prod"}, q("tags.env")...), want: []string{"prod"}},
		{args: append([]string{"sig", "image-version", "list", "-g", rg, "-r", "acme", "-i", "ubuntu"}, q("[].name")...), want: []string{"1.0.0", "1.1.0"}},
		// A throwaway definition and version in the scratch gallery, then
		// deleted from the bottom up.
		{args: append([]string{"sig", "image-definition", "create", "-g", rg, "-r", "scratch", "-i", "tmp",
			"-p", "Contoso", "-f", "Tmp", "-s", "1", "--os-type", "Linux"}, q("name")...), want: []string{"tmp"}},
		{args: append([]string{"sig", "image-version", "create", "-g", rg, "-r", "scratch", "-i", "tmp", "-e", "0.1.0", "--managed-image", managedImage}, q("name")...), want: []string{"0.1.0"}},
		{args: []string{"sig", "image-version", "delete", "-g", rg, "-r", "scratch", "-i", "tmp", "-e", "0.1.0"}},
		{args: []string{"sig", "image-definition", "delete", "-g", rg, "-r", "scratch", "-i", "tmp"}},
		{args: []string{"sig", "delete", "-g", rg, "-r", "scratch"}},
		{args: []string{"sig", "delete", "-g", rg, "-r", "third"}},
		{args: append([]string{"sig", "list", "-g", rg}, q("[].name")...), want: []string{"acme"}},
		{args: []string{"sig", "show", "-g", rg, "-r", "scratch"}, fail: true, want: []string{"ResourceNotFound"}},
		// Role assignments through the REST API (see above).
		{args: append([]string{"rest", "--method", "put", "--url", assignment, "--body",
			`{"properties":{"roleDefinitionId":"` + readerRole + `","principalId":"` + reader + `","principalType":"ServicePrincipal"}}`}, q("properties.principalId")...),
			want: []string{reader}},
		{args: append([]string{"rest", "--method", "get", "--url", rgScope + "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()"}, q("value[].properties.principalId")...),
			want: []string{reader}},
	})

	// The Reader service principal, with a profile of its own: it reads,
	// and is refused a write, naming the action it lacks.
	readerEnv := azclients.Env(filepath.Join(root, "reader"), srv.Certificates().CAFile)
	rd := startAzBatch(t, clients.Python, readerEnv, &ran)
	rd.steps(t, []azStep{
		{args: []string{"cloud", "register", "-n", "curator", "--endpoint-resource-manager", srv.URL() + "/"}},
		{args: []string{"cloud", "set", "-n", "curator"}},
		{args: append([]string{"login", "--service-principal", "-u", reader, "-p", "local", "--tenant", tenant}, q("[0].user.name")...), want: []string{reader}},
		{args: append([]string{"sig", "show", "-g", rg, "-r", "acme"}, q("name")...), want: []string{"acme"}},
		{args: append([]string{"sig", "image-version", "list", "-g", rg, "-r", "acme", "-i", "ubuntu"}, q("length(@)")...), want: []string{"2"}},
		{args: []string{"sig", "update", "-g", rg, "-r", "acme", "--set", "description=not allowed"}, fail: true,
			want: []string{"AuthorizationFailed", reader, "Microsoft.Compute/galleries/write"}},
	})
	owner.steps(t, []azStep{
		{args: []string{"rest", "--method", "delete", "--url", assignment}},
	})
	rd.steps(t, []azStep{
		{args: []string{"sig", "show", "-g", rg, "-r", "acme"}, fail: true, want: []string{"AuthorizationFailed", "Microsoft.Compute/galleries/read"}},
	})
	t.Logf("az suite: %s", time.Since(start).Round(100*time.Millisecond))
	readmeCommandsRan(t, srv.URL(), ran)
	if t.Failed() {
		return
	}

	// What az made is what curator imports, and plans as it is.
	out := filepath.Join(root, "imported")
	expect(t, curator(t, state, "import", "--endpoint", srv.URL(), "--subscription", sub, "--resource-group", rg, "--out", out), 0, "Imported")
	files, _ := os.ReadDir(out)
	for _, f := range files {
		data, _ := os.ReadFile(filepath.Join(out, f.Name()))
		t.Logf("%s:\n%s", f.Name(), data)
	}
	// Nothing az made carries curator's ownership tag: the first plan only
	// adopts (no property differs from what az wrote), its apply adds the
	// tag, and then there is nothing to do.
	expect(t, curator(t, state, "plan", "--detailed-exitcode", out), 2, "0 to create, 0 to update, 0 to replace, 0 to delete, 5 to adopt")
	expect(t, curator(t, state, "apply", "--auto-approve", out), 0, "Apply complete")
	expect(t, curator(t, state, "plan", "--detailed-exitcode", out), 0, "No changes")
	// And az still reads what curator adopted.
	owner.steps(t, []azStep{
		{args: append([]string{"sig", "image-version", "show", "-g", rg, "-r", "acme", "-i", "ubuntu", "-e", "1.0.0"}, q("[tags.\"curator.managed-by\", tags.env]")...), want: []string{"default\nprod"}},
	})
}

// readmeCommandsRan checks that every az command the README's code blocks
// show (the "$ az …" lines and the login lines `emulator serve` prints) is
// one the suite ran, with at most output options (-o, --query) added.
func readmeCommandsRan(t *testing.T, url string, ran [][]string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	var shown [][]string
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			continue
		}
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "$"))
		for _, part := range strings.Split(line, " && ") {
			if args := shellWords(strings.TrimSpace(part)); len(args) > 1 && args[0] == "az" {
				shown = append(shown, args[1:])
			}
		}
	}
	if len(shown) < 8 {
		t.Fatalf("found %d az commands in README.md, want the register, login and az sig examples", len(shown))
	}
	for _, want := range shown {
		for i, a := range want {
			want[i] = strings.ReplaceAll(a, "https://127.0.0.1:8443", url)
		}
		found := false
		for _, got := range ran {
			if len(got) >= len(want) && strings.Join(got[:len(want)], "\x00") == strings.Join(want, "\x00") {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README.md shows az %s, which the suite does not run", strings.Join(want, " "))
		}
	}
}

// shellWords splits a command line as a POSIX shell would for the README's
// examples: words separated by blanks, with '…' and "…" quoting.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

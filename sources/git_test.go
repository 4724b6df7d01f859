package sources_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io/fs"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/crypto/ssh"

	"github.com/curator-dev/curator/sources"
)

// files lists a snapshot's files with their contents, "name=content;…".
func files(t *testing.T, s *sources.Snapshot) string {
	t.Helper()
	var out []string
	err := fs.WalkDir(s.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(s.FS, p)
		out = append(out, p+"="+string(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, ";")
}

func TestGitResolvesRefsAndPaths(t *testing.T) {
	r := newRemote(t)
	first := r.commit("main", map[string]string{
		"config/main.cue":           "one",
		"config/deploy_tool.cue":    "tool",
		"config/.hidden.cue":        "hidden",
		"config/README.md":          "readme",
		"config/.github/x.cue":      "hidden folder",
		"config/cue.mod/module.cue": "CUE's module folder",
		"other/nested/x.cue":        "nested",
		"top.cue":                   "top",
	}, map[string]entry{
		"config/link.cue":   {mode: filemode.Symlink, data: "main.cue"},
		"config/module.cue": {mode: filemode.Submodule, hash: plumbing.NewHash("0123456789012345678901234567890123456789")},
		"config/run.cue":    {mode: filemode.Executable, data: "exec"},
	})
	r.tag("v1", first, "")
	r.tag("v1-annotated", first, "release 1\n")
	release := r.commit("release", map[string]string{"config/main.cue": "release"})
	second := r.commit("main", map[string]string{"config/main.cue": "two", "top.cue": "top"})
	cache := t.TempDir()

	for _, tc := range []struct {
		name, ref, path string
		rev             string
		files           string
	}{
		{"default branch", "", "config", second, "main.cue=two"},
		{"HEAD", "HEAD", "config", second, "main.cue=two"},
		{"branch", "main", "config", second, "main.cue=two"},
		{"other branch", "release", "config", release, "main.cue=release"},
		{"full ref name", "refs/heads/release", "config", release, "main.cue=release"},
		{"lightweight tag", "v1", "config", first, "link.cue=one;main.cue=one;run.cue=exec"},
		{"annotated tag", "v1-annotated", "config", first, "link.cue=one;main.cue=one;run.cue=exec"},
		{"commit", first, "config", first, "link.cue=one;main.cue=one;run.cue=exec"},
		{"abbreviated commit", first[:10], "config", first, "link.cue=one;main.cue=one;run.cue=exec"},
		{"path with slashes", "v1", "/config/", first, "link.cue=one;main.cue=one;run.cue=exec"},
		{"nested path", "v1", "other/nested", first, "x.cue=nested"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &sources.Git{URL: r.dir, Ref: tc.ref, Path: tc.path, CacheDir: cache}
			s, err := src.Snapshot(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if s.Revision != tc.rev {
				t.Errorf("revision %s, want %s", s.Revision, tc.rev)
			}
			if got := files(t, s); got != tc.files {
				t.Errorf("files %q, want %q (no _tool.cue, hidden, submodule or hidden-folder files; a link to a file of the folder read as that file)", got, tc.files)
			}
			// The origin names this folder of this repository, at any ref.
			if !sources.SameOrigin(&sources.Git{URL: r.dir, Ref: "any", Path: "/" + tc.path + "/"}, s.Origin) {
				t.Errorf("%s is not the origin of %s", s.Origin, src)
			}
			for _, other := range []sources.Source{&sources.Git{URL: r.dir, Path: tc.path + "/x"}, &sources.Git{URL: r.dir + "2", Path: tc.path}, sources.NewLocal(r.dir)} {
				if sources.SameOrigin(other, s.Origin) {
					t.Errorf("%s is taken for the origin of %s", s.Origin, other)
				}
			}
		})
	}
	// Every source of the one URL shares one bare clone.
	entries, _ := os.ReadDir(cache)
	var clones []string
	for _, e := range entries {
		if e.IsDir() {
			clones = append(clones, e.Name())
		}
	}
	if len(clones) != 1 {
		t.Errorf("cache holds %v, want one clone", clones)
	}
	if _, err := os.Stat(filepath.Join(cache, clones[0], "HEAD")); err != nil {
		t.Errorf("the clone is not a bare repository: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache, clones[0], "config", "main.cue")); err == nil {
		t.Error("the clone has a work tree")
	}
}

// TestGitRefusesSubfolderFilesAndLinksOut: .cue files the loader would not
// read, and links out of the folder, are errors naming them.
func TestGitRefusesSubfolderFilesAndLinksOut(t *testing.T) {
	for _, tc := range []struct {
		name  string
		path  string
		files map[string]entry
		want  string
	}{
		{"file in a subfolder", "", map[string]entry{"sub/x.cue": {mode: filemode.Regular, data: "x"}}, "sub/x.cue: .cue files in subfolders are not read"},
		{"file deep under --path", "config", map[string]entry{"config/a/b/y.cue": {mode: filemode.Regular, data: "y"}}, "in --path config: a/b/y.cue: .cue files in subfolders are not read"},
		{"link up and out", "config", map[string]entry{"config/evil.cue": {mode: filemode.Symlink, data: "../../../etc/passwd"}}, `evil.cue links to "../../../etc/passwd", outside the configuration folder`},
		{"link out of --path into the repository", "config", map[string]entry{"config/up.cue": {mode: filemode.Symlink, data: "../top.cue"}}, `up.cue links to "../top.cue", outside the configuration folder`},
		{"absolute link", "config", map[string]entry{"config/abs.cue": {mode: filemode.Symlink, data: "/etc/passwd"}}, `abs.cue links to "/etc/passwd", outside the configuration folder`},
		{"link to nothing", "config", map[string]entry{"config/gone.cue": {mode: filemode.Symlink, data: "gone.txt"}}, `gone.cue links to "gone.txt", which is not a file of the configuration folder`},
		{"link to a link", "config", map[string]entry{
			"config/a.cue": {mode: filemode.Symlink, data: "b.cue"},
			"config/b.cue": {mode: filemode.Symlink, data: "main.cue"},
		}, `a.cue links to "b.cue", which is not a file of the configuration folder`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRemote(t)
			r.commit("main", map[string]string{"main.cue": "top", "top.cue": "top", "config/main.cue": "main"}, tc.files)
			s, err := (&sources.Git{URL: r.dir, Path: tc.path, CacheDir: t.TempDir()}).Snapshot(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if s != nil {
				t.Errorf("a snapshot with no good revision: %+v", s)
			}
		})
	}
}

func TestGitErrorsForWhatIsNotThere(t *testing.T) {
	r := newRemote(t)
	r.commit("main", map[string]string{"config/main.cue": "one"})
	for _, tc := range []struct{ name, ref, path, want string }{
		{"unknown ref", "nope", "", `resolve ref "nope"`},
		{"unknown path", "", "elsewhere", `folder "elsewhere"`},
		{"no URL", "", "", "no repository URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := r.dir
			if tc.name == "no URL" {
				url = ""
			}
			s, err := (&sources.Git{URL: url, Ref: tc.ref, Path: tc.path, CacheDir: t.TempDir()}).Snapshot(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if s != nil {
				t.Errorf("a snapshot with no good revision: %+v", s)
			}
		})
	}
}

func TestGitFetchesNewCommitsAndFollowsForcePush(t *testing.T) {
	ctx := context.Background()
	r := newRemote(t)
	r.commit("main", map[string]string{"main.cue": "one"})
	src := &sources.Git{URL: "file://" + r.dir, CacheDir: t.TempDir()}
	if _, err := src.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	second := r.commit("main", map[string]string{"main.cue": "two"})
	s, err := src.Snapshot(ctx)
	if err != nil || s.Revision != second || files(t, s) != "main.cue=two" {
		t.Fatalf("after a new commit: %+v, %v", s, err)
	}
	// The branch is the desired state, even rewritten.
	forced := r.forcePush("main", map[string]string{"main.cue": "rewritten"})
	s, err = src.Snapshot(ctx)
	if err != nil || s.Revision != forced || files(t, s) != "main.cue=rewritten" {
		t.Fatalf("after a force-push: %+v, %v", s, err)
	}
}

func TestGitFailureKeepsLastGoodRevision(t *testing.T) {
	ctx := context.Background()

	t.Run("pinned branch deleted", func(t *testing.T) {
		r := newRemote(t)
		r.commit("main", map[string]string{"main.cue": "main"})
		good := r.commit("feature", map[string]string{"main.cue": "feature"})
		src := &sources.Git{URL: r.dir, Ref: "feature", CacheDir: t.TempDir()}
		if _, err := src.Snapshot(ctx); err != nil {
			t.Fatal(err)
		}
		r.deleteBranch("feature")
		s, err := src.Snapshot(ctx)
		if err == nil || !strings.Contains(err.Error(), `resolve ref "feature"`) {
			t.Errorf("error %v, want the ref that no longer resolves", err)
		}
		if s == nil || s.Revision != good || files(t, s) != "main.cue=feature" {
			t.Errorf("snapshot %+v, want the last good revision %s", s, good)
		}
	})

	t.Run("remote gone", func(t *testing.T) {
		r := newRemote(t)
		good := r.commit("main", map[string]string{"main.cue": "one"})
		cache := t.TempDir()
		src := &sources.Git{URL: r.dir, CacheDir: cache}
		if _, err := src.Snapshot(ctx); err != nil {
			t.Fatal(err)
		}
		r.remove()
		s, err := src.Snapshot(ctx)
		if err == nil || !strings.Contains(err.Error(), "fetch") {
			t.Errorf("error %v, want the failed fetch", err)
		}
		if s == nil || s.Revision != good || files(t, s) != "main.cue=one" {
			t.Errorf("snapshot %+v, want the last good revision %s", s, good)
		}
		// A new process finds the last good revision in the cache.
		fresh := &sources.Git{URL: r.dir, CacheDir: cache}
		s, err = fresh.Snapshot(ctx)
		if err == nil || s == nil || s.Revision != good {
			t.Errorf("a new source on the cache: %+v, %v; want revision %s with an error", s, err, good)
		}
		// A pinned commit already in the cache needs no fetch.
		pinned := &sources.Git{URL: r.dir, Ref: good, CacheDir: cache}
		if s, err := pinned.Snapshot(ctx); err != nil || s.Revision != good {
			t.Errorf("pinned commit from the cache: %+v, %v", s, err)
		}
	})

	t.Run("first clone fails", func(t *testing.T) {
		cache := t.TempDir()
		src := &sources.Git{URL: filepath.Join(t.TempDir(), "missing"), CacheDir: cache}
		s, err := src.Snapshot(ctx)
		if err == nil || s != nil {
			t.Errorf("clone of a missing repository: %+v, %v", s, err)
		}
		left, _ := os.ReadDir(cache)
		for _, e := range left {
			if e.IsDir() {
				t.Errorf("a failed clone left %s in the cache", e.Name())
			}
		}
	})
}

func TestGitCredentialsNeverShown(t *testing.T) {
	const token = "ghp_supersecret/token+123"
	var (
		mu    sync.Mutex
		users []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		mu.Lock()
		users = append(users, user+":"+pass)
		mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
		http.Error(w, "denied for "+pass, http.StatusUnauthorized)
	}))
	defer srv.Close()

	for _, tc := range []struct {
		name, url, username, sent string
		env                       bool
	}{
		{"token from the environment", srv.URL + "/org/repo.git", "", "x-access-token:" + token, true},
		{"token with a username", srv.URL + "/org/repo.git", "ci-bot", "ci-bot:" + token, true},
		{"token as the user in the URL", strings.Replace(srv.URL, "http://", "http://"+strings.ReplaceAll(token, "/", "%2F")+"@", 1) + "/org/repo.git", "", token + ":", false},
		{"credentials in the URL", strings.Replace(srv.URL, "http://", "http://someone:"+strings.ReplaceAll(token, "/", "%2F")+"@", 1) + "/org/repo.git", "", "someone:" + token, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			users = nil
			mu.Unlock()
			if tc.env {
				t.Setenv(sources.EnvGitToken, token)
			}
			t.Setenv(sources.EnvGitUsername, tc.username)
			cache := t.TempDir()
			src := &sources.Git{URL: tc.url, CacheDir: cache}
			s, err := src.Snapshot(context.Background())
			if err == nil || s != nil {
				t.Fatalf("fetch refused by the server: %+v, %v", s, err)
			}
			if !errors.Is(err, transport.ErrAuthenticationRequired) {
				t.Errorf("error %v is not ErrAuthenticationRequired", err)
			}
			if !strings.Contains(err.Error(), sources.EnvGitToken) {
				t.Errorf("error %v does not say how to give credentials", err)
			}
			for _, shown := range []string{err.Error(), src.String(), src.Origin()} {
				if strings.Contains(shown, "supersecret") {
					t.Errorf("the token leaked: %s", shown)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(users) == 0 || users[0] != tc.sent {
				t.Errorf("server saw credentials %q, want %q", users, tc.sent)
			}
			// Nothing on disk holds the token either.
			filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					if data, _ := os.ReadFile(p); strings.Contains(string(data), "supersecret") {
						t.Errorf("%s holds the token", p)
					}
				}
				return nil
			})
		})
	}
}

// TestGitOverHTTPWithToken fetches over git's smart HTTP protocol (git
// http-backend behind a test server on 127.0.0.1) that demands the token.
func TestGitOverHTTPWithToken(t *testing.T) {
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git http-backend is not installed")
	}
	const token = "ghp_httpsecret123"
	r := newRemote(t)
	head := r.commit("main", map[string]string{"main.cue": "over http"})
	backend := &cgi.Handler{
		Path: gitBin,
		Args: []string{"http-backend"},
		Env:  []string{"GIT_PROJECT_ROOT=" + filepath.Dir(r.dir), "GIT_HTTP_EXPORT_ALL=1"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if user, pass, _ := req.BasicAuth(); user != "x-access-token" || pass != token {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, req)
	}))
	defer srv.Close()
	src := &sources.Git{URL: srv.URL + "/" + filepath.Base(r.dir), CacheDir: t.TempDir()}

	t.Setenv(sources.EnvGitToken, "")
	if s, err := src.Snapshot(context.Background()); s != nil || !errors.Is(err, transport.ErrAuthenticationRequired) {
		t.Fatalf("without the token: %+v, %v", s, err)
	}
	t.Setenv(sources.EnvGitToken, token)
	s, err := src.Snapshot(context.Background())
	if err != nil || s.Revision != head || files(t, s) != "main.cue=over http" {
		t.Fatalf("with the token: %+v, %v", s, err)
	}
	next := r.commit("main", map[string]string{"main.cue": "fetched"})
	if s, err := src.Snapshot(context.Background()); err != nil || s.Revision != next {
		t.Fatalf("fetch over http: %+v, %v", s, err)
	}
}

func TestGitSSHAlwaysChecksHostKeys(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("SSH_KNOWN_HOSTS", "")
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv(sources.EnvKnownHosts, "")
	keyFile := filepath.Join(home, "id_ed25519")
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(key, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(sources.EnvGitSSHKey, keyFile)
	url := "ssh://git@127.0.0.1:1/org/repo.git"

	_, err = (&sources.Git{URL: url, CacheDir: t.TempDir()}).Snapshot(context.Background())
	if err == nil || !strings.Contains(err.Error(), sources.EnvKnownHosts) {
		t.Fatalf("without known_hosts: %v; want a refusal naming %s", err, sources.EnvKnownHosts)
	}

	hostKey, _, _ := ed25519.GenerateKey(rand.Reader)
	pub, err := ssh.NewPublicKey(hostKey)
	if err != nil {
		t.Fatal(err)
	}
	knownHosts := filepath.Join(home, "known_hosts")
	line := "[127.0.0.1]:1 " + pub.Type() + " " + base64.StdEncoding.EncodeToString(pub.Marshal()) + "\n"
	if err := os.WriteFile(knownHosts, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(sources.EnvKnownHosts, knownHosts)
	_, err = (&sources.Git{URL: url, CacheDir: t.TempDir(), Timeout: 10 * time.Second}).Snapshot(context.Background())
	if err == nil || strings.Contains(err.Error(), sources.EnvKnownHosts) {
		t.Fatalf("with known_hosts and a key: %v; want it to get as far as connecting", err)
	}

	t.Setenv(sources.EnvGitSSHKey, filepath.Join(home, "missing"))
	_, err = (&sources.Git{URL: url, CacheDir: t.TempDir()}).Snapshot(context.Background())
	if err == nil || !strings.Contains(err.Error(), sources.EnvGitSSHKey) {
		t.Fatalf("with a missing key file: %v; want an error naming %s", err, sources.EnvGitSSHKey)
	}
}

func TestGitWatchSignalsNewCommitsAndFailures(t *testing.T) {
	r := newRemote(t)
	r.commit("main", map[string]string{"main.cue": "one"})
	src := &sources.Git{URL: r.dir, CacheDir: t.TempDir(), Interval: 20 * time.Millisecond}
	if _, err := src.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	changed := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- src.Watch(ctx, changed) }()

	// Polls that find nothing new stay quiet.
	select {
	case <-changed:
		t.Fatal("signalled with no new commit")
	case <-time.After(300 * time.Millisecond):
	}
	second := r.commit("main", map[string]string{"main.cue": "two"})
	select {
	case <-changed:
	case <-time.After(30 * time.Second):
		t.Fatal("no signal for a new commit")
	}
	// A poll that ran while the commit was being written may have failed
	// and then recovered, each signalled: let the watch settle before the
	// failure below, so that what it signals then is the failure alone.
	for quiet := false; !quiet; {
		select {
		case <-changed:
		case <-time.After(300 * time.Millisecond):
			quiet = true
		}
	}
	if s, err := src.Snapshot(context.Background()); err != nil || s.Revision != second {
		t.Fatalf("after the signal: %+v, %v", s, err)
	}
	// A failing fetch signals once, so the caller reports it.
	r.remove()
	select {
	case <-changed:
	case <-time.After(30 * time.Second):
		t.Fatal("no signal when fetching began to fail")
	}
	select {
	case <-changed:
		t.Fatal("signalled again while fetching kept failing")
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watch returned %v after cancel", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}

func TestGitSourcesSharingACacheConcurrently(t *testing.T) {
	r := newRemote(t)
	head := r.commit("main", map[string]string{"main.cue": "one"})
	r.tag("v1", head, "")
	cache := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 4 {
		ref := []string{"", "main", "v1", head}[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := &sources.Git{URL: r.dir, Ref: ref, CacheDir: cache}
			for range 3 {
				s, err := src.Snapshot(context.Background())
				if err == nil && s.Revision != head {
					err = errors.New("ref " + ref + " resolved to " + s.Revision)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkGitSnapshotUpToDate(b *testing.B) {
	r := newRemote(b)
	cfg := map[string]string{}
	for i := range 50 {
		cfg["config/"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+".cue"] = strings.Repeat("field: \"value\"\n", 100)
	}
	r.commit("main", cfg)
	src := &sources.Git{URL: r.dir, Path: "config", CacheDir: b.TempDir()}
	if _, err := src.Snapshot(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := src.Snapshot(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

package sources_test

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5"

	"github.com/curator-dev/curator/sources"
)

// tokenServer serves a repository over git's smart HTTP protocol (git
// http-backend) to whoever sends the current token, and records every
// password it was sent.
type tokenServer struct {
	*httptest.Server
	mu    sync.Mutex
	token string
	seen  []string
}

func newTokenServer(t *testing.T, r *remote, token string) *tokenServer {
	t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git http-backend is not installed")
	}
	backend := &cgi.Handler{
		Path: gitBin,
		Args: []string{"http-backend"},
		Env:  []string{"GIT_PROJECT_ROOT=" + filepath.Dir(r.dir), "GIT_HTTP_EXPORT_ALL=1"},
	}
	ts := &tokenServer{token: token}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, pass, _ := req.BasicAuth()
		ts.mu.Lock()
		ts.seen = append(ts.seen, pass)
		want := ts.token
		ts.mu.Unlock()
		if pass != want {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, req)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// rotate makes the server accept only token, and forgets what it saw.
func (ts *tokenServer) rotate(token string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.token, ts.seen = token, nil
}

func (ts *tokenServer) passwords() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.seen...)
}

// checkCache fails when any file of the cache holds one of the tokens (as
// written or URL-escaped), or when a folder or file of it is readable by
// others than its owner.
func checkCache(t *testing.T, cache string, tokens ...string) {
	t.Helper()
	err := filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if p != cache && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v: the cache must be private (0700 folders, 0600 files)", p, fi.Mode().Perm())
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, tok := range tokens {
			for _, form := range []string{tok, url.QueryEscape(tok), url.PathEscape(tok)} {
				if strings.Contains(string(data), form) {
					t.Errorf("%s holds the token %q", p, tok)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGitCredentialsNeverTouchDisk clones over HTTP with the token in the
// URL or in the environment: no file of the cache holds it, the cache is
// private, and a rotated token is used at once.
func TestGitCredentialsNeverTouchDisk(t *testing.T) {
	for _, inURL := range []bool{true, false} {
		name := "token in the environment"
		if inURL {
			name = "token in the URL"
		}
		t.Run(name, func(t *testing.T) {
			const old, rotated = "ghp_oldtoken/secret+1", "ghp_newtoken/secret+2"
			r := newRemote(t)
			first := r.commit("main", map[string]string{"main.cue": "one"})
			srv := newTokenServer(t, r, old)
			root := t.TempDir()
			cache := filepath.Join(root, "git")
			source := func(token string) *sources.Git {
				u := srv.URL + "/" + filepath.Base(r.dir)
				if inURL {
					t.Setenv(sources.EnvGitToken, "")
					u = strings.Replace(u, "http://", "http://x-access-token:"+url.PathEscape(token)+"@", 1)
				} else {
					t.Setenv(sources.EnvGitToken, token)
				}
				return &sources.Git{URL: u, CacheDir: cache}
			}

			s, err := source(old).Snapshot(context.Background())
			if err != nil || s.Revision != first {
				t.Fatalf("clone: %+v, %v", s, err)
			}
			checkCache(t, root, old)

			srv.rotate(rotated)
			second := r.commit("main", map[string]string{"main.cue": "two"})
			s, err = source(rotated).Snapshot(context.Background())
			if err != nil || s.Revision != second {
				t.Fatalf("fetch with the rotated token: %+v, %v", s, err)
			}
			for _, p := range srv.passwords() {
				if p == old {
					t.Errorf("the old token was sent after it was rotated")
				}
			}
			checkCache(t, root, old, rotated)
		})
	}
}

// TestGitCacheOfAnEarlierCuratorIsCleaned: a cache whose configuration
// holds the URL with a token, readable by everyone (as earlier curators and
// git itself leave it), loses the token and becomes private on the next
// fetch.
func TestGitCacheOfAnEarlierCuratorIsCleaned(t *testing.T) {
	const token = "ghp_leakedtoken123"
	r := newRemote(t)
	r.commit("main", map[string]string{"main.cue": "one"})
	srv := newTokenServer(t, r, token)
	t.Setenv(sources.EnvGitToken, "")
	withToken := strings.Replace(srv.URL, "http://", "http://x-access-token:"+token+"@", 1) + "/" + filepath.Base(r.dir)
	root := t.TempDir()
	src := &sources.Git{URL: withToken, CacheDir: root}
	if _, err := src.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	clones, err := filepath.Glob(filepath.Join(root, "[0-9a-f]*[0-9a-f]"))
	if err != nil || len(clones) != 1 {
		t.Fatalf("clones %v, %v; want one", clones, err)
	}
	// Make it what an earlier curator left.
	repo, err := git.PlainOpen(clones[0])
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := repo.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Remotes["origin"].URLs = []string{withToken}
	if err := repo.Storer.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			mode := os.FileMode(0o644)
			if d.IsDir() {
				mode = 0o755
			}
			os.Chmod(p, mode)
		}
		return nil
	})
	if data, _ := os.ReadFile(filepath.Join(clones[0], "config")); !strings.Contains(string(data), token) {
		t.Fatal("the test did not put the token into the cache's configuration")
	}

	next := r.commit("main", map[string]string{"main.cue": "two"})
	if s, err := src.Snapshot(context.Background()); err != nil || s.Revision != next {
		t.Fatalf("fetch into the old cache: %+v, %v", s, err)
	}
	checkCache(t, root, token)
}

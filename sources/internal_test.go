package sources

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

func TestEditorTemp(t *testing.T) {
	for name, want := range map[string]bool{
		"main.cue":                   false,
		"4913":                       true,
		".main.cue.swp":              true,
		".main.cue.swx":              true,
		"main.cue~":                  true,
		".#main.cue":                 true,
		"#main.cue#":                 true,
		"main.cue.tmp":               true,
		"main.cue.tmp.1234":          true,
		"main.cue___jb_tmp___":       true,
		"sub/dir/versions.cue":       false,
		"temperature.cue":            false,
		"dir.tmp/../main.cue":        false,
		"/abs/path/.#versions.cue":   true,
		"/abs/path/versions.cue.swp": true,
	} {
		if got := editorTemp(name); got != want {
			t.Errorf("editorTemp(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestIsConfigFile(t *testing.T) {
	for name, want := range map[string]bool{
		"main.cue":        true,
		"a/b/main.cue":    true,
		"deploy_tool.cue": false,
		".hidden.cue":     false,
		"main.cue.orig":   false,
		"README.md":       false,
	} {
		if got := isConfigFile(name); got != want {
			t.Errorf("isConfigFile(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	const secret = "s3cr et/+tok"
	cause := fmt.Errorf("fetch: %w", transport.ErrAuthorizationFailed)
	for _, form := range []string{secret, "s3cr+et%2F%2Btok", "s3cr%20et%2F+tok", "s3cr%20et%2F%2Btok"} {
		err := redact(fmt.Errorf("GET https://user:%s@host/repo: %w", form, cause), []string{"", "abc", secret})
		if strings.Contains(err.Error(), "tok") {
			t.Errorf("form %q leaked: %v", form, err)
		}
		if !strings.Contains(err.Error(), "REDACTED") || !strings.Contains(err.Error(), "authorization failed") {
			t.Errorf("form %q: %v lost its meaning", form, err)
		}
		if !errors.Is(err, transport.ErrAuthorizationFailed) {
			t.Errorf("form %q: errors.Is no longer sees the cause", form)
		}
		if errors.Unwrap(err) != nil {
			t.Errorf("form %q: Unwrap hands out the unredacted error", form)
		}
	}
	if redact(nil, []string{secret}) != nil {
		t.Error("redact(nil) is not nil")
	}
}

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want, secret string }{
		{"https://user:tok@github.com/org/repo.git", "https://github.com/org/repo.git", "tok"},
		{"https://tok@github.com/org/repo.git", "https://github.com/org/repo.git", "tok"},
		{"https://github.com/org/repo.git", "https://github.com/org/repo.git", ""},
		{"git@github.com:org/repo.git", "git@github.com:org/repo.git", ""},
		{"ssh://git@github.com/org/repo.git", "ssh://git@github.com/org/repo.git", ""},
		{"ssh://git:pass@github.com/org/repo.git", "ssh://git@github.com/org/repo.git", "pass"},
		{"/srv/git/repo.git", "/srv/git/repo.git", ""},
		// URLs that url.Parse refuses, or parses with the secret in the path.
		{"https://user:p@ss%zz@host/x", "https://host/x", "p@ss%zz"},
		{"https://user:pa ss@host/x", "https://host/x", "pa ss"},
		{"https://user:pa\nss@host/x", "https://host/x", "pa\nss"},
		{"https://user:pa\x00ss@host/x", "https://host/x", "pa\x00ss"},
		{"https://tok\x7fen@host/x", "https://host/x", "tok\x7fen"},
		{"https://user:ab/cd@host/x", "https://host/x", "ab/cd"},
		{"https://tok/en@host/x", "https://host/x", "tok/en"},
		{"HTTPS://user:p%zz@host/x", "HTTPS://host/x", "p%zz"},
		{"git+https://tok3n@host/x", "git+https://host/x", "tok3n"},
		{"ssh://git:p ss@host/x", "ssh://git@host/x", "p ss"},
		{"user:p ss@host:org/repo", "user@host:org/repo", "p ss"},
		{"https://host/a\nb", "https://host/a%0Ab", ""},
		{"https://user:secret@host/x\r\ny", "https://host/x%0D%0Ay", "secret"},
	} {
		got := redactURL(tc.in)
		if got != tc.want {
			t.Errorf("redactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if tc.secret != "" && strings.Contains(got, tc.secret) {
			t.Errorf("redactURL(%q) = %q shows %q", tc.in, got, tc.secret)
		}
	}
}

// TestGitNeverShowsCredentialsOfBadURLs: a URL that does not parse is
// refused with an error that, like String and Origin, shows no part of the
// password.
func TestGitNeverShowsCredentialsOfBadURLs(t *testing.T) {
	for _, raw := range []string{
		"https://user:s3cret%zz@host/x",
		"https://user:s3cret word@host/x",
		"https://user:s3cret\x01@host/x",
		"https://user:s3cret\n@host/x",
		"https://s3cret\x7ftoken@host/x",
		"https://user:s3c/ret@host/x",
		"ssh://git:s3cret word@host/x",
	} {
		g := &Git{URL: raw, CacheDir: t.TempDir()}
		s, err := g.Snapshot(t.Context())
		if err == nil || s != nil {
			t.Errorf("%q: %+v, %v; want a refusal", raw, s, err)
			continue
		}
		if !strings.Contains(err.Error(), "not a git URL") && !strings.Contains(err.Error(), "fetch") {
			t.Errorf("%q: error %q does not say what is wrong", raw, err)
		}
		for what, shown := range map[string]string{"error": err.Error(), "String": g.String(), "Origin": g.Origin()} {
			if strings.Contains(shown, "s3c") || strings.ContainsFunc(shown, isControl) {
				t.Errorf("%q: %s shows the password or a control character: %q", raw, what, shown)
			}
		}
	}
}

func TestContentRevisionDelimitsNamesAndContents(t *testing.T) {
	a := fstest.MapFS{"a.cue": {Data: []byte("bc.cue")}}
	b := fstest.MapFS{"a.cuebc.cue": {Data: nil}}
	c := fstest.MapFS{"a.cue": {Data: []byte("b")}, "c.cue": {Data: nil}}
	d := fstest.MapFS{"a.cue": {Data: []byte("")}, "c.cue": {Data: []byte("b")}}
	seen := map[string]string{}
	for name, fsys := range map[string]fstest.MapFS{"a": a, "b": b, "c": c, "d": d, "empty": {}} {
		rev := contentRevision(fsys)
		if !strings.HasPrefix(rev, "sha256:") || len(rev) != len("sha256:")+16 {
			t.Errorf("%s: revision %q is not sha256:<16 hex>", name, rev)
		}
		if other, ok := seen[rev]; ok {
			t.Errorf("%s and %s have the same revision %s", name, other, rev)
		}
		seen[rev] = name
	}
}

// TestRemoteWithoutCredentials: the URL recorded in the cache has no
// credentials, and otherwise names the same repository.
func TestRemoteWithoutCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:tok3n@github.com/org/repo.git": "https://github.com/org/repo.git",
		"https://tok3n@github.com:8443/org/repo.git": "https://github.com:8443/org/repo.git",
		"http://user:p%2Fss@127.0.0.1:8080/repo":     "http://127.0.0.1:8080/repo",
		"ssh://git@example.com:2222/srv/repo.git":    "ssh://git@example.com:2222/srv/repo.git",
		"ssh://git:s3cret@example.com/srv/repo.git":  "ssh://git@example.com/srv/repo.git",
		"git@example.com:relative/to/home.git":       "git@example.com:relative/to/home.git",
		"/srv/my repos/repo.git":                     "file:///srv/my repos/repo.git",
		"file:///srv/repo.git":                       "file:///srv/repo.git",
	} {
		ep, err := transport.NewEndpoint(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := remoteWithoutCredentials(in, ep); got != want {
			t.Errorf("remoteWithoutCredentials(%q) = %q, want %q", in, got, want)
		}
	}
}

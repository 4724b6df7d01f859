package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

// Environment variables that carry git credentials. Their values never
// appear in errors or logs.
const (
	EnvGitToken      = "CURATOR_GIT_TOKEN"
	EnvGitUsername   = "CURATOR_GIT_USERNAME"
	EnvGitSSHKey     = "CURATOR_GIT_SSH_KEY"
	EnvGitSSHKeyPass = "CURATOR_GIT_SSH_KEY_PASSPHRASE"
	EnvKnownHosts    = "CURATOR_GIT_KNOWN_HOSTS"
)

// Git is a configuration in a git repository.
type Git struct {
	URL string
	// Ref is a branch, tag or commit; "" is the remote's default branch.
	Ref string
	// Path is the folder of the configuration inside the repository.
	Path string
	// CacheDir holds the bare clones; default the user cache dir.
	CacheDir string
	// Interval is how often Watch fetches; default 1m.
	Interval time.Duration

	mu   sync.Mutex // guards last
	last *Snapshot
	// readMu serialises fetches into the cache, which go-git does not
	// make safe to share.
	readMu sync.Mutex
}

func (g *Git) String() string {
	s := redactURL(g.URL)
	if g.Ref != "" {
		s += "@" + g.Ref
	}
	if g.Path != "" {
		s += ":" + g.Path
	}
	return s
}

// Origin is the source written so that FromOrigin can open it again:
// "git+URL#ref=REF&path=PATH", the URL without credentials (those come from
// the environment).
func (g *Git) Origin() string {
	q := url.Values{}
	if g.Ref != "" {
		q.Set("ref", g.Ref)
	}
	if g.Path != "" {
		q.Set("path", g.Path)
	}
	return "git+" + redactURL(g.URL) + "#" + q.Encode()
}

// redactURL removes credentials from a URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// redact removes every secret the environment holds from err's text.
func redact(err error, rawURL string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	secrets := []string{os.Getenv(EnvGitToken), os.Getenv(EnvGitSSHKeyPass)}
	if u, perr := url.Parse(rawURL); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
		secrets = append(secrets, u.User.String())
	}
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "REDACTED")
		}
	}
	return errors.New(msg)
}

func (g *Git) auth() (transport.AuthMethod, error) {
	if tok := os.Getenv(EnvGitToken); tok != "" {
		user := os.Getenv(EnvGitUsername)
		if user == "" {
			user = "x-access-token"
		}
		return &githttp.BasicAuth{Username: user, Password: tok}, nil
	}
	ep, err := transport.NewEndpoint(g.URL)
	if err != nil || ep.Protocol != "ssh" {
		return nil, nil
	}
	var auth *gitssh.PublicKeys
	if key := os.Getenv(EnvGitSSHKey); key != "" {
		if auth, err = gitssh.NewPublicKeysFromFile(ep.User, key, os.Getenv(EnvGitSSHKeyPass)); err != nil {
			return nil, fmt.Errorf("ssh key %s: %w", key, err)
		}
	}
	var files []string
	if kh := os.Getenv(EnvKnownHosts); kh != "" {
		files = []string{kh}
	}
	hostKeys, err := gitssh.NewKnownHostsCallback(files...)
	if err != nil {
		return nil, fmt.Errorf("known_hosts (set %s or create ~/.ssh/known_hosts; host keys are always checked): %w", EnvKnownHosts, err)
	}
	if auth != nil {
		auth.HostKeyCallback = hostKeys
		return auth, nil
	}
	agent, err := gitssh.NewSSHAgentAuth(ep.User)
	if err != nil {
		return nil, fmt.Errorf("ssh agent: %w (or set %s)", err, EnvGitSSHKey)
	}
	agent.HostKeyCallback = hostKeys
	return agent, nil
}

func (g *Git) cachePath() (string, error) {
	dir := g.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache folder for git clones: %w", err)
		}
		dir = filepath.Join(base, "curator", "git")
	}
	sum := sha256.Sum256([]byte(redactURL(g.URL)))
	return filepath.Join(dir, hex.EncodeToString(sum[:8])), nil
}

var refSpecs = []config.RefSpec{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}

// open clones the repository into the cache the first time and fetches on
// later calls.
func (g *Git) open(ctx context.Context) (*git.Repository, error) {
	dir, err := g.cachePath()
	if err != nil {
		return nil, err
	}
	auth, err := g.auth()
	if err != nil {
		return nil, err
	}
	repo, err := git.PlainOpen(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return nil, fmt.Errorf("create git cache: %w", err)
		}
		tmp, err := os.MkdirTemp(filepath.Dir(dir), ".clone-*")
		if err != nil {
			return nil, fmt.Errorf("create git cache: %w", err)
		}
		defer os.RemoveAll(tmp)
		repo, err = git.PlainInitWithOptions(tmp, &git.PlainInitOptions{Bare: true})
		if err != nil {
			return nil, fmt.Errorf("init git cache: %w", err)
		}
		if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{g.URL}, Fetch: refSpecs}); err != nil {
			return nil, fmt.Errorf("init git cache: %w", err)
		}
		if err := fetch(ctx, repo, auth); err != nil {
			return nil, err
		}
		if err := setHead(repo, auth, g.URL); err != nil {
			return nil, err
		}
		// The clone is complete: put it in place in one step.
		if err := os.Rename(tmp, dir); err != nil {
			return nil, fmt.Errorf("place git cache: %w", err)
		}
		return git.PlainOpen(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open git cache %s: %w", dir, err)
	}
	if err := fetch(ctx, repo, auth); err != nil {
		return repo, err
	}
	return repo, nil
}

func fetch(ctx context.Context, repo *git.Repository, auth transport.AuthMethod) error {
	err := repo.FetchContext(ctx, &git.FetchOptions{RemoteName: "origin", RefSpecs: refSpecs, Auth: auth, Tags: git.AllTags, Force: true, Prune: true})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return fmt.Errorf("fetch: %w", err)
	}
	return nil
}

// setHead points the bare clone's HEAD at the remote's default branch.
func setHead(repo *git.Repository, auth transport.AuthMethod, rawURL string) error {
	remote, err := repo.Remote("origin")
	if err != nil {
		return err
	}
	refs, err := remote.List(&git.ListOptions{Auth: auth})
	if err != nil {
		return fmt.Errorf("list remote refs: %w", err)
	}
	for _, r := range refs {
		if r.Name() == plumbing.HEAD && r.Type() == plumbing.SymbolicReference {
			return repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, r.Target()))
		}
	}
	for _, r := range refs {
		if r.Name() == plumbing.HEAD {
			return repo.Storer.SetReference(plumbing.NewHashReference(plumbing.HEAD, r.Hash()))
		}
	}
	return nil
}

// Snapshot fetches and reads the configuration at the resolved ref.
func (g *Git) Snapshot(ctx context.Context) (*Snapshot, error) {
	snap, err := g.read(ctx)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("git %s: %w", g, redact(err, g.URL))
		return g.last, err
	}
	g.last = snap
	return snap, nil
}

func (g *Git) read(ctx context.Context) (*Snapshot, error) {
	g.readMu.Lock()
	defer g.readMu.Unlock()
	repo, fetchErr := g.open(ctx)
	if repo == nil {
		return nil, fetchErr
	}
	if fetchErr != nil {
		// A failed fetch keeps the last good revision; report it.
		return nil, fetchErr
	}
	rev := g.Ref
	if rev == "" {
		rev = "HEAD"
	}
	hash, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fmt.Errorf("resolve %q (a branch, tag or commit of the repository): %w", rev, err)
	}
	commit, err := repo.CommitObject(*hash)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", hash, err)
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", hash, err)
	}
	if p := strings.Trim(g.Path, "/"); p != "" {
		if tree, err = tree.Tree(p); err != nil {
			return nil, fmt.Errorf("folder %q at %s: %w", p, hash.String()[:12], err)
		}
	}
	files := fstest.MapFS{}
	for _, e := range tree.Entries {
		// Regular files only: submodules, links and folders are never read.
		if e.Mode != filemode.Regular && e.Mode != filemode.Executable || !isConfigFile(e.Name) {
			continue
		}
		blob, err := object.GetBlob(repo.Storer, e.Hash)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e.Name, err)
		}
		r, err := blob.Reader()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e.Name, err)
		}
		data := make([]byte, blob.Size)
		_, err = io.ReadFull(r, data)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e.Name, err)
		}
		files[e.Name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return &Snapshot{Revision: hash.String(), FS: files, Origin: g.Origin()}, nil
}

// Watch fetches every Interval and signals when the resolved commit
// changed (or a fetch failed, so the caller reports it).
func (g *Git) Watch(ctx context.Context, changed chan<- struct{}) error {
	interval := g.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	last := ""
	g.mu.Lock()
	if g.last != nil {
		last = g.last.Revision
	}
	g.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		snap, err := g.read(ctx)
		if err == nil && snap.Revision == last {
			continue
		}
		if err == nil {
			last = snap.Revision
		}
		select {
		case changed <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
	}
}

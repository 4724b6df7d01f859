package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
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
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

// Environment variables that carry git credentials. Their values never
// appear in errors, logs, plans or the cache's configuration.
const (
	// EnvGitToken is an HTTPS token (a GitHub/Azure DevOps PAT or app
	// token), sent as the password of basic auth.
	EnvGitToken = "CURATOR_GIT_TOKEN"
	// EnvGitUsername is the basic-auth user sent with the token; default
	// "x-access-token".
	EnvGitUsername = "CURATOR_GIT_USERNAME"
	// EnvGitSSHKey is the path of a private key file for SSH URLs; without
	// it, the ssh-agent at SSH_AUTH_SOCK is used.
	EnvGitSSHKey = "CURATOR_GIT_SSH_KEY"
	// EnvGitSSHKeyPass is the passphrase of that key, if it has one.
	EnvGitSSHKeyPass = "CURATOR_GIT_SSH_KEY_PASSPHRASE"
	// EnvKnownHosts is the known_hosts file SSH host keys are checked
	// against; default ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts.
	// Host keys are always checked.
	EnvKnownHosts = "CURATOR_GIT_KNOWN_HOSTS"
)

const (
	// DefaultInterval is how often a git Watch fetches.
	DefaultInterval = time.Minute
	// DefaultFetchTimeout bounds one fetch (or the first clone).
	DefaultFetchTimeout = 5 * time.Minute
	defaultGitUser      = "x-access-token"
)

// Git is a configuration in a folder of a git repository, read at the
// commit a ref resolves to. The repository is cloned once, bare, into a
// cache folder, and fetched on later reads; the configuration is read from
// the commit's tree into memory, so no work tree, hook, filter or
// submodule is ever involved.
type Git struct {
	// URL is https://…, ssh://…, user@host:path, file://… or a folder.
	// Credentials in an https URL are used but never shown; prefer
	// EnvGitToken.
	URL string
	// Ref is a branch, tag or commit (full or abbreviated SHA); "" is the
	// remote's default branch (its HEAD).
	Ref string
	// Path is the folder of the configuration inside the repository; ""
	// is the repository's root.
	Path string
	// CacheDir holds the bare clones, one folder per URL; "" is
	// curator/git in the user's cache folder (os.UserCacheDir).
	CacheDir string
	// Interval is how often Watch fetches; 0 means DefaultInterval.
	Interval time.Duration
	// Timeout bounds one fetch; 0 means DefaultFetchTimeout.
	Timeout time.Duration
	// Auth, when set, is used instead of credentials from the environment.
	Auth transport.AuthMethod

	mu   sync.Mutex // guards last
	last *Snapshot
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

// Origin is the source written as a snapshot records it:
// "git+URL#ref=REF&path=PATH", the URL without credentials.
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

// Snapshot fetches the repository and reads the configuration at the
// commit the ref resolves to. When the fetch fails (network, credentials,
// a deleted ref), it returns the last good snapshot — this source's, or
// else the commit an earlier fetch left in the cache — with the error.
func (g *Git) Snapshot(ctx context.Context) (*Snapshot, error) {
	snap, cached, err := g.read(ctx)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		err = redact(fmt.Errorf("git source %s: %w", g, err), g.secrets())
		if g.last == nil {
			g.last = cached
		}
		return g.last, err
	}
	g.last = snap
	return snap, nil
}

// Watch fetches every Interval and signals when the resolved commit
// changed, when fetching began to fail (so the caller reports it), and
// when it recovered.
func (g *Git) Watch(ctx context.Context, changed chan<- struct{}) error {
	interval := g.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	lastGood := func() string {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.last == nil {
			return ""
		}
		return g.last.Revision
	}
	last := lastGood()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if last == "" {
			// The caller may have read the source since Watch began.
			last = lastGood()
		}
		snap, err := g.Snapshot(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var signal bool
		switch {
		case err != nil:
			signal = !failing
			failing = true
		default:
			signal = failing || snap.Revision != last
			failing = false
			last = snap.Revision
		}
		if !signal {
			continue
		}
		select {
		case changed <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
	}
}

// read fetches and reads the configuration. When the fetch fails it also
// returns, as cached, what the cache held from the last good fetch, if it
// can be read.
func (g *Git) read(ctx context.Context) (snap, cached *Snapshot, err error) {
	fetchErr, err := g.withRepo(ctx, func(repo *git.Repository) (err error) {
		snap, err = g.readCommit(repo)
		return err
	})
	if fetchErr != nil {
		if err == nil && snap != nil {
			return nil, snap, fetchErr
		}
		return nil, nil, fetchErr
	}
	return snap, nil, err
}

// withRepo fetches the repository into its cache and, while holding the
// cache, calls read with it (also when the fetch failed but the cache holds
// a clone). It returns the fetch's error and read's.
func (g *Git) withRepo(ctx context.Context, read func(*git.Repository) error) (fetchErr, err error) {
	if g.URL == "" {
		return errors.New("no repository URL: give --git URL"), nil
	}
	timeout := g.Timeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	dir, err := g.cachePath()
	if err != nil {
		return err, nil
	}
	unlock, err := lockCache(dir)
	if err != nil {
		return err, nil
	}
	defer unlock()

	repo, fetchErr := g.sync(ctx, dir)
	if repo == nil {
		return fetchErr, nil
	}
	return fetchErr, read(repo)
}

// remoteHEAD is where the fetch keeps the commit of the remote's HEAD (its
// default branch).
const remoteHEAD = plumbing.ReferenceName("refs/remotes/origin/HEAD")

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// sync clones the repository into dir the first time and fetches on later
// calls. It returns the repository (nil when there is none) and the fetch
// error.
func (g *Git) sync(ctx context.Context, dir string) (*git.Repository, error) {
	remoteURL, auth, err := g.endpoint()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return g.clone(ctx, dir, remoteURL, auth)
	}
	repo, err := openCache(dir)
	if err != nil {
		return nil, fmt.Errorf("open git cache %s (delete it to clone again): %w", dir, err)
	}
	if err := keepRemoteURL(repo, remoteURL); err != nil {
		return nil, fmt.Errorf("git cache %s (delete it to clone again): %w", dir, err)
	}
	if fullSHA.MatchString(g.Ref) {
		// A commit never changes: once it is in the cache, there is
		// nothing to fetch.
		if _, err := repo.CommitObject(plumbing.NewHash(g.Ref)); err == nil {
			return repo, nil
		}
	}
	return repo, g.fetch(ctx, repo, auth)
}

// keepRemoteURL makes the cache's remote the URL without credentials. A
// cache made by an earlier curator may hold the URL with a token in it: it
// is rewritten, so that no old token stays on disk.
func keepRemoteURL(repo *git.Repository, remoteURL string) error {
	cfg, err := repo.Config()
	if err != nil {
		return err
	}
	if rc, ok := cfg.Remotes["origin"]; ok && len(rc.URLs) == 1 && rc.URLs[0] == remoteURL {
		return nil
	}
	cfg.Remotes["origin"] = &config.RemoteConfig{Name: "origin", URLs: []string{remoteURL}}
	return repo.Storer.SetConfig(cfg)
}

// clone makes the bare cache in a temporary folder and moves it into place
// once the first fetch succeeded, so a failed clone leaves nothing behind.
func (g *Git) clone(ctx context.Context, dir, remoteURL string, auth transport.AuthMethod) (*git.Repository, error) {
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".clone-*") // private: 0700
	if err != nil {
		return nil, fmt.Errorf("create git cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	repo, err := git.Init(privateStorage(tmp), nil) // no work tree: bare
	if err != nil {
		return nil, fmt.Errorf("create git cache: %w", err)
	}
	// The cache's configuration names the URL without credentials; they
	// are given to each fetch.
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{remoteURL}}); err != nil {
		return nil, fmt.Errorf("create git cache: %w", err)
	}
	if err := g.fetch(ctx, repo, auth); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("place git cache in %s: %w", dir, err)
	}
	repo, err = openCache(dir)
	if err != nil {
		return nil, fmt.Errorf("open git cache %s: %w", dir, err)
	}
	return repo, nil
}

// fetch brings every branch and tag of the remote into the cache as they
// are there (force-pushes and deletions included), and the remote's HEAD
// when the default branch is wanted.
func (g *Git) fetch(ctx context.Context, repo *git.Repository, auth transport.AuthMethod) error {
	specs := []config.RefSpec{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}
	if g.Ref == "" || g.Ref == "HEAD" {
		specs = append(specs, config.RefSpec("+HEAD:"+remoteHEAD))
	}
	err := repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: "origin",
		RefSpecs:   specs,
		Auth:       auth,
		Tags:       git.NoTags, // the tags refspec already brings them all
		Force:      true,
		Prune:      true,
	})
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
		return nil
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("fetch: %w (for https set %s, and %s if the user is not %q; for ssh set %s or run an ssh-agent)",
			err, EnvGitToken, EnvGitUsername, defaultGitUser, EnvGitSSHKey)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("fetch: %w (check the URL, and that the credentials may read it)", err)
	case errors.Is(err, git.NoMatchingRefSpecError{}):
		return fmt.Errorf("fetch: the repository has no default branch (HEAD); give a branch with --ref: %w", err)
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return fmt.Errorf("fetch: %w: push a commit first", err)
	}
	return fmt.Errorf("fetch: %w", err)
}

// readCommit resolves the ref in the cache and reads the configuration
// folder of that commit's tree into memory.
func (g *Git) readCommit(repo *git.Repository) (*Snapshot, error) {
	hash, tree, err := g.resolve(repo)
	if err != nil {
		return nil, err
	}
	return g.readCommitTree(repo, hash, tree)
}

// resolve returns the commit the ref names in the cache, and its tree.
func (g *Git) resolve(repo *git.Repository) (plumbing.Hash, *object.Tree, error) {
	var hash plumbing.Hash
	if g.Ref == "" || g.Ref == "HEAD" {
		ref, err := repo.Reference(remoteHEAD, true)
		if err != nil {
			return hash, nil, fmt.Errorf("resolve the remote's default branch: %w", err)
		}
		hash = ref.Hash()
	} else {
		h, err := repo.ResolveRevision(plumbing.Revision(g.Ref))
		if err != nil {
			return hash, nil, fmt.Errorf("resolve ref %q: no branch, tag or fetched commit has that name: %w", g.Ref, err)
		}
		hash = *h
	}
	commit, err := repo.CommitObject(hash)
	if err != nil {
		return hash, nil, fmt.Errorf("read commit %s: %w", hash, err)
	}
	tree, err := commit.Tree()
	if err != nil {
		return hash, nil, fmt.Errorf("read the tree of commit %s: %w", hash, err)
	}
	return hash, tree, nil
}

// readCommitTree reads the configuration folder of a commit's tree.
func (g *Git) readCommitTree(repo *git.Repository, hash plumbing.Hash, tree *object.Tree) (*Snapshot, error) {
	var err error
	if root, ok := findTreeModule(tree, cleanRepoPath(g.Path)); ok {
		return g.readModule(repo, tree, hash, root)
	}
	if p := cleanRepoPath(g.Path); p != "" {
		if tree, err = tree.Tree(p); err != nil {
			return nil, fmt.Errorf("folder %q at commit %s: %w", p, hash.String()[:12], err)
		}
	}
	files := fstest.MapFS{}
	var total int64
	var nested []string
	short := hash.String()[:12]
	for _, e := range tree.Entries {
		if e.Mode == filemode.Dir {
			if !skipFolder(e.Name) {
				found, err := treeConfigFiles(repo, e.Hash, e.Name)
				if err != nil {
					return nil, fmt.Errorf("read folder %s at commit %s: %w", e.Name, short, err)
				}
				nested = append(nested, found...)
			}
			continue
		}
		// Regular files, and links to regular files of the folder (read
		// from the tree, never from a disk); submodules are never
		// followed.
		if !isConfigFile(e.Name) || e.Mode != filemode.Regular && e.Mode != filemode.Executable && e.Mode != filemode.Symlink {
			continue
		}
		blobHash := e.Hash
		if e.Mode == filemode.Symlink {
			if blobHash, err = linkInTree(repo, tree, e); err != nil {
				return nil, fmt.Errorf("at commit %s: %w", short, err)
			}
		}
		blob, err := object.GetBlob(repo.Storer, blobHash)
		if err != nil {
			return nil, fmt.Errorf("read %s at commit %s: %w", e.Name, short, err)
		}
		if total += blob.Size; total > MaxSnapshotBytes {
			return nil, errTooLarge(total, len(files)+1)
		}
		data, err := readBlob(blob)
		if err != nil {
			return nil, fmt.Errorf("read %s at commit %s: %w", e.Name, short, err)
		}
		files[e.Name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	if len(nested) > 0 {
		err := errSubfolderFiles(nested)
		if p := cleanRepoPath(g.Path); p != "" {
			err = fmt.Errorf("in --path %s: %w", p, err)
		}
		return nil, fmt.Errorf("at commit %s: %w", short, err)
	}
	return &Snapshot{Revision: hash.String(), FS: files, Origin: g.Origin()}, nil
}

// readModule reads the configuration at g.Path as part of the CUE module
// at folder root of the commit's tree.
func (g *Git) readModule(repo *git.Repository, tree *object.Tree, hash plumbing.Hash, root string) (*Snapshot, error) {
	short := hash.String()[:12]
	files, err := readGitFolder(repo, tree, hash, root)
	if err != nil {
		return nil, fmt.Errorf("the CUE module: %w", err)
	}
	dir := strings.TrimPrefix(strings.TrimPrefix(cleanRepoPath(g.Path), root), "/")
	if dir == "" {
		dir = "."
	}
	if _, err := fs.Stat(files, dir); dir != "." && err != nil {
		return nil, fmt.Errorf("folder %q at commit %s holds no .cue files", cleanRepoPath(g.Path), short)
	}
	modRoot := &Git{URL: g.URL, Ref: g.Ref, Path: root}
	return &Snapshot{Revision: hash.String(), FS: moduleSnapshot(files, dir), Origin: g.Origin(),
		Module: &Module{Root: modRoot.Origin(), Dir: dir, FS: files}}, nil
}

// linkInTree resolves a link of the configuration folder to the blob of
// the regular file it names in the same folder tree, or refuses it: a link
// out of the folder (../…, /etc/…) is never followed, in the tree or on
// the disk.
func linkInTree(repo *git.Repository, tree *object.Tree, e object.TreeEntry) (plumbing.Hash, error) {
	link, err := object.GetBlob(repo.Storer, e.Hash)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read link %s: %w", e.Name, err)
	}
	if link.Size > 4096 {
		return plumbing.ZeroHash, fmt.Errorf("%s is a link of %d bytes: not a path", e.Name, link.Size)
	}
	data, err := readBlob(link)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read link %s: %w", e.Name, err)
	}
	target := string(data)
	clean := path.Clean(target)
	if path.IsAbs(target) || clean == ".." || strings.HasPrefix(clean, "../") || strings.ContainsRune(target, 0) {
		return plumbing.ZeroHash, fmt.Errorf("%s links to %s, outside the configuration folder: links are followed only to files inside it; commit the file into the folder instead", e.Name, strconv.Quote(target))
	}
	to, err := tree.FindEntry(clean)
	if err != nil || to.Mode != filemode.Regular && to.Mode != filemode.Executable {
		return plumbing.ZeroHash, fmt.Errorf("%s links to %s, which is not a file of the configuration folder (links are followed only to files inside it, not to links or folders)", e.Name, strconv.Quote(target))
	}
	return to.Hash, nil
}

// treeConfigFiles lists the configuration files of a folder's tree and its
// subfolders (but hidden ones and cue.mod), as paths under prefix.
func treeConfigFiles(repo *git.Repository, h plumbing.Hash, prefix string) ([]string, error) {
	tree, err := repo.TreeObject(h)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range tree.Entries {
		p := prefix + "/" + e.Name
		switch {
		case e.Mode == filemode.Dir:
			if skipFolder(e.Name) {
				continue
			}
			found, err := treeConfigFiles(repo, e.Hash, p)
			if err != nil {
				return nil, err
			}
			names = append(names, found...)
		case e.Mode != filemode.Submodule && isConfigFile(e.Name):
			names = append(names, p)
		}
	}
	return names, nil
}

func cleanRepoPath(p string) string {
	p = filepath.ToSlash(p)
	p = strings.Trim(p, "/")
	if p == "." {
		return ""
	}
	return p
}

func readBlob(blob *object.Blob) ([]byte, error) {
	r, err := blob.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data := make([]byte, blob.Size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	return data, nil
}

// cachePath is the cache folder of the repository: one per URL without
// credentials, so that clones with different refs or paths share it.
func (g *Git) cachePath() (string, error) {
	dir := g.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache folder for git clones (set XDG_CACHE_HOME or HOME): %w", err)
		}
		dir = filepath.Join(base, "curator", "git")
	}
	sum := sha256.Sum256([]byte(redactURL(g.URL)))
	return filepath.Join(dir, hex.EncodeToString(sum[:8])), nil
}

// endpoint returns the URL to record in the cache (without credentials)
// and the credentials to fetch with: read anew on every fetch, so a token
// rotated in the environment or in the URL is used at once.
func (g *Git) endpoint() (string, transport.AuthMethod, error) {
	ep, err := transport.NewEndpoint(g.URL)
	if err != nil {
		return "", nil, fmt.Errorf("%s is not a git URL (https://…, ssh://…, user@host:path, file://… or a folder; percent-encode special characters of a user or password, e.g. %%40 for @): %s",
			redactURL(g.URL), urlProblem(err))
	}
	remoteURL := remoteWithoutCredentials(g.URL, ep)
	switch ep.Protocol {
	case "http", "https":
		if g.Auth != nil {
			return remoteURL, g.Auth, nil
		}
		if tok := os.Getenv(EnvGitToken); tok != "" {
			user := os.Getenv(EnvGitUsername)
			if user == "" {
				user = defaultGitUser
			}
			return remoteURL, &githttp.BasicAuth{Username: user, Password: tok}, nil
		}
		if ep.User != "" || ep.Password != "" {
			return remoteURL, &githttp.BasicAuth{Username: ep.User, Password: ep.Password}, nil
		}
		return remoteURL, nil, nil
	case "ssh":
		if g.Auth != nil {
			return remoteURL, g.Auth, nil
		}
		auth, err := sshAuth(ep)
		return remoteURL, auth, err
	case "file":
		fileTransportOnce.Do(useInProcessFileTransport)
	}
	return remoteURL, g.Auth, nil
}

// remoteWithoutCredentials is the URL the cache records: for http(s), the
// endpoint without user and password; for ssh, the URL as given but for a
// password (an scp-like user@host:path stays as written: rewritten as
// ssh://…/path its path would change from relative to absolute); for
// files, the endpoint.
func remoteWithoutCredentials(raw string, ep *transport.Endpoint) string {
	switch ep.Protocol {
	case "http", "https", "file":
		bare := *ep
		bare.User, bare.Password = "", ""
		return bare.String()
	case "ssh":
		if ep.Password == "" && !strings.Contains(ep.User, ":") {
			return raw
		}
		return redactURL(raw)
	}
	bare := *ep
	bare.Password = ""
	return bare.String()
}

// urlProblem says why a URL does not parse without quoting it (url.Error
// does, credentials included).
func urlProblem(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var escape url.EscapeError
	var host url.InvalidHostError
	msg := err.Error()
	switch {
	case errors.As(err, &escape):
		return "a % is not followed by two hexadecimal digits"
	case errors.As(err, &host):
		return "the host has a character a host name cannot have"
	case strings.HasPrefix(msg, "invalid port"):
		return "what follows the host's colon is not a port (a / in a password is written %2F)"
	case strings.Contains(msg, `"`):
		// Other messages that quote a part of the URL.
		return "it does not parse"
	}
	return msg
}

// sshAuth is the key file of EnvGitSSHKey, or else the ssh-agent, with
// host keys checked against known_hosts; never without that check.
func sshAuth(ep *transport.Endpoint) (transport.AuthMethod, error) {
	user := ep.User
	if user == "" {
		user = gitssh.DefaultUsername
	}
	var files []string
	if kh := os.Getenv(EnvKnownHosts); kh != "" {
		files = []string{kh}
	}
	db, err := gitssh.NewKnownHostsDb(files...)
	if err != nil {
		return nil, fmt.Errorf("ssh host keys are always checked, and no known_hosts file was found (set %s, or add the host with `ssh-keyscan HOST >> ~/.ssh/known_hosts` after checking its fingerprint): %w", EnvKnownHosts, err)
	}
	port := ep.Port
	if port == 0 {
		port = 22
	}
	helper := gitssh.HostKeyCallbackHelper{
		HostKeyCallback:   db.HostKeyCallback(),
		HostKeyAlgorithms: db.HostKeyAlgorithms(net.JoinHostPort(ep.Host, strconv.Itoa(port))),
	}
	if key := os.Getenv(EnvGitSSHKey); key != "" {
		auth, err := gitssh.NewPublicKeysFromFile(user, key, os.Getenv(EnvGitSSHKeyPass))
		if err != nil {
			return nil, fmt.Errorf("ssh key %s (%s; set %s if it has a passphrase): %w", key, EnvGitSSHKey, EnvGitSSHKeyPass, err)
		}
		auth.HostKeyCallbackHelper = helper
		return auth, nil
	}
	agent, err := gitssh.NewSSHAgentAuth(user)
	if err != nil {
		return nil, fmt.Errorf("no ssh credentials: set %s to a private key file, or run an ssh-agent (SSH_AUTH_SOCK): %w", EnvGitSSHKey, err)
	}
	agent.HostKeyCallbackHelper = helper
	return agent, nil
}

var fileTransportOnce sync.Once

// useInProcessFileTransport serves file:// and folder URLs with go-git's
// own server when the git binary (which go-git's file transport runs) is
// not installed, as in a minimal container image.
func useInProcessFileTransport() {
	if _, err := exec.LookPath("git"); err != nil {
		client.InstallProtocol("file", server.DefaultServer)
	}
}

package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/curator-dev/curator/schema"
	"github.com/curator-dev/curator/sources"
)

// RepoWatch reconciles every configuration of a repository in one process:
// one Watcher per configuration (its own triggers, schedule, retries and
// backoff, lock and election), fed from one watch of the repository.
// Configurations added to the repository get a watcher; removed ones have
// theirs stopped — which deletes nothing: their resources stay as they are,
// no longer reconciled.
type RepoWatch struct {
	opts RepoWatchOptions
	log  *slog.Logger

	mu      sync.Mutex
	running map[string]*repoWatched // by path
}

// RepoWatchOptions steer a RepoWatch.
type RepoWatchOptions struct {
	// Source is the repository: a *sources.Local or *sources.Git.
	Source sources.Source
	// Interval is how often a git repository is fetched; default
	// sources.DefaultInterval.
	Interval time.Duration
	// NewWatcher makes the watch loop of the configuration at path, whose
	// reconciler must read src; stop, if not nil, is called once the
	// loop has ended (the configuration was removed, or the watch ends).
	NewWatcher func(path string, src sources.Source) (w *Watcher, stop func(), err error)
	// OnRemoved is told when a configuration left the repository and its
	// watcher stopped.
	OnRemoved func(path string)
	Logger    *slog.Logger
}

// repoWatched is a running configuration.
type repoWatched struct {
	src     *repoSource
	watcher *Watcher
	cancel  context.CancelFunc
	done    chan struct{}
	stop    func()
}

// NewRepoWatch returns the watch of a repository.
func NewRepoWatch(opts RepoWatchOptions) (*RepoWatch, error) {
	if _, ok := opts.Source.(sources.TreeReader); !ok {
		return nil, fmt.Errorf("%s cannot be read as a repository of configurations", opts.Source)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &RepoWatch{opts: opts, log: opts.Logger, running: map[string]*repoWatched{}}, nil
}

// Watchers returns the configurations served now, by path, in order.
func (rw *RepoWatch) Watchers() []RepoWatcher {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	out := make([]RepoWatcher, 0, len(rw.running))
	for p, r := range rw.running {
		out = append(out, RepoWatcher{Path: p, Watcher: r.watcher})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// RepoWatcher is a configuration a RepoWatch serves.
type RepoWatcher struct {
	Path    string
	Watcher *Watcher
}

// Run reads the repository, starts a watcher per configuration, and
// follows the repository's changes until ctx is done; then it stops every
// watcher (each lets its running reconcile end as a lone watch does) and
// returns.
func (rw *RepoWatch) Run(ctx context.Context) error {
	defer rw.stopAll()
	changed := make(chan struct{})
	watchDone := make(chan error, 1)
	wctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		<-watchDone
	}()
	go func() { watchDone <- rw.watchSource(wctx, changed) }()
	rw.sync(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-watchDone:
			watchDone <- err // for the deferred wait
			if err != nil {
				rw.log.Error("watching the repository failed; its configurations are reconciled on their schedules only", "source", rw.opts.Source.String(), "error", err)
			}
			<-ctx.Done()
			return nil
		case <-changed:
			rw.sync(ctx)
		}
	}
}

// watchSource signals changed when the repository may have changed: the
// folder's own watch, or a fetch every Interval for git.
func (rw *RepoWatch) watchSource(ctx context.Context, changed chan<- struct{}) error {
	if _, ok := rw.opts.Source.(*sources.Git); !ok {
		return rw.opts.Source.Watch(ctx, changed)
	}
	interval := rw.opts.Interval
	if interval <= 0 {
		interval = sources.DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		select {
		case changed <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
	}
}

// sync reads the repository and brings the watchers in line: a new
// configuration gets one, a changed one is told, a removed one's is
// stopped. A repository that cannot be read leaves every watcher as it is.
func (rw *RepoWatch) sync(ctx context.Context) {
	tree, err := rw.opts.Source.(sources.TreeReader).Tree(ctx)
	if err != nil && tree == nil {
		rw.log.Error("reading the repository failed; its configurations stay as they were", "source", rw.opts.Source.String(), "error", err)
		return
	}
	if err != nil {
		rw.log.Warn("reading the repository failed; using the last good revision", "source", rw.opts.Source.String(), "error", err)
	}
	configs, err := Configurations(tree)
	if err != nil {
		rw.log.Error("finding the repository's configurations failed", "error", err)
		return
	}
	seen := map[string]bool{}
	for _, c := range configs {
		seen[c.Path] = true
		rw.mu.Lock()
		r, ok := rw.running[c.Path]
		rw.mu.Unlock()
		if ok {
			r.src.set(c.Snapshot)
			continue
		}
		rw.start(ctx, c)
	}
	rw.mu.Lock()
	var gone []string
	for p := range rw.running {
		if !seen[p] {
			gone = append(gone, p)
		}
	}
	rw.mu.Unlock()
	sort.Strings(gone)
	for _, p := range gone {
		rw.stopOne(p)
		rw.log.Warn("a configuration left the repository: it is no longer reconciled, and its resources stay as they are (nothing is deleted)", "configuration", p)
		if rw.opts.OnRemoved != nil {
			rw.opts.OnRemoved(p)
		}
	}
}

func (rw *RepoWatch) start(ctx context.Context, c RepoConfig) {
	src := &repoSource{path: c.Path, snap: c.Snapshot, key: filesKey(c.Snapshot), changed: make(chan struct{}, 1)}
	w, stop, err := rw.opts.NewWatcher(c.Path, src)
	if err != nil {
		rw.log.Error("cannot watch a configuration", "configuration", c.Path, "error", err)
		return
	}
	wctx, cancel := context.WithCancel(ctx)
	r := &repoWatched{src: src, watcher: w, cancel: cancel, done: make(chan struct{}), stop: stop}
	go func() {
		defer close(r.done)
		_ = w.Run(wctx)
	}()
	rw.mu.Lock()
	rw.running[c.Path] = r
	rw.mu.Unlock()
}

func (rw *RepoWatch) stopOne(p string) {
	rw.mu.Lock()
	r, ok := rw.running[p]
	delete(rw.running, p)
	rw.mu.Unlock()
	if !ok {
		return
	}
	r.cancel()
	<-r.done
	if r.stop != nil {
		r.stop()
	}
}

func (rw *RepoWatch) stopAll() {
	rw.mu.Lock()
	var paths []string
	for p := range rw.running {
		paths = append(paths, p)
	}
	rw.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rw.stopOne(p)
		}()
	}
	wg.Wait()
}

// repoSource is one configuration of a watched repository as a Source:
// its snapshot from the repository's latest tree, and a signal whenever
// that snapshot's revision changes.
type repoSource struct {
	path    string
	changed chan struct{}

	mu   sync.Mutex
	snap *sources.Snapshot
	// key digests the files the configuration reads (its own, and with a
	// module those of the packages it imports): a new commit or a change
	// elsewhere in the repository is no change of the configuration.
	key string
}

var _ sources.Source = (*repoSource)(nil)

// filesKey digests the files a snapshot's configuration reads.
func filesKey(snap *sources.Snapshot) string {
	var key string
	var err error
	if m := snap.Module; m != nil {
		key, err = configCache{}.moduleKey(schema.Module{FS: m.FS, Dir: m.Dir})
	} else {
		key, err = configCache{}.key(snap.FS)
	}
	if err != nil {
		return snap.Revision
	}
	return key
}

func (s *repoSource) set(snap *sources.Snapshot) {
	key := filesKey(snap)
	s.mu.Lock()
	same := s.key == key
	s.snap, s.key = snap, key
	s.mu.Unlock()
	if same {
		return
	}
	select {
	case s.changed <- struct{}{}:
	default: // one pending signal covers every change
	}
}

func (s *repoSource) Snapshot(context.Context) (*sources.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap, nil
}

func (s *repoSource) Watch(ctx context.Context, changed chan<- struct{}) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.changed:
		}
		select {
		case changed <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
	}
}

func (s *repoSource) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap.Origin
}

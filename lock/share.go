package lock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"

	"github.com/curator-dev/curator/model"
)

// MaxMembers is how many replicas of one repository's watch can be
// members (hold a member slot) at once; more still work, but are not
// counted, so they take no share of the elections.
const MaxMembers = 64

// Share spreads the elections of many configurations over the replicas
// of one repository's watch (`watch ROOT`, several processes with the same
// lock settings). The blob lease is its one primitive:
//   - membership: each replica holds a lease on a member slot blob,
//     <container>/curator-members/<repository>/<slot>, in every container
//     its configurations' lock blobs live in; a replica counts the leased
//     slots (a listing with their lease state) to know R, the replicas;
//   - quota: a replica campaigns for a configuration's election only while
//     it leads fewer than ⌈N/R⌉ of the N configurations locked in that
//     container, and resigns (releases the election's lease, so another
//     takes it) the ones it prefers least when it leads more — after R
//     grew. A killed replica's slot and election leases expire (15 s), R
//     shrinks, and the others take its configurations.
//
// Preference is rendezvous hashing of configuration × replica, so the
// same configurations are given up each time and nothing thrashes.
type Share struct {
	repo   string // the repository's key in slot names
	opts   LeaseOptions
	ctx    context.Context
	end    context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	groups map[string]*shareGroup // by container URL
}

// NewShare returns the share of the replicas of the repository named repo
// (replicas must name it alike: the same folder path or git source). opts
// steer the member slots' leases (ConnectionString, Credential, Cloud).
func NewShare(repo string, opts LeaseOptions) *Share {
	sum := sha256.Sum256([]byte(repo))
	ctx, end := context.WithCancel(context.Background())
	return &Share{repo: hex.EncodeToString(sum[:8]), opts: opts.withDefaults(), ctx: ctx, end: end, groups: map[string]*shareGroup{}}
}

// Close gives up every member slot, so the other replicas take this one's
// share at once.
func (s *Share) Close() {
	s.end()
	s.wg.Wait()
}

// Quota returns the quota of the election of configuration key whose lock
// blob is lb; Close it when the configuration is no longer served.
func (s *Share) Quota(key string, lb model.LockBlob, cloud string) (*Quota, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	url := strings.TrimSuffix(lb.Service, "/") + "/" + lb.Container
	g := s.groups[url]
	if g == nil {
		opts := s.opts
		opts.Cloud = cloud
		// Slot 0 opens the container client every slot shares.
		first, err := OpenBlobLease(url+"/"+s.slotName(0), opts)
		if err != nil {
			return nil, fmt.Errorf("replica membership: %w", err)
		}
		g = &shareGroup{s: s, url: url, opts: opts, container: first.container, configs: map[string]bool{}, leading: map[string]bool{}, members: 1}
		s.groups[url] = g
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			g.run(s.ctx)
		}()
	}
	g.mu.Lock()
	g.configs[key] = true
	g.mu.Unlock()
	return &Quota{g: g, key: key}, nil
}

func (s *Share) slotName(i int) string {
	return fmt.Sprintf("%s%d", s.slotPrefix(), i)
}

func (s *Share) slotPrefix() string { return "curator-members/" + s.repo + "/" }

// shareGroup is the replicas' membership in one container and the
// configurations locked there.
type shareGroup struct {
	s         *Share
	url       string
	opts      LeaseOptions
	container *container.Client

	mu      sync.Mutex
	configs map[string]bool // served by this process
	leading map[string]bool // elections this process leads or is taking
	members int             // R, counted with this replica
	counted bool            // members was counted once at least
	slot    int             // this replica's slot, -1 while none
}

// run holds a member slot and counts the members every Poll until ctx
// ends, then gives the slot up.
func (g *shareGroup) run(ctx context.Context) {
	var held *HeldLease
	slot := -1
	defer func() { held.Release() }()
	for {
		if held != nil && held.Err() != nil {
			held, slot = nil, -1
		}
		if held == nil {
			held, slot = g.join(ctx)
		}
		if n, err := g.count(ctx); err == nil {
			if held == nil {
				n++ // this replica, though it holds no slot
			}
			g.mu.Lock()
			g.members, g.slot, g.counted = max(n, 1), slot, true
			g.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(g.opts.Poll):
		}
	}
}

// join takes the first free member slot.
func (g *shareGroup) join(ctx context.Context) (*HeldLease, int) {
	for i := range MaxMembers {
		b, err := OpenBlobLease(g.url+"/"+g.s.slotName(i), g.opts)
		if err != nil {
			return nil, -1
		}
		h, err := b.TryAcquire(ctx)
		if err == nil {
			return h, i
		}
		if !errors.Is(err, ErrLeaseHeld) {
			return nil, -1 // the Blob service is out of reach: try again later
		}
	}
	return nil, -1
}

// count is how many member slots are leased now.
func (g *shareGroup) count(ctx context.Context) (int, error) {
	prefix := g.s.slotPrefix()
	pager := g.container.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	n := 0
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		for _, b := range page.Segment.BlobItems {
			if b.Properties != nil && b.Properties.LeaseState != nil && *b.Properties.LeaseState == lease.StateTypeLeased {
				n++
			}
		}
	}
	return n, nil
}

// limit is ⌈N/R⌉; the caller holds g.mu.
func (g *shareGroup) limit() int {
	r := max(g.members, 1)
	return (len(g.configs) + r - 1) / r
}

// score is this replica's preference for configuration key (rendezvous
// hashing): the lowest are given up first.
func (g *shareGroup) score(key string) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%d", key, g.slot)
	return h.Sum64()
}

// Quota bounds one configuration's election by its replica's share.
type Quota struct {
	g   *shareGroup
	key string
}

// Take reserves a place to lead; false when this replica leads its share
// already (or more), so the election is left to the others for now.
func (q *Quota) Take() bool {
	g := q.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.leading[q.key] {
		return true
	}
	// Before the first count, this replica's share is not known.
	if !g.counted || len(g.leading) >= g.limit() {
		return false
	}
	g.leading[q.key] = true
	return true
}

// Return gives the place back: the try failed or the term ended.
func (q *Quota) Return() {
	q.g.mu.Lock()
	delete(q.g.leading, q.key)
	q.g.mu.Unlock()
}

// Excess reports whether the leader of this election must resign: this
// replica leads more than its share and this configuration is among those
// it prefers least. Once true, the place is given back.
func (q *Quota) Excess() bool {
	g := q.g
	g.mu.Lock()
	defer g.mu.Unlock()
	over := len(g.leading) - g.limit()
	if over <= 0 || !g.leading[q.key] {
		return false
	}
	keys := make([]string, 0, len(g.leading))
	for k := range g.leading {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if sa, sb := g.score(a), g.score(b); sa != sb {
			if sa < sb {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	if !slices.Contains(keys[:over], q.key) {
		return false
	}
	delete(g.leading, q.key)
	return true
}

// Close ends the configuration's part in the share.
func (q *Quota) Close() {
	q.g.mu.Lock()
	delete(q.g.configs, q.key)
	delete(q.g.leading, q.key)
	q.g.mu.Unlock()
}

// Counts are a container's replicas (R), configurations (N) and the
// elections this replica leads, for logs and tests.
func (q *Quota) Counts() (members, configs, leading int) {
	q.g.mu.Lock()
	defer q.g.mu.Unlock()
	return q.g.members, len(q.g.configs), len(q.g.leading)
}

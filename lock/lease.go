package lock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"
	"github.com/google/uuid"

	"github.com/curator-dev/curator/model"
)

// LockConnectionStringEnv names the variable whose storage connection
// string (Azurite's, or an account's with a key) is used for the lock blob
// instead of DefaultAzureCredential. The blob's container and name still
// come from the configured URL.
const LockConnectionStringEnv = "CURATOR_LOCK_CONNECTION_STRING"

// LeaseOptions steer a blob lease.
type LeaseOptions struct {
	// Duration of the lease: 15 to 60 s (the Blob service's bounds);
	// default 15 s. A holder that dies keeps others out this long at most.
	Duration time.Duration
	// RenewEvery is how often the holder renews; default Duration/3. The
	// holder gives the lease up as lost RenewEvery before it can have
	// expired, so that no write is in flight once another can hold it.
	RenewEvery time.Duration
	// Poll is how often a waiter tries again; default 2 s.
	Poll time.Duration
	// ConnectionString, when set, authenticates with the account's key
	// (and points at its endpoint) instead of Credential.
	ConnectionString string
	// Credential; default DefaultAzureCredential. Without a
	// ConnectionString it is sent only to a blob endpoint of Cloud.
	Credential azcore.TokenCredential
	// Cloud is the Azure cloud of the lock blob's account: AzurePublic
	// (default), AzureChina or AzureGovernment.
	Cloud string
	// Holder describes this process to those who wait; default
	// "pid N on HOST".
	Holder string
	// OnRenewFailure is called after each failed renewal.
	OnRenewFailure func(error)
}

func (o LeaseOptions) withDefaults() LeaseOptions {
	if o.Duration == 0 {
		o.Duration = 15 * time.Second
	}
	if o.RenewEvery == 0 {
		o.RenewEvery = o.Duration / 3
	}
	if o.Poll == 0 {
		o.Poll = 2 * time.Second
	}
	if o.Holder == "" {
		host, _ := os.Hostname()
		o.Holder = fmt.Sprintf("pid %d on %s", os.Getpid(), host)
	}
	return o
}

// BlobLease is a lease on one Azure blob: an exclusive lock that every
// runner reaching the storage account sees. The holder renews it in the
// background; the blob's metadata names the holder and since when.
type BlobLease struct {
	url       string
	container *container.Client
	blob      *blockblob.Client
	opts      LeaseOptions
	// failures counts failed renewals of every lease taken through this
	// BlobLease.
	failures atomic.Int64
}

// ErrLeaseHeld is returned by TryAcquire when another holds the lease.
var ErrLeaseHeld = errors.New("the lease is held by another")

// ErrLockLost means the lease was taken from its holder (broken) or could
// not be renewed in time: whoever held it must stop writing.
var ErrLockLost = errors.New("the apply lock was lost")

// OpenBlobLease returns the lease on the blob at rawURL
// (https://<account>.blob.core.windows.net/<container>/<name>).
func OpenBlobLease(rawURL string, opts LeaseOptions) (*BlobLease, error) {
	opts = opts.withDefaults()
	if opts.Duration < 15*time.Second || opts.Duration > 60*time.Second {
		return nil, fmt.Errorf("lease duration %s: the Blob service takes 15 to 60 s", opts.Duration)
	}
	if opts.RenewEvery <= 0 || opts.RenewEvery >= opts.Duration/2 {
		return nil, fmt.Errorf("lease renewal every %s: renew more often than half the lease duration (%s)", opts.RenewEvery, opts.Duration)
	}
	lb, err := model.ParseLockBlob(rawURL)
	if err != nil {
		return nil, err
	}
	// Lease calls are small and time-bound: a few quick tries, each
	// short, so a renewal never hangs past the lease's safe window.
	co := &azblob.ClientOptions{ClientOptions: policy.ClientOptions{Retry: policy.RetryOptions{MaxRetries: 2, TryTimeout: opts.Duration / 3, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: time.Second}}}
	var client *azblob.Client
	if opts.ConnectionString != "" {
		client, err = azblob.NewClientFromConnectionString(opts.ConnectionString, co)
		if err != nil {
			return nil, fmt.Errorf("lock blob %s: %s is not a usable connection string: %w", rawURL, LockConnectionStringEnv, err)
		}
	} else {
		if err := lb.InCloud(opts.Cloud); err != nil {
			return nil, err
		}
		cred := opts.Credential
		if cred == nil {
			cred, err = azidentity.NewDefaultAzureCredential(nil)
			if err != nil {
				return nil, fmt.Errorf("lock blob %s: no Azure credential (sign in with az login, set AZURE_* variables, or set %s): %w", rawURL, LockConnectionStringEnv, err)
			}
		}
		client, err = azblob.NewClient(lb.Service, cred, co)
		if err != nil {
			return nil, fmt.Errorf("lock blob %s: %w", rawURL, err)
		}
	}
	cc := client.ServiceClient().NewContainerClient(lb.Container)
	return &BlobLease{url: rawURL, container: cc, blob: cc.NewBlockBlobClient(lb.Name), opts: opts}, nil
}

// URL is the blob's configured URL.
func (b *BlobLease) URL() string { return b.url }

// RenewFailures is how many renewals failed so far.
func (b *BlobLease) RenewFailures() int64 { return b.failures.Load() }

// ensure creates the container and the (empty) blob when missing.
func (b *BlobLease) ensure(ctx context.Context) error {
	_, err := b.blob.Upload(ctx, streaming.NopCloser(bytes.NewReader(nil)), &blockblob.UploadOptions{
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to(azcore.ETagAny)}},
	})
	if bloberror.HasCode(err, bloberror.ContainerNotFound) {
		if _, cerr := b.container.Create(ctx, nil); cerr != nil && !bloberror.HasCode(cerr, bloberror.ContainerAlreadyExists) {
			return b.explain("create its container", cerr)
		}
		return b.ensure(ctx)
	}
	if err == nil || bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet, bloberror.LeaseIDMissing) {
		return nil
	}
	return b.explain("create the blob", err)
}

// explain turns a Blob service error into one that says where and what to
// do.
func (b *BlobLease) explain(doing string, err error) error {
	var re *azcore.ResponseError
	switch {
	case errors.As(err, &re) && (re.StatusCode == 401 || re.StatusCode == 403):
		return fmt.Errorf("lock blob %s: %s: access denied (%s): grant the identity the Storage Blob Data Contributor role on the container, or set %s", b.url, doing, re.ErrorCode, LockConnectionStringEnv)
	default:
		return fmt.Errorf("lock blob %s: %s: %w", b.url, doing, err)
	}
}

// TryAcquire takes the lease if nobody holds it, and renews it in the
// background until Release. When another holds it the error wraps
// ErrLeaseHeld and says who.
func (b *BlobLease) TryAcquire(ctx context.Context) (*HeldLease, error) {
	id := uuid.NewString()
	lc, err := lease.NewBlobClient(b.blob, &lease.BlobClientOptions{LeaseID: &id})
	if err != nil {
		return nil, err
	}
	sent := time.Now()
	_, err = lc.AcquireLease(ctx, int32(b.opts.Duration/time.Second), nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
		if err := b.ensure(ctx); err != nil {
			return nil, err
		}
		sent = time.Now()
		_, err = lc.AcquireLease(ctx, int32(b.opts.Duration/time.Second), nil)
	}
	if bloberror.HasCode(err, bloberror.LeaseAlreadyPresent, bloberror.LeaseIsBreakingAndCannotBeAcquired) {
		return nil, fmt.Errorf("%w: %s", ErrLeaseHeld, b.Holder(ctx))
	}
	if err != nil {
		return nil, b.explain("acquire its lease", err)
	}
	h := &HeldLease{b: b, lc: lc, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	h.safeUntil.Store(sent.Add(b.safeWindow()).UnixNano())
	// Name the holder for waiters. The lease is ours even if this fails:
	// a waiter is then told the holder is unknown.
	since := time.Now().UTC().Format(time.RFC3339)
	_, _ = b.blob.SetMetadata(ctx, map[string]*string{"holder": &b.opts.Holder, "since": &since},
		&blob.SetMetadataOptions{AccessConditions: &blob.AccessConditions{LeaseAccessConditions: &blob.LeaseAccessConditions{LeaseID: &id}}})
	go h.renew()
	return h, nil
}

// safeWindow is how long after sending a successful acquire or renew the
// lease is surely still ours, with RenewEvery to spare for writes in
// flight.
func (b *BlobLease) safeWindow() time.Duration { return b.opts.Duration - b.opts.RenewEvery }

// Acquire takes the lease, waiting up to timeout (0: try once) while
// another holds it; wait is called once, with who holds it and since when.
func (b *BlobLease) Acquire(ctx context.Context, timeout time.Duration, wait func(holder string)) (*HeldLease, error) {
	deadline := time.Now().Add(timeout)
	told, unnamed := false, 0
	for {
		h, err := b.TryAcquire(ctx)
		if !errors.Is(err, ErrLeaseHeld) {
			return h, err
		}
		holder := strings.TrimPrefix(err.Error(), ErrLeaseHeld.Error()+": ")
		if !time.Now().Before(deadline) {
			return nil, fmt.Errorf("%w (%s); wait for it, or raise --lock-timeout: lease on %s", ErrLocked, holder, b.url)
		}
		// A holder names itself just after taking the lease: give it a
		// moment before telling the waiter it is unknown.
		unnamed++
		if !told && wait != nil && (!strings.HasPrefix(holder, "holder unknown") || unnamed > 3) {
			wait(holder + "; lease on " + b.url)
			told = true
		}
		pause := b.opts.Poll
		if !told {
			pause = min(pause, 200*time.Millisecond)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(pause, time.Until(deadline)+time.Millisecond)):
		}
	}
}

// Holder describes who holds the lease and since when, from the blob's
// metadata.
func (b *BlobLease) Holder(ctx context.Context) string {
	props, err := b.blob.GetProperties(ctx, nil)
	if err != nil {
		return "holder unknown: " + err.Error()
	}
	var holder, since string
	for k, v := range props.Metadata {
		if v == nil {
			continue
		}
		switch strings.ToLower(k) {
		case "holder":
			holder = *v
		case "since":
			since = *v
		}
	}
	if holder == "" {
		return "holder unknown (it has not named itself)"
	}
	s := "held by " + holder
	if t, err := time.Parse(time.RFC3339, since); err == nil {
		s += " since " + since + ", for " + time.Since(t).Round(time.Second).String()
	}
	return s
}

// Break ends whoever's lease at once, as an operator would with
// `az storage blob lease break`: its holder finds out at its next renewal
// and stops.
func (b *BlobLease) Break(ctx context.Context) error {
	lc, err := lease.NewBlobClient(b.blob, nil)
	if err != nil {
		return err
	}
	_, err = lc.BreakLease(ctx, &lease.BlobBreakOptions{BreakPeriod: to(int32(0))})
	if err != nil && !bloberror.HasCode(err, bloberror.LeaseNotPresentWithLeaseOperation) {
		return b.explain("break its lease", err)
	}
	return nil
}

// HeldLease is a lease this process holds, renewed in the background.
type HeldLease struct {
	b  *BlobLease
	lc *lease.BlobClient
	// safeUntil (UnixNano) is when the lease must be taken as lost unless
	// renewed: the send time of the last successful acquire or renew plus
	// the safe window.
	safeUntil atomic.Int64
	lost      chan struct{}
	lostOnce  sync.Once
	lostErr   error
	stop      chan struct{}
	done      chan struct{}
	released  atomic.Bool
}

// Lost is closed when the lease was lost.
func (h *HeldLease) Lost() <-chan struct{} { return h.lost }

// Err is nil while the lease is surely ours; then it wraps ErrLockLost.
// It is the fence checked before every write.
func (h *HeldLease) Err() error {
	select {
	case <-h.lost:
		return h.lostErr
	default:
	}
	if until := time.Unix(0, h.safeUntil.Load()); time.Now().After(until) {
		h.lose(fmt.Errorf("%w: lease on %s not renewed since %s", ErrLockLost, h.b.url, until.Add(-h.b.safeWindow()).UTC().Format(time.RFC3339)))
		return h.lostErr
	}
	return nil
}

func (h *HeldLease) lose(err error) {
	h.lostOnce.Do(func() {
		h.lostErr = err
		close(h.lost)
	})
}

// renew keeps the lease until Release, or gives it up as lost when the
// service says it is no longer ours or no renewal succeeded within the safe
// window.
func (h *HeldLease) renew() {
	defer close(h.done)
	next := time.NewTimer(h.b.opts.RenewEvery)
	defer next.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-h.lost:
			return
		case <-next.C:
		}
		until := time.Unix(0, h.safeUntil.Load())
		ctx, cancel := context.WithDeadline(context.Background(), until)
		sent := time.Now()
		_, err := h.lc.RenewLease(ctx, nil)
		cancel()
		if err == nil {
			h.safeUntil.Store(sent.Add(h.b.safeWindow()).UnixNano())
			next.Reset(h.b.opts.RenewEvery)
			continue
		}
		select {
		case <-h.stop: // released meanwhile
			return
		default:
		}
		h.b.failures.Add(1)
		if f := h.b.opts.OnRenewFailure; f != nil {
			f(err)
		}
		if bloberror.HasCode(err, bloberror.LeaseIDMismatchWithLeaseOperation, bloberror.LeaseIsBrokenAndCannotBeRenewed,
			bloberror.LeaseLost, bloberror.LeaseNotPresentWithLeaseOperation, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
			h.lose(fmt.Errorf("%w: lease on %s was broken or taken by another (%s)", ErrLockLost, h.b.url, h.b.Holder(context.Background())))
			return
		}
		if !time.Now().Before(until) {
			h.lose(fmt.Errorf("%w: lease on %s could not be renewed since %s: %v", ErrLockLost, h.b.url, until.Add(-h.b.safeWindow()).UTC().Format(time.RFC3339), err))
			return
		}
		// Try again soon, within the safe window.
		next.Reset(min(time.Second, time.Until(until)))
	}
}

// Release stops renewing and gives the lease up, so the next waiter need
// not wait for it to expire.
func (h *HeldLease) Release() error {
	if h == nil || !h.released.CompareAndSwap(false, true) {
		return nil
	}
	close(h.stop)
	<-h.done
	if h.Err() != nil {
		return nil // not ours any more: nothing to give up
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id := h.lc.LeaseID()
	empty := map[string]*string{}
	_, _ = h.b.blob.SetMetadata(ctx, empty, &blob.SetMetadataOptions{AccessConditions: &blob.AccessConditions{LeaseAccessConditions: &blob.LeaseAccessConditions{LeaseID: id}}})
	if _, err := h.lc.ReleaseLease(ctx, nil); err != nil && !bloberror.HasCode(err, bloberror.LeaseIDMismatchWithLeaseOperation, bloberror.LeaseNotPresentWithLeaseOperation) {
		return h.b.explain("release its lease", err)
	}
	h.lose(fmt.Errorf("%w: released", ErrLockLost))
	return nil
}

func to[T any](v T) *T { return &v }

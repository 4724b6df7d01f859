// Package lock owns mutual exclusion between curator processes: the apply
// lock of a target (a file lock on this machine, or a lease on an Azure blob
// that every runner sees), its fencing (a held lock says, before every
// write, whether it is still surely held), and the leader election among
// watchers with its policy (who campaigns, a leader's term, the fence that
// ends writes once leadership is lost).
//
// lock knows nothing of configurations (it never imports schema) nor of
// plans and clouds: reconcile takes a Guard and checks it before each write.
package lock

import (
	"context"
	"time"
)

// Locker takes a target's apply lock: a file on this machine (Lock), or a
// lease on an Azure blob that every runner sees (BlobLease).
type Locker interface {
	// Lock takes the lock, waiting up to timeout (0: try once); wait is
	// told once who holds it and since when.
	Lock(ctx context.Context, timeout time.Duration, wait func(holder string)) (Guard, error)
}

// Guard is a held apply lock.
type Guard interface {
	// Err is nil while the lock is surely held; it is checked before every
	// write (fencing).
	Err() error
	// Lost is closed when the lock was lost (never, for a file lock).
	Lost() <-chan struct{}
	Release() error
}

// FileLocker locks with a file (flock): the local target's lock, and the
// per-machine lock of an Azure target without a lock blob.
type FileLocker struct{ Path string }

// Lock implements Locker.
func (f FileLocker) Lock(ctx context.Context, timeout time.Duration, wait func(string)) (Guard, error) {
	l, err := AcquireLock(ctx, f.Path, timeout, wait)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Lock implements Locker.
func (b *BlobLease) Lock(ctx context.Context, timeout time.Duration, wait func(string)) (Guard, error) {
	h, err := b.Acquire(ctx, timeout, wait)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Err implements Guard: a file lock is held until released.
func (l *Lock) Err() error { return nil }

// Lost implements Guard: a file lock is never lost while the process
// lives.
func (l *Lock) Lost() <-chan struct{} { return nil }

var (
	_ Locker = FileLocker{}
	_ Locker = (*BlobLease)(nil)
	_ Guard  = (*Lock)(nil)
	_ Guard  = (*HeldLease)(nil)
)

package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Lock is an exclusive apply lock on a target, held through flock on a
// file: the kernel releases it when the holder exits, so a crashed holder's
// lock is recoverable by construction. The file names its holder for those
// who wait.
type Lock struct{ f *os.File }

// ErrLocked is returned when the lock stays held past the timeout.
var ErrLocked = errors.New("another curator is applying to this target")

// AcquireLock takes the lock at path, waiting up to timeout (0: try once).
// wait is called once if the lock is held, with the holder's description.
func AcquireLock(ctx context.Context, path string, timeout time.Duration, wait func(holder string)) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create lock folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	deadline := time.Now().Add(timeout)
	told := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		holder := describeHolder(path)
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("%w (%s); wait for it, or raise --lock-timeout: %s", ErrLocked, holder, path)
		}
		if !told && wait != nil {
			wait(holder)
			told = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	host, _ := os.Hostname()
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))), 0)
	return &Lock{f: f}, nil
}

func describeHolder(path string) string {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return "holder unknown"
	}
	s := strings.TrimSpace(string(data))
	if i := strings.Index(s, " since "); i >= 0 {
		if t, err := time.Parse(time.RFC3339, s[i+len(" since "):]); err == nil {
			s += ", for " + time.Since(t).Round(time.Second).String()
		}
	}
	return "held by " + s
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}

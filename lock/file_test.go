package lock_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/curator-dev/curator/lock"
)

func TestLockNamesItsHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apply.lock")
	first, err := lock.AcquireLock(context.Background(), path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var told string
	_, err = lock.AcquireLock(context.Background(), path, 300*time.Millisecond, func(h string) { told = h })
	if !errors.Is(err, lock.ErrLocked) || !strings.Contains(err.Error(), "pid ") || !strings.Contains(told, "held by pid") {
		t.Fatalf("second lock: %v (told %q)", err, told)
	}
	first.Release()
	second, err := lock.AcquireLock(context.Background(), path, 0, nil)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	second.Release()
}

package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEmulatorServePrintsAbsoluteCAPath: the trust lines emulator serve
// prints are pasted into other shells, in other folders, so the CA file
// they name is an absolute path even for a relative --state.
func TestEmulatorServePrintsAbsoluteCAPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errw syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runContext(ctx, []string{"--state", "st", "emulator", "serve", "--addr", "127.0.0.1:0"}, strings.NewReader(""), &out, &errw)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("emulator serve exited %d: %s", code, errw.String())
		}
	}()
	waitFor(t, &out, "curl (or curl --cacert)", 1, 30*time.Second)
	want := filepath.Join(dir, "st", "tls", "ca.pem")
	lines := regexp.MustCompile(`(?m)^(?:CA certificate: |  export [A-Z_]+=)(\S+)`).FindAllStringSubmatch(out.String(), -1)
	if len(lines) != 5 {
		t.Fatalf("want the CA line and four export lines:\n%s", out.String())
	}
	for _, l := range lines {
		if l[1] != want {
			t.Errorf("%q names %s, want %s", l[0], l[1], want)
		}
	}
}

// Package azurite runs Azurite's Blob service — Microsoft's Azure Storage
// emulator, the npm package `azurite` — for tests that need a real Blob
// service (the blob lease lock and the leader election). It installs
// Azurite with .ci/azurite.sh when missing and starts azurite-blob on a
// free loopback port, in memory.
package azurite

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/curator-dev/curator/internal/testenv"
)

// The well-known development account every Azurite serves.
const (
	Account = "devstoreaccount1"
	Key     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// ErrUnavailable means Azurite cannot be installed here: npm is missing or
// its registry unreachable.
var ErrUnavailable = errors.New("azurite cannot be installed: npm or its registry is unreachable")

// Server is a running azurite-blob.
type Server struct {
	// URL is the account's blob endpoint,
	// http://127.0.0.1:PORT/devstoreaccount1.
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
}

// ConnectionString is the development account's connection string for
// this server.
func (s *Server) ConnectionString() string {
	return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;", Account, Key, s.URL)
}

// Close stops the server.
func (s *Server) Close() error {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	return nil
}

// Install makes sure Azurite is installed and returns the path of
// azurite-blob.
func Install(ctx context.Context) (string, error) {
	script, err := findScript()
	if err != nil {
		return "", err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 3 {
			return "", fmt.Errorf("%w: %s", ErrUnavailable, strings.TrimSpace(stderr.String()))
		}
		return "", fmt.Errorf("%s: %v: %s", script, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// findScript finds .ci/azurite.sh in the module's root, above the working
// folder (a test's working folder is its package's).
func findScript() (string, error) {
	path, err := testenv.CIScript("azurite.sh")
	if err != nil {
		return "", fmt.Errorf("%w: it is needed to install Azurite", err)
	}
	return path, nil
}

var listening = regexp.MustCompile(`listens on (http://127\.0\.0\.1:\d+)`)

// Start installs Azurite if needed and starts azurite-blob on a free
// loopback port, keeping blobs in memory. The server dies with this
// process even if Close is never called.
func Start(ctx context.Context) (*Server, error) {
	bin, err := Install(ctx)
	if err != nil {
		return nil, err
	}
	loc, err := os.MkdirTemp("", "azurite-")
	if err != nil {
		return nil, err
	}
	type started struct {
		s   *Server
		err error
	}
	ch := make(chan started, 1)
	// The child gets SIGKILL when the thread that started it ends: a
	// goroutine locked to its thread for good makes that thread live as
	// long as the process.
	go func() {
		runtime.LockOSThread()
		cmd := exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", "0",
			"--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose")
		cmd.Dir = loc // for anything it writes despite keeping blobs in memory
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		out, err := cmd.StdoutPipe()
		if err != nil {
			ch <- started{err: err}
			return
		}
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			ch <- started{err: fmt.Errorf("start %s: %w", bin, err)}
			return
		}
		s := &Server{cmd: cmd, done: make(chan struct{})}
		go func() {
			sc := bufio.NewScanner(out)
			found := false
			var seen []string
			for sc.Scan() {
				if found {
					continue // drain
				}
				seen = append(seen, sc.Text())
				if m := listening.FindStringSubmatch(sc.Text()); m != nil {
					s.URL = m[1] + "/" + Account
					found = true
					ch <- started{s: s}
				}
			}
			if !found {
				ch <- started{err: fmt.Errorf("azurite-blob exited before listening: %s", strings.Join(seen, "\n"))}
			}
		}()
		cmd.Wait()
		os.RemoveAll(loc)
		close(s.done)
		select {} // keep the thread
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-time.After(60 * time.Second):
		return nil, errors.New("azurite-blob did not listen within 60 s")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

var shared struct {
	once sync.Once
	s    *Server
	err  error
}

// Shared returns one Azurite for the whole test binary, started on first
// use; the test is skipped, saying why, only when npm cannot install it.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() {
		shared.s, shared.err = Start(context.Background())
	})
	if errors.Is(shared.err, ErrUnavailable) {
		t.Skipf("no Blob service to test against: %v", shared.err)
	}
	if shared.err != nil {
		t.Fatalf("start Azurite: %v", shared.err)
	}
	return shared.s
}

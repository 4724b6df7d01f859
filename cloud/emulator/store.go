package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// resource is one stored ARM resource. Body is the resource's JSON as ARM
// returns it (id, name, type, location, tags, properties); the emulator
// recomputes read-only parts (replication status) when serving it.
type resource struct {
	ID   string         `json:"id"`
	Type string         `json:"type"`
	Body map[string]any `json:"body"`
	// Regions holds replication timing for image versions.
	Regions map[string]*regionReplica `json:"regions,omitempty"`
	SizeGB  float64                   `json:"sizeGB,omitempty"`
}

// regionReplica is the replication of one version to one region: it starts
// at Start and completes when SizeGB has been copied at the server's rate,
// so progress advances from timestamps even while no process runs.
type regionReplica struct {
	Start  time.Time `json:"start"`
	Done   time.Time `json:"done"`
	Failed bool      `json:"failed,omitempty"`
}

// operation is an ARM asynchronous operation's status resource.
type operation struct {
	ID string `json:"id"`
	// DoneAt is when the operation finishes; zero means "when the version
	// named by Resource has replicated everywhere".
	DoneAt   time.Time `json:"doneAt"`
	Resource string    `json:"resource,omitempty"`
	Start    time.Time `json:"start"`
	Error    *armError `json:"error,omitempty"`
}

// state is everything the emulator persists.
type state struct {
	// Resources are keyed by lower-cased resource ID.
	Resources  map[string]*resource  `json:"resources"`
	Operations map[string]*operation `json:"operations"`
	NextOp     int64                 `json:"nextOp"`
}

func newState() *state {
	return &state{Resources: map[string]*resource{}, Operations: map[string]*operation{}}
}

// store persists state to a folder: every acknowledged write is written to a
// temporary file, fsynced and renamed over state.json (then the folder is
// fsynced), so a kill -9 at any point leaves either the old or the new state,
// never a torn one. A single JSON snapshot keeps the format inspectable and
// needs no extra dependency; writes are O(estate) which is fine for the
// estates an emulator serves (10,000 versions ≈ a few MB).
type store struct {
	dir  string
	lock *os.File
}

const stateFile = "state.json"

// openStore locks dir for this process and loads its state.
func openStore(dir string) (*store, *state, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create state folder: %w", err)
	}
	lf, err := os.OpenFile(filepath.Join(dir, "emulator.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("open state lock: %w", err)
	}
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(lf.Name())
		lf.Close()
		return nil, nil, fmt.Errorf("state folder %s is in use by another curator process (%s); stop it, or point target.local.endpoint at the emulator it serves: %w",
			dir, strings.TrimSpace(string(holder)), ErrStateInUse)
	}
	host, _ := os.Hostname()
	_ = lf.Truncate(0)
	_, _ = lf.WriteAt([]byte("pid "+strconv.Itoa(os.Getpid())+" on "+host+" since "+time.Now().UTC().Format(time.RFC3339)+"\n"), 0)
	st := newState()
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		lf.Close()
		return nil, nil, fmt.Errorf("read emulator state: %w", err)
	default:
		if err := json.Unmarshal(data, st); err != nil {
			lf.Close()
			return nil, nil, fmt.Errorf("emulator state %s is corrupt: %w", filepath.Join(dir, stateFile), err)
		}
		if st.Resources == nil {
			st.Resources = map[string]*resource{}
		}
		if st.Operations == nil {
			st.Operations = map[string]*operation{}
		}
	}
	return &store{dir: dir, lock: lf}, st, nil
}

// ErrStateInUse is returned when another process owns the state folder.
var ErrStateInUse = errors.New("emulator state folder locked")

func (s *store) save(st *state) error {
	if s == nil {
		return nil
	}
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode emulator state: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, ".state-*.json")
	if err != nil {
		return fmt.Errorf("write emulator state: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write emulator state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("sync emulator state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write emulator state: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, stateFile)); err != nil {
		return fmt.Errorf("replace emulator state: %w", err)
	}
	if d, err := os.Open(s.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func (s *store) close() error {
	if s == nil || s.lock == nil {
		return nil
	}
	_ = syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN)
	return s.lock.Close()
}

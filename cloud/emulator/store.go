package emulator

import (
	"bytes"
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

	// pending are the changes not yet written to the journal.
	pending []entry
	// onWrite, when set, sees every resource put (r) or deleted (nil): a
	// lagging Resource Graph's index (graph.go).
	onWrite func(key string, r *resource)
	// index answers questions about the whole estate without a scan
	// (index.go).
	index estateIndex
}

// entry is one journal record: a resource or operation put or deleted.
type entry struct {
	Key       string     `json:"k"`
	Resource  *resource  `json:"r,omitempty"`
	Operation *operation `json:"o,omitempty"`
	Delete    bool       `json:"d,omitempty"`
	NextOp    int64      `json:"n,omitempty"`
}

func (st *state) putResource(key string, r *resource) {
	st.setResource(key, r)
	st.pending = append(st.pending, entry{Key: key, Resource: r})
	if st.onWrite != nil {
		st.onWrite(key, r)
	}
}

func (st *state) deleteResource(key string) {
	st.removeResource(key)
	st.pending = append(st.pending, entry{Key: key, Delete: true})
	if st.onWrite != nil {
		st.onWrite(key, nil)
	}
}

func (st *state) putOperation(op *operation) {
	st.Operations[op.ID] = op
	st.pending = append(st.pending, entry{Key: "op:" + op.ID, Operation: op, NextOp: st.NextOp})
}

func (st *state) deleteOperation(id string) {
	delete(st.Operations, id)
	st.pending = append(st.pending, entry{Key: "op:" + id, Delete: true})
}

// replay applies a journal entry.
func (st *state) replay(e entry) {
	switch {
	case strings.HasPrefix(e.Key, "op:") && e.Delete:
		delete(st.Operations, strings.TrimPrefix(e.Key, "op:"))
	case strings.HasPrefix(e.Key, "op:"):
		st.Operations[e.Operation.ID] = e.Operation
		st.NextOp = max(st.NextOp, e.NextOp)
	case e.Delete:
		st.removeResource(e.Key)
	default:
		st.setResource(e.Key, e.Resource)
	}
}

// setResource and removeResource change the resources and their index
// together.
func (st *state) setResource(key string, r *resource) {
	if old := st.Resources[key]; old != nil {
		st.index.remove(key, old)
	}
	st.Resources[key] = r
	st.index.add(key, r)
}

func (st *state) removeResource(key string) {
	if old := st.Resources[key]; old != nil {
		st.index.remove(key, old)
		delete(st.Resources, key)
	}
}

func newState() *state {
	return &state{Resources: map[string]*resource{}, Operations: map[string]*operation{}, index: newEstateIndex()}
}

// store persists state to a folder as a JSON snapshot (state.json) and a
// journal of the changes since (journal.jsonl, one JSON record a line).
// Every acknowledged write was appended to the journal and fsynced before
// the answer went out, so it survives kill -9; a torn last line is a write
// that was never acknowledged, and is ignored. When the journal grows long,
// a new snapshot is written to a temporary file, fsynced and renamed over
// state.json, and the journal is emptied — replaying records that are
// already in the snapshot is harmless, so a crash between the two loses
// nothing. Plain JSON keeps the state inspectable and needs no dependency;
// writes cost O(change), not O(estate).
type store struct {
	dir     string
	lock    *os.File
	journal *os.File
	entries int
}

const (
	stateFile    = "state.json"
	journalFile  = "journal.jsonl"
	compactAfter = 20000
)

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
		st.reindex()
	}
	jpath := filepath.Join(dir, journalFile)
	entries := 0
	if data, err := os.ReadFile(jpath); err == nil {
		for _, line := range bytes.Split(data, []byte("\n")) {
			var e entry
			if len(line) == 0 || json.Unmarshal(line, &e) != nil {
				continue // a torn last line: never acknowledged
			}
			st.replay(e)
			entries++
		}
	}
	jf, err := os.OpenFile(jpath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		lf.Close()
		return nil, nil, fmt.Errorf("open emulator journal: %w", err)
	}
	s := &store{dir: dir, lock: lf, journal: jf, entries: entries}
	if entries > 0 {
		// Start from a compact state: snapshot what was replayed.
		if err := s.compact(st); err != nil {
			s.close()
			return nil, nil, err
		}
	}
	return s, st, nil
}

// ErrStateInUse is returned when another process owns the state folder.
var ErrStateInUse = errors.New("emulator state folder locked")

// save makes the pending changes durable.
func (s *store) save(st *state) error {
	pending := st.pending
	st.pending = nil
	if s == nil || len(pending) == 0 {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, e := range pending {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("encode emulator change: %w", err)
		}
	}
	if _, err := s.journal.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write emulator journal: %w", err)
	}
	if err := s.journal.Sync(); err != nil {
		return fmt.Errorf("sync emulator journal: %w", err)
	}
	s.entries += len(pending)
	if s.entries >= compactAfter {
		return s.compact(st)
	}
	return nil
}

// compact writes a snapshot of st and empties the journal.
func (s *store) compact(st *state) error {
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
	if err := s.journal.Truncate(0); err != nil {
		return fmt.Errorf("empty emulator journal: %w", err)
	}
	s.entries = 0
	return nil
}

func (s *store) close() error {
	if s == nil || s.lock == nil {
		return nil
	}
	if s.journal != nil {
		s.journal.Close()
	}
	_ = syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN)
	return s.lock.Close()
}

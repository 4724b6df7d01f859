// Package estateview is the estate page: for every configuration a process
// serves, its galleries → image definitions → a matrix of image versions ×
// target regions, with replication, replicas, `latest`, end of life,
// ownership, drift and the pending plan — as a live page (Handler, served
// by `curator watch --listen`), as JSON for scripts (/api/estate), and as a
// self-contained HTML snapshot (WriteSnapshot, `curator show --estate`).
//
// The page is a view of the values the planner and the reader produce —
// the desired state, the actual state, the pending plan and the last
// reconcile's outcome — and keeps no state of its own: Build turns a
// Configuration into the view model, and the templates and the JSON
// encoder render that. Everything shown is escaped by html/template
// (gallery names and descriptions are attacker-controlled in a shared
// gallery), the page runs no inline script, fetches nothing from outside
// and writes nothing.
//
// estateview never reads a cloud or a file: its caller hands it values.
package estateview

import (
	"slices"
	"sync"
	"time"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/planner"
)

// Configurations lists the configurations a process serves, as they stand.
// It is all the page needs from the process that serves it (a watch of one
// configuration, or of a repository of many).
type Configurations interface {
	// Estate returns every configuration and a generation that grows with
	// each change of any of them.
	Estate() (generation uint64, configs []Configuration)
	// Changed returns a channel that is closed at the next change.
	Changed() <-chan struct{}
}

// Configuration is one configuration as the page shows it: the values the
// reconciler last produced for it. A Configuration is read-only once
// handed out: its states and plan are shared, never modified.
type Configuration struct {
	// Key identifies the configuration in the page's URLs: its name, or
	// where it comes from while no name is known.
	Key  string
	Name string
	// Source says where the configuration comes from (a folder, a git
	// URL with its credentials removed).
	Source   string
	Target   string
	Revision string
	// Last is the last reconcile; nil before the first one ended.
	Last *Reconcile
	// Running is why the reconcile running now started ("" when none is).
	Running string
	// Desired is the configuration and Actual the cloud as last read;
	// either may be nil.
	Desired, Actual *model.State
	// Plan is the pending plan: the changes the last reconcile found and
	// did not apply (nil when it applied them, or planned nothing).
	Plan *planner.Plan
	// Applying is what an apply running now has done so far, by address.
	Applying map[model.Address]Applying
}

// Reconcile is how a reconcile ended.
type Reconcile struct {
	// Outcome is "no changes", "planned", "applied", "invalid
	// configuration" or "error".
	Outcome  string
	Trigger  string
	At       time.Time
	Duration time.Duration
	// Error says what went wrong ("" when nothing did).
	Error string
	// Applied and Failed count the changes an apply did and failed.
	Applied, Failed int
	// NotLeader is set when another watcher leads and this one only
	// planned.
	NotLeader bool
}

// Applying is one change of an apply running now.
type Applying struct {
	// Status is "running", "done", "failed", "skipped" or "cancelled".
	Status string
	// Replication is the version's replication as the apply last polled
	// it, by region.
	Replication map[string]model.RegionReplication
}

// Static is a fixed set of configurations: one moment (a snapshot).
type Static []Configuration

// Estate returns the configurations; the generation is always 1.
func (s Static) Estate() (uint64, []Configuration) { return 1, s }

// Changed returns a channel that is never closed.
func (s Static) Changed() <-chan struct{} { return nil }

// Live holds the configurations of a running process as its reconciles
// report them: it is what a watch hands the page. Its methods are safe for
// concurrent use.
type Live struct {
	mu      sync.Mutex
	gen     uint64
	changed chan struct{}
	order   []string
	configs map[string]*Configuration
}

// NewLive returns an empty Live.
func NewLive() *Live {
	return &Live{gen: 1, changed: make(chan struct{}), configs: map[string]*Configuration{}}
}

// Estate returns a copy of every configuration, in the order they were
// first reported.
func (l *Live) Estate() (uint64, []Configuration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Configuration, 0, len(l.order))
	for _, k := range l.order {
		c := *l.configs[k]
		if c.Applying != nil {
			m := make(map[model.Address]Applying, len(c.Applying))
			for a, ap := range c.Applying {
				m[a] = ap
			}
			c.Applying = m
		}
		out = append(out, c)
	}
	return l.gen, out
}

// Changed returns a channel closed at the next change.
func (l *Live) Changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

// Remove drops the configuration at key (one that left the repository a
// watch serves) and tells the page; nothing when there is none.
func (l *Live) Remove(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.configs[key]; !ok {
		return
	}
	delete(l.configs, key)
	l.order = slices.DeleteFunc(l.order, func(k string) bool { return k == key })
	l.gen++
	close(l.changed)
	l.changed = make(chan struct{})
}

// Update changes the configuration at key (creating it, with source,
// when it is new) and tells the page.
func (l *Live) Update(key, source string, f func(c *Configuration)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.configs[key]
	if c == nil {
		c = &Configuration{Key: key, Name: key, Source: source}
		l.configs[key] = c
		l.order = append(l.order, key)
	}
	f(c)
	l.gen++
	close(l.changed)
	l.changed = make(chan struct{})
}

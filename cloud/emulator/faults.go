package emulator

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults are failures the emulator injects, for tests of retry, backoff and
// convergence. The zero value injects none.
type Faults struct {
	// ThrottleRate is the share (0..1) of requests answered 429 with
	// Retry-After.
	ThrottleRate float64 `json:"throttleRate,omitempty"`
	// RetryAfter is the Retry-After of a throttled response; default 1s.
	RetryAfter time.Duration `json:"retryAfter,omitempty"`
	// ServerErrorRate is the share of requests answered 500 or 503.
	ServerErrorRate float64 `json:"serverErrorRate,omitempty"`
	// DropRate is the share of requests whose connection is closed without
	// an answer. Writes are dropped after they took effect half the time,
	// as happens when a connection breaks on the way back.
	DropRate float64 `json:"dropRate,omitempty"`
	// Latency is added to every request.
	Latency time.Duration `json:"latency,omitempty"`
	// FailRegions lists regions whose replication fails.
	FailRegions []string `json:"failRegions,omitempty"`
	// NewPrincipals makes each principal look newly created: its first
	// NewPrincipals role assignments without a principalType are refused
	// with 400 PrincipalNotFound, as Entra ID's replication delay does.
	NewPrincipals int `json:"newPrincipals,omitempty"`
	// ARMThrottle turns on Resource Manager's throttling (see
	// Options.ARMThrottle): "arm-throttle=on".
	ARMThrottle bool `json:"armThrottle,omitempty"`
	// Seed makes the choice of failing requests reproducible; 0 is random.
	Seed uint64 `json:"seed,omitempty"`
}

// ParseFaults reads a fault specification such as
// "throttle=0.1,5xx=0.05,drop=0.01,latency=50ms,fail-region=eastus,retry-after=1s,principal-not-found=2,arm-throttle=on,seed=7".
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return f, fmt.Errorf("fault %q: want key=value", part)
		}
		var err error
		switch k {
		case "throttle":
			f.ThrottleRate, err = parseRate(v)
		case "5xx":
			f.ServerErrorRate, err = parseRate(v)
		case "drop":
			f.DropRate, err = parseRate(v)
		case "latency":
			f.Latency, err = time.ParseDuration(v)
		case "retry-after":
			f.RetryAfter, err = time.ParseDuration(v)
		case "fail-region":
			f.FailRegions = append(f.FailRegions, normalizeRegion(v))
		case "principal-not-found":
			f.NewPrincipals, err = strconv.Atoi(v)
			if err == nil && f.NewPrincipals < 0 {
				err = fmt.Errorf("want a count of 0 or more")
			}
		case "seed":
			f.Seed, err = strconv.ParseUint(v, 10, 64)
		case "arm-throttle":
			f.ARMThrottle, err = strconv.ParseBool(strings.NewReplacer("on", "true", "off", "false").Replace(v))
		default:
			return f, fmt.Errorf("unknown fault %q: use throttle, 5xx, drop, latency, retry-after, fail-region, principal-not-found, arm-throttle or seed", k)
		}
		if err != nil {
			return f, fmt.Errorf("fault %s=%s: %w", k, v, err)
		}
	}
	return f, nil
}

func parseRate(v string) (float64, error) {
	r, err := strconv.ParseFloat(v, 64)
	if err != nil || r < 0 || r > 1 {
		return 0, fmt.Errorf("want a share between 0 and 1")
	}
	return r, nil
}

type faultState struct {
	mu  sync.Mutex
	f   Faults
	rng *rand.Rand
	// Injected counts faults injected by kind.
	injected map[string]int64
	// refused counts the PrincipalNotFound answers given per principal.
	refused map[string]int
}

// principalNotYetReplicated reports whether a role assignment for
// principal is to be refused as PrincipalNotFound, and counts it.
func (fs *faultState) principalNotYetReplicated(principal string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	key := strings.ToLower(principal)
	if fs.refused[key] >= fs.f.NewPrincipals {
		return false
	}
	if fs.refused == nil {
		fs.refused = map[string]int{}
	}
	fs.refused[key]++
	fs.injected["principal-not-found"]++
	return true
}

func (fs *faultState) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f = f
	seed := f.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	fs.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	if fs.injected == nil {
		fs.injected = map[string]int64{}
	}
}

func (fs *faultState) failsRegion(region string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, r := range fs.f.FailRegions {
		if normalizeRegion(r) == region {
			return true
		}
	}
	return false
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) { s.fault.set(f) }

// InjectedFaults returns how many faults were injected, by kind.
func (s *Server) InjectedFaults() map[string]int64 {
	s.fault.mu.Lock()
	defer s.fault.mu.Unlock()
	out := map[string]int64{}
	for k, v := range s.fault.injected {
		out[k] = v
	}
	return out
}

// injectFault answers the request with a fault, or returns false.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request) bool {
	fs := &s.fault
	fs.mu.Lock()
	f := fs.f
	roll := fs.rng.Float64()
	second := fs.rng.Float64()
	fs.mu.Unlock()
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return true
		}
	}
	count := func(kind string) {
		fs.mu.Lock()
		fs.injected[kind]++
		fs.mu.Unlock()
	}
	switch {
	case roll < f.ThrottleRate:
		count("throttle")
		ra := f.RetryAfter
		if ra <= 0 {
			ra = time.Second
		}
		w.Header().Set("Retry-After", strconv.Itoa(int((ra+time.Second-1)/time.Second)))
		w.Header().Set("Retry-After-Ms", strconv.FormatInt(ra.Milliseconds(), 10))
		writeError(w, errorf(http.StatusTooManyRequests, "TooManyRequests", "The request is being throttled as the limit has been reached for operation type - %s. Retry after %s.", r.Method, ra))
		return true
	case roll < f.ThrottleRate+f.ServerErrorRate:
		count("5xx")
		if second < 0.5 {
			writeError(w, errorf(http.StatusInternalServerError, "InternalServerError", "An internal execution error occurred. Please retry later."))
		} else {
			writeError(w, errorf(http.StatusServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable. Please retry later."))
		}
		return true
	case roll < f.ThrottleRate+f.ServerErrorRate+f.DropRate:
		count("drop")
		if r.Method != http.MethodGet && second < 0.5 {
			// The write takes effect; the answer is lost.
			rec := &discardWriter{header: http.Header{}}
			s.serveAfterFault(rec, r)
		}
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	}
	return false
}

type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

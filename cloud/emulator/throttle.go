package emulator

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ARM's request throttling, as "Understand how Azure Resource Manager
// throttles requests" (learn.microsoft.com, azure-resource-manager/
// management/request-limits-and-throttling) documents the regional
// token-bucket algorithm every subscription has been on since 2024: a
// bucket per subscription, per security principal, per region and per
// operation type, holding at most the bucket size and refilled at a fixed
// rate per second.
//
//	scope         operations  bucket size  refill per second
//	subscription  reads       250          25
//	subscription  deletes     200          10
//	subscription  writes      200          10
//
// A request that finds its bucket empty is answered 429 with Retry-After
// (seconds) and never reaches the resource provider; every answer to a
// subscription-scoped request carries x-ms-ratelimit-remaining-subscription-
// reads, -writes or -deletes (the tokens left after it). The emulator is one
// region, so the region is implied. Requests without a subscription in
// their path (tenant scope: the Resource Graph, which has its own quota
// below, and the emulator's control endpoints) are not charged.
//
// Azure Resource Graph ("Guidance for throttled requests in Azure Resource
// Graph") allocates each user a quota per time window — "a user can send at
// most 15 queries within every 5-second window" — and answers every query
// with x-ms-user-quota-remaining and x-ms-user-quota-resets-after
// (hh:mm:ss); a query beyond the quota is answered 429.
const (
	ReadBucket, ReadRefillPerSecond     = 250, 25
	WriteBucket, WriteRefillPerSecond   = 200, 10
	DeleteBucket, DeleteRefillPerSecond = 200, 10

	GraphQuota       = 15
	GraphQuotaWindow = 5 * time.Second
)

// bucket is one token bucket: tokens at the time last, refilled at rate per
// second up to size.
type bucket struct {
	tokens float64
	last   time.Time
}

type opClass struct {
	name       string // reads, writes, deletes
	size, rate float64
}

var (
	classReads   = opClass{"reads", ReadBucket, ReadRefillPerSecond}
	classWrites  = opClass{"writes", WriteBucket, WriteRefillPerSecond}
	classDeletes = opClass{"deletes", DeleteBucket, DeleteRefillPerSecond}
)

// graphWindow is one user's Resource Graph quota window.
type graphWindow struct {
	start time.Time
	used  int
}

// throttle holds the buckets of every subscription, principal and
// operation type, and the Resource Graph windows per principal.
type throttle struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	graph   map[string]*graphWindow
}

func classify(method string) opClass {
	switch method {
	case http.MethodGet, http.MethodHead:
		return classReads
	case http.MethodDelete:
		return classDeletes
	}
	return classWrites
}

// take spends one token of key's bucket at now. It returns the tokens left
// and, when the bucket was empty, how long until a token is there.
func (t *throttle) take(key string, c opClass, now time.Time) (remaining int, wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buckets == nil {
		t.buckets = map[string]*bucket{}
	}
	b := t.buckets[key]
	if b == nil {
		b = &bucket{tokens: c.size, last: now}
		t.buckets[key] = b
	}
	if now.After(b.last) {
		b.tokens = math.Min(c.size, b.tokens+now.Sub(b.last).Seconds()*c.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return 0, time.Duration((1 - b.tokens) / c.rate * float64(time.Second))
	}
	b.tokens--
	return int(b.tokens), 0
}

// takeGraph counts one Resource Graph query of principal at now, against
// the quota when enforce is set. It returns the queries left in the window
// and when the window resets; ok is false when the quota was spent.
func (t *throttle) takeGraph(principal string, now time.Time, enforce bool) (remaining int, resetsAfter time.Duration, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.graph == nil {
		t.graph = map[string]*graphWindow{}
	}
	w := t.graph[principal]
	if w == nil || !now.Before(w.start.Add(GraphQuotaWindow)) {
		w = &graphWindow{start: now}
		t.graph[principal] = w
	}
	resetsAfter = w.start.Add(GraphQuotaWindow).Sub(now)
	if enforce && w.used >= GraphQuota {
		return 0, resetsAfter, false
	}
	w.used++
	return max(0, GraphQuota-w.used), resetsAfter, true
}

// throttled reports whether ARM throttling is on: Options.ARMThrottle, or
// the arm-throttle fault.
func (s *Server) throttled() bool {
	if s.opts.ARMThrottle {
		return true
	}
	s.fault.mu.Lock()
	defer s.fault.mu.Unlock()
	return s.fault.f.ARMThrottle
}

// chargeARM applies ARM's subscription throttling to a request when it is
// on: it sets the remaining-requests header, or answers 429 and returns
// true.
func (s *Server) chargeARM(w http.ResponseWriter, r *http.Request) bool {
	if !s.throttled() {
		return false
	}
	segs := splitPath(strings.TrimSuffix(r.URL.Path, "/"))
	if len(segs) < 2 || !strings.EqualFold(segs[0], "subscriptions") {
		return false
	}
	sub := strings.ToLower(segs[1])
	principal := principalOf(r)
	c := classify(r.Method)
	remaining, wait := s.throttle.take(sub+"|"+principal+"|"+c.name, c, s.opts.Now())
	header := "x-ms-ratelimit-remaining-subscription-" + c.name
	w.Header().Set(header, strconv.Itoa(remaining))
	if wait == 0 {
		return false
	}
	s.countThrottled("arm-" + c.name)
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
	actor := principal
	if actor == "" {
		actor = "owner"
	}
	op := strings.TrimSuffix(c.name, "s")
	writeError(w, errorf(http.StatusTooManyRequests, "SubscriptionRequestsThrottled",
		"Number of '%s' requests for subscription '%s' actor '%s' exceeded. Please try again after '%d' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling",
		op, segs[1], actor, max(1, secs)))
	return true
}

// chargeGraph applies Resource Graph's per-user quota to a query: it sets
// the quota headers, and when throttling is on and the quota is spent
// answers 429 and returns true.
func (s *Server) chargeGraph(w http.ResponseWriter, r *http.Request) bool {
	remaining, reset, ok := s.throttle.takeGraph(principalOf(r), s.opts.Now(), s.throttled())
	w.Header().Set("x-ms-user-quota-remaining", strconv.Itoa(remaining))
	w.Header().Set("x-ms-user-quota-resets-after", hms(reset))
	if ok {
		return false
	}
	s.countThrottled("graph")
	secs := max(1, int(math.Ceil(reset.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeGraphError(w, http.StatusTooManyRequests, "RateLimiting", fmt.Sprintf("Please provide below info when asking for support: timestamp = %s. The request was throttled: the quota of %d queries per %s is spent; it resets in %s.", s.opts.Now().UTC().Format(time.RFC3339), GraphQuota, GraphQuotaWindow, hms(reset)), nil)
	return true
}

func (s *Server) countThrottled(kind string) {
	s.fault.mu.Lock()
	s.fault.injected["throttled-"+kind]++
	s.fault.mu.Unlock()
}

// hms formats d as Resource Graph's hh:mm:ss, rounded up to the second.
func hms(d time.Duration) string {
	secs := int(math.Ceil(d.Seconds()))
	return fmt.Sprintf("%02d:%02d:%02d", secs/3600, secs/60%60, secs%60)
}

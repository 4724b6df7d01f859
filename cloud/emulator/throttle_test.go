package emulator_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/curator-dev/curator/cloud/emulator"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func startRaw(t *testing.T, opts emulator.Options) *emulator.Server {
	t.Helper()
	srv, err := emulator.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestARMThrottleHeadersAndBuckets checks the documented bucket sizes and
// refill rates: the remaining-requests header of each operation type, the
// 429 once a burst empties the bucket, and the refill.
func TestARMThrottleHeadersAndBuckets(t *testing.T) {
	clock := newClock()
	srv := startRaw(t, emulator.Options{ARMThrottle: true, Now: clock.Now})
	rgURL := srv.URL() + "/subscriptions/" + sub + "/resourcegroups/" + rg + "?api-version=2021-04-01"
	list := srv.URL() + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries?api-version=2026-03-03"

	tests := []struct {
		name, method, url, body, header, want string
		status                                int
	}{
		{"write", http.MethodPut, rgURL, `{"location":"westeurope"}`, "x-ms-ratelimit-remaining-subscription-writes", "199", http.StatusCreated},
		{"read", http.MethodGet, list, "", "x-ms-ratelimit-remaining-subscription-reads", "249", http.StatusOK},
		{"second read", http.MethodGet, list, "", "x-ms-ratelimit-remaining-subscription-reads", "248", http.StatusOK},
		{"delete", http.MethodDelete, srv.URL() + "/subscriptions/" + sub + "/resourcegroups/other?api-version=2021-04-01", "", "x-ms-ratelimit-remaining-subscription-deletes", "199", http.StatusNoContent},
		{"tenant scope is not charged", http.MethodPost, srv.URL() + "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", `{"query":"resources"}`, "x-ms-ratelimit-remaining-subscription-writes", "", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, tc.method, tc.url, tc.body, true)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s: %s, want %d", tc.method, tc.url, resp.Status, tc.status)
			}
			if got := resp.Header.Get(tc.header); got != tc.want {
				t.Errorf("%s = %q, want %q", tc.header, got, tc.want)
			}
		})
	}

	// A burst: the 248 reads left go through, the next is throttled.
	for i := 247; i >= 0; i-- {
		resp := do(t, http.MethodGet, list, "", true)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads") != strconv.Itoa(i) {
			t.Fatalf("read with %d tokens left: %s, remaining %q", i+1, resp.Status, resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads"))
		}
	}
	resp := do(t, http.MethodGet, list, "", true)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" || resp.Header.Get("x-ms-error-code") != "SubscriptionRequestsThrottled" {
		t.Fatalf("read on an empty bucket: %s, Retry-After %q, code %q; want 429, 1, SubscriptionRequestsThrottled", resp.Status, resp.Header.Get("Retry-After"), resp.Header.Get("x-ms-error-code"))
	}
	// Writes have a bucket of their own.
	if resp := do(t, http.MethodPut, rgURL, `{"location":"westeurope"}`, true); resp.StatusCode != http.StatusOK {
		t.Fatalf("a write while reads are throttled: %s", resp.Status)
	}
	// So does another principal.
	other := emulator.Token(reader)
	if resp, _ := doAs(t, http.DefaultClient, http.MethodGet, list, "", other); resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads") != "249" {
		t.Errorf("another principal's first read: remaining %q, want 249", resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads"))
	}

	// One second refills 25 reads.
	clock.Add(time.Second)
	for i := 24; i >= 0; i-- {
		resp := do(t, http.MethodGet, list, "", true)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads") != strconv.Itoa(i) {
			t.Fatalf("after 1 s, read with %d left: %s, remaining %q", i+1, resp.Status, resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads"))
		}
	}
	if resp := do(t, http.MethodGet, list, "", true); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("26th read after 1 s: %s, want 429", resp.Status)
	}
	// The bucket never holds more than its size.
	clock.Add(time.Hour)
	if resp := do(t, http.MethodGet, list, "", true); resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads") != "249" {
		t.Errorf("after an hour: remaining %q, want 249 (a full bucket of 250 less this read)", resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads"))
	}
	if got := srv.InjectedFaults()["throttled-arm-reads"]; got != 2 {
		t.Errorf("throttled reads counted %d, want 2", got)
	}
}

func TestARMThrottleOffByDefaultAndFaultSpec(t *testing.T) {
	srv := startRaw(t, emulator.Options{})
	list := srv.URL() + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries?api-version=2026-03-03"
	if resp := do(t, http.MethodGet, list, "", true); resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads") != "" {
		t.Errorf("throttling off: remaining-reads header %q, want none", resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads"))
	}
	f, err := emulator.ParseFaults("arm-throttle=on")
	if err != nil || !f.ARMThrottle {
		t.Fatalf("ParseFaults(arm-throttle=on) = %+v, %v", f, err)
	}
	srv.SetFaults(f)
	if resp := do(t, http.MethodGet, list, "", true); resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads") != "249" {
		t.Errorf("arm-throttle fault: remaining-reads header %q, want 249", resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads"))
	}
	if _, err := emulator.ParseFaults("arm-throttle=maybe"); err == nil {
		t.Error("arm-throttle=maybe parsed without error")
	}
}

// TestGraphQuota checks Resource Graph's per-user quota: 15 queries per
// 5-second window, its headers, and the reset.
func TestGraphQuota(t *testing.T) {
	clock := newClock()
	srv := startRaw(t, emulator.Options{ARMThrottle: true, Now: clock.Now})
	url := srv.URL() + "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01"
	for i := 14; i >= 0; i-- {
		resp := do(t, http.MethodPost, url, `{"query":"resources"}`, true)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("x-ms-user-quota-remaining") != strconv.Itoa(i) || resp.Header.Get("x-ms-user-quota-resets-after") != "00:00:05" {
			t.Fatalf("query with %d left: %s, remaining %q, resets after %q", i+1, resp.Status, resp.Header.Get("x-ms-user-quota-remaining"), resp.Header.Get("x-ms-user-quota-resets-after"))
		}
	}
	clock.Add(2 * time.Second)
	resp := do(t, http.MethodPost, url, `{"query":"resources"}`, true)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "3" || resp.Header.Get("x-ms-user-quota-resets-after") != "00:00:03" {
		t.Fatalf("16th query: %s, Retry-After %q, resets after %q; want 429, 3, 00:00:03", resp.Status, resp.Header.Get("Retry-After"), resp.Header.Get("x-ms-user-quota-resets-after"))
	}
	clock.Add(3 * time.Second)
	if resp := do(t, http.MethodPost, url, `{"query":"resources"}`, true); resp.StatusCode != http.StatusOK || resp.Header.Get("x-ms-user-quota-remaining") != "14" {
		t.Fatalf("after the window: %s, remaining %q", resp.Status, resp.Header.Get("x-ms-user-quota-remaining"))
	}
}

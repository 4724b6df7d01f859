package azure

import "testing"

// TestBudgetsSharedBySubscription: clients of one subscription on one
// endpoint made with the same Budgets draw on one set of buckets; another
// subscription or endpoint has its own.
func TestBudgetsSharedBySubscription(t *testing.T) {
	b := NewBudgets()
	sub := "11111111-2222-3333-4444-555555555555"
	one := b.limiter("https://management.azure.com/", sub)
	for _, tc := range []struct {
		name          string
		endpoint, sub string
		same          bool
	}{
		{"same subscription", "https://management.azure.com/", sub, true},
		{"same subscription in capitals", "https://management.azure.com/", "11111111-2222-3333-4444-555555555555", true},
		{"another subscription", "https://management.azure.com/", "99999999-2222-3333-4444-555555555555", false},
		{"another endpoint", "https://management.chinacloudapi.cn/", sub, false},
	} {
		if got := b.limiter(tc.endpoint, tc.sub) == one; got != tc.same {
			t.Errorf("%s: shared %v, want %v", tc.name, got, tc.same)
		}
	}
	c1, err := New(Config{Subscription: sub, ResourceGroup: "a", ConfigName: "a", Endpoint: "http://127.0.0.1:1", Credential: StaticToken("t"), Budgets: b})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := New(Config{Subscription: sub, ResourceGroup: "b", ConfigName: "b", Endpoint: "http://127.0.0.1:1", Credential: StaticToken("t"), Budgets: b})
	if err != nil {
		t.Fatal(err)
	}
	own, err := New(Config{Subscription: sub, ResourceGroup: "c", ConfigName: "c", Endpoint: "http://127.0.0.1:1", Credential: StaticToken("t")})
	if err != nil {
		t.Fatal(err)
	}
	if c1.limits.read != c2.limits.read || c1.limits.read == own.limits.read {
		t.Error("two clients of one subscription with the same budgets do not share the read bucket, or one without budgets does")
	}
}

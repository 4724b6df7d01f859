package lock_test

import (
	"context"
	"io"
	"testing"

	"github.com/curator-dev/curator/lock"
	"github.com/curator-dev/curator/model"
)

// A watcher leads (curator_leader reads 1) only while it holds the
// election's lease, or alone when its configuration has no lock blob: not
// before a configuration said which, and not when its lock blob cannot be
// campaigned on. (Holding the lease is TestWatchLeaderElection's, with
// Azurite.)
func TestLeadershipLeadsOnlyWhenElectedOrAlone(t *testing.T) {
	t.Setenv(lock.LockConnectionStringEnv, "")
	noLock := model.Target{Local: &model.LocalTarget{}}
	// No connection string, and a host outside the cloud: no campaign.
	unusable := model.Target{Azure: &model.AzureTarget{Subscription: "00000000-0000-0000-0000-000000000000", ResourceGroup: "rg",
		Lock: &model.Lock{Blob: "https://evil.blob.attacker.example/locks/b"}}}
	for _, tc := range []struct {
		name      string
		apply     bool
		campaigns []model.Target
		wantErr   bool
		leads     bool
	}{
		{name: "before any configuration", apply: true, leads: false},
		{name: "without a lock blob", apply: true, campaigns: []model.Target{noLock}, leads: true},
		{name: "plan only", apply: false, campaigns: []model.Target{noLock}, leads: false},
		{name: "a lock blob that cannot be campaigned on", apply: true, campaigns: []model.Target{unusable}, wantErr: true, leads: false},
		{name: "a lock blob after none", apply: true, campaigns: []model.Target{noLock, unusable}, wantErr: true, leads: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := lock.NewLeadership(tc.apply, io.Discard, func() {})
			defer l.Stop()
			var err error
			for _, target := range tc.campaigns {
				err = l.Campaign(target)
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("Campaign: %v", err)
			}
			if got := l.Leads(); got != tc.leads {
				t.Errorf("Leads() = %v, want %v", got, tc.leads)
			}
			_, ok := l.Term(context.Background())
			if ok != tc.leads {
				t.Errorf("Term ok = %v, want %v", ok, tc.leads)
			}
			if (l.Fence() == nil) != tc.leads {
				t.Errorf("Fence() = %v with Leads %v", l.Fence(), tc.leads)
			}
		})
	}
}

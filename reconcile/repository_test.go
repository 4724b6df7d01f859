package reconcile

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/sources"
)

// TestForEachTargetGroupsByTarget: configurations of one target (one lock
// blob, one scope, the local target's state folder) never run at once,
// those of different targets do; failed ones are not run.
func TestForEachTargetGroupsByTarget(t *testing.T) {
	azureRG := func(rg string) model.Target {
		return model.Target{Azure: &model.AzureTarget{Subscription: "11111111-2222-3333-4444-555555555555", ResourceGroup: rg}}
	}
	locked := func(rg string) model.Target {
		tg := azureRG(rg)
		tg.Azure.Lock = &model.Lock{Blob: "https://acct.blob.core.windows.net/locks/images"}
		return tg
	}
	local := model.Target{Local: &model.LocalTarget{ResourceGroup: "dev"}}
	localOther := model.Target{Local: &model.LocalTarget{ResourceGroup: "prod"}}
	loaded := []Loaded{
		{Desired: &model.State{Target: azureRG("a")}},
		{Desired: &model.State{Target: azureRG("A")}}, // one scope, whatever the case
		{Desired: &model.State{Target: azureRG("b")}},
		{Desired: &model.State{Target: locked("c")}},
		{Desired: &model.State{Target: locked("d")}}, // one lock blob
		{Desired: &model.State{Target: local}},
		{Desired: &model.State{Target: localOther}}, // one state folder
		{Err: context.Canceled},
	}
	want := []string{"a", "a", "b", "lock", "lock", "state", "state"}
	for i, l := range loaded {
		if l.Desired != nil {
			loaded[i].RepoConfig = RepoConfig{Path: want[i], Snapshot: &sources.Snapshot{}}
		}
	}
	var mu sync.Mutex
	running := map[string]int{}
	var most, together int
	var ran []int
	ForEachTarget(context.Background(), loaded, t.TempDir(), func(_ context.Context, i int) {
		key := loaded[i].Path
		mu.Lock()
		running[key]++
		ran = append(ran, i)
		most = max(most, running[key])
		n := 0
		for _, c := range running {
			n += c
		}
		together = max(together, n)
		mu.Unlock()
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		running[key]--
		mu.Unlock()
	})
	if len(ran) != 7 {
		t.Errorf("ran %v, want the 7 that loaded", ran)
	}
	if most != 1 {
		t.Errorf("%d configurations of one target ran at once", most)
	}
	if together < 2 {
		t.Error("configurations of different targets did not run at once")
	}
}

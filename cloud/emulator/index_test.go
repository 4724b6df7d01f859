package emulator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

const (
	ixSub = "00000000-0000-0000-0000-0000000000aa"
	ixRG  = "/subscriptions/" + ixSub + "/resourceGroups/rg"
)

// serve sends one request to the handler without a network in between.
func serve(t testing.TB, s *Server, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

func mustServe(t testing.TB, s *Server, method, path, body string, want int) {
	t.Helper()
	if w := serve(t, s, method, path, body); w.Code != want {
		t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body.String())
	}
}

func newIndexServer(t testing.TB, opts Options) *Server {
	t.Helper()
	opts.ReplicationRate = 1e9
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	mustServe(t, s, http.MethodPut, ixRG+"?api-version=2021-04-01", `{"location":"westeurope"}`, http.StatusCreated)
	return s
}

func galleryPath(g string) string {
	return ixRG + "/providers/Microsoft.Compute/galleries/" + g
}

const ixQ = "?api-version=" + ComputeAPIVersion

func putImage(t testing.TB, s *Server, g, img, region string) {
	mustServe(t, s, http.MethodPut, galleryPath(g)+"/images/"+img+ixQ,
		`{"location":"`+region+`","properties":{"identifier":{"publisher":"p","offer":"`+img+`","sku":"s"},"osType":"Linux","osState":"Generalized","hyperVGeneration":"V2"}}`, http.StatusCreated)
}

func versionBody(region string) string {
	return `{"location":"` + region + `","properties":{"publishingProfile":{"targetRegions":[{"name":"` + region + `"}]},"storageProfile":{"source":{"id":"` + ixRG + `/providers/Microsoft.Compute/images/src"}}}}`
}

// TestIndexFollowsTheEstate: after any sequence of creates and deletes,
// and after a restart from the state folder, the kept counts and children
// are those a scan of the resources finds.
func TestIndexFollowsTheEstate(t *testing.T) {
	dir := t.TempDir()
	s := newIndexServer(t, Options{StateDir: dir})
	rng := rand.New(rand.NewPCG(1, 2))
	regions := []string{"westeurope", "northeurope", "eastus"}
	for g := range 3 {
		mustServe(t, s, http.MethodPut, galleryPath(fmt.Sprint("g", g))+ixQ, `{"location":"`+regions[g]+`"}`, http.StatusCreated)
		for i := range 3 {
			putImage(t, s, fmt.Sprint("g", g), fmt.Sprint("i", i), regions[(g+i)%3])
		}
	}
	check := func(s *Server, when string) {
		t.Helper()
		s.mu.Lock()
		defer s.mu.Unlock()
		want := s.st.index
		s.st.reindex()
		if !reflect.DeepEqual(want, s.st.index) {
			t.Fatalf("%s: the kept index differs from the rebuilt one:\nkept    %v\nrebuilt %v", when, want.counts, s.st.index.counts)
		}
	}
	for n := range 200 {
		g, i := fmt.Sprint("g", rng.IntN(3)), fmt.Sprint("i", rng.IntN(3))
		v := fmt.Sprintf("1.0.%d", rng.IntN(20))
		path := galleryPath(g) + "/images/" + i + "/versions/" + v + ixQ
		if rng.IntN(3) == 0 {
			serve(t, s, http.MethodDelete, path, "")
		} else {
			serve(t, s, http.MethodPut, path, versionBody(regions[rng.IntN(3)]))
		}
		if n%50 == 0 {
			check(s, fmt.Sprint("after ", n, " changes"))
		}
	}
	check(s, "at the end")
	s.mu.Lock()
	kept := s.st.index
	s.mu.Unlock()
	s.Close()
	again, err := Start(context.Background(), Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if !reflect.DeepEqual(kept, again.st.index) {
		t.Fatalf("after a restart the index differs:\nbefore %v\nafter  %v", kept.counts, again.st.index.counts)
	}
	if n := again.st.count(kindGallery, ixSub, "westeurope"); n != 1 {
		t.Errorf("galleries in westeurope = %d, want 1", n)
	}
}

// BenchmarkVersionCreate is the emulator's cost to create one image version
// (and, untimed, delete it again) in estates of 1,000 and 10,000 versions:
// the per-region limit and the nested-resource checks read kept counts,
// so the cost does not grow with the estate. The estate spreads over five
// regions so that none reaches the service's 10,000-version limit.
func BenchmarkVersionCreate(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("versions=%d", n), func(b *testing.B) {
			s := newIndexServer(b, Options{})
			regions := []string{"westeurope", "northeurope", "eastus", "westus2", "swedencentral"}
			mustServe(b, s, http.MethodPut, galleryPath("g")+ixQ, `{"location":"westeurope"}`, http.StatusCreated)
			const perImage = 100
			for i := 0; i*perImage < n; i++ {
				img := fmt.Sprint("i", i)
				region := regions[i%len(regions)]
				putImage(b, s, "g", img, region)
				for v := range perImage {
					mustServe(b, s, http.MethodPut, galleryPath("g")+"/images/"+img+"/versions/1.0."+fmt.Sprint(v)+ixQ, versionBody(region), http.StatusCreated)
				}
			}
			putImage(b, s, "g", "bench", "westeurope")
			path := galleryPath("g") + "/images/bench/versions/2.0.0" + ixQ
			body := versionBody("westeurope")
			for b.Loop() {
				if w := serve(b, s, http.MethodPut, path, body); w.Code != http.StatusCreated {
					b.Fatalf("create: %d %s", w.Code, w.Body.String())
				}
				b.StopTimer()
				if w := serve(b, s, http.MethodDelete, path, ""); w.Code != http.StatusAccepted {
					b.Fatalf("delete: %d %s", w.Code, w.Body.String())
				}
				b.StartTimer()
			}
		})
	}
}

package emulator_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/curator-dev/curator/cloud/emulator"
)

type graphAnswer struct {
	TotalRecords    int              `json:"totalRecords"`
	Count           int              `json:"count"`
	Data            []map[string]any `json:"data"`
	Facets          []any            `json:"facets"`
	ResultTruncated string           `json:"resultTruncated"`
	SkipToken       string           `json:"$skipToken"`
	Error           *struct {
		Code    string           `json:"code"`
		Details []map[string]any `json:"details"`
	} `json:"error"`
}

func query(t *testing.T, srv *emulator.Server, body string) (int, graphAnswer) {
	t.Helper()
	resp := do(t, http.MethodPost, srv.URL()+"/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", body, true)
	data, _ := io.ReadAll(resp.Body)
	var a graphAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatalf("answer %s: %v", data, err)
	}
	return resp.StatusCode, a
}

func graphBody(q string, top int, skipToken string) string {
	b, _ := json.Marshal(map[string]any{"query": q, "subscriptions": []string{sub}, "options": map[string]any{"$top": top, "$skipToken": skipToken, "resultFormat": "objectArray"}})
	return string(b)
}

const galleriesQuery = "resources | where type in~ ('microsoft.compute/galleries', 'microsoft.compute/galleries/images') | where resourceGroup =~ '" + rg + "' | project id, name, type, location, tags, properties | order by id asc"

// TestGraphQueries: the served subset, Resource Graph's answer shape and
// paging, and 400 for what is not served.
func TestGraphQueries(t *testing.T) {
	c := start(t, emulator.Options{})
	createRG(t, c)
	gallery(c, t, "acme")
	for i := range 3 {
		if err := image(c, t, "acme", fmt.Sprintf("img%d", i), fmt.Sprintf("S%d", i)); err != nil {
			t.Fatal(err)
		}
	}

	status, a := query(t, c.srv, graphBody(galleriesQuery, 3, ""))
	if status != http.StatusOK || a.TotalRecords != 4 || a.Count != 3 || a.ResultTruncated != "false" || a.SkipToken == "" || a.Facets == nil {
		t.Fatalf("first page: %d %+v", status, a)
	}
	if a.Data[0]["type"] != "microsoft.compute/galleries" || a.Data[1]["name"] != "img0" || a.Data[1]["properties"] == nil || len(a.Data[0]) != 6 {
		t.Errorf("rows: %v", a.Data)
	}
	status, b := query(t, c.srv, graphBody(galleriesQuery, 3, a.SkipToken))
	if status != http.StatusOK || b.Count != 1 || b.SkipToken != "" || b.Data[0]["name"] != "img2" {
		t.Fatalf("second page: %d %+v", status, b)
	}
	// A skip token belongs to its query.
	if status, _ := query(t, c.srv, graphBody(strings.Replace(galleriesQuery, "asc", "desc", 1), 3, a.SkipToken)); status != http.StatusBadRequest {
		t.Errorf("skip token with another query: %d, want 400", status)
	}
	// Without id, no paging: the first page, marked truncated.
	if _, a := query(t, c.srv, graphBody("resources | where type =~ 'microsoft.compute/galleries/images' | project name", 2, "")); a.ResultTruncated != "true" || a.SkipToken != "" || a.Count != 2 || a.TotalRecords != 3 {
		t.Errorf("no id projected: %+v", a)
	}
	if _, a := query(t, c.srv, graphBody("resources | where type =~ 'microsoft.compute/galleries/images' and name startswith 'IMG1'", 100, "")); a.Count != 1 || a.Data[0]["resourceGroup"] != rg || a.Data[0]["subscriptionId"] != sub {
		t.Errorf("and, startswith, columns: %+v", a)
	}

	for _, q := range []string{
		"resourcecontainers",
		"resources | summarize count() by type",
		"resources | where type contains 'gallery'",
		"resources | where type =~ unquoted",
		"resources | project id, secret",
		"resources | extend x = 1",
		"resources | where name == 'a\\'b'",
	} {
		status, a := query(t, c.srv, graphBody(q, 10, ""))
		if status != http.StatusBadRequest || a.Error == nil || a.Error.Code != "BadRequest" || len(a.Error.Details) < 2 || a.Error.Details[0]["code"] != "InvalidQuery" {
			t.Errorf("%q: %d %+v, want 400 BadRequest/InvalidQuery", q, status, a.Error)
		}
	}
	if resp := do(t, http.MethodPost, c.srv.URL()+"/providers/Microsoft.ResourceGraph/resources?api-version=2018-09-01-preview", `{"query":"resources"}`, true); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown api-version: %s", resp.Status)
	}
}

// TestGraphLag: with a lag of N writes the graph answers from the state
// as it was N writes ago, and catches up.
func TestGraphLag(t *testing.T) {
	c := start(t, emulator.Options{})
	createRG(t, c)
	gallery(c, t, "acme")
	c.srv.SetGraphLag(1, 0)
	if err := image(c, t, "acme", "late", "L"); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		_, a := query(t, c.srv, graphBody("resources | where type =~ 'microsoft.compute/galleries/images' | project id", 100, ""))
		return a.TotalRecords
	}
	if n := count(); n != 0 {
		t.Fatalf("lagging graph shows %d definitions, want 0 (the last write not yet indexed)", n)
	}
	gallery(c, t, "other") // a later write: the definition is now indexed
	if n := count(); n != 1 {
		t.Fatalf("after another write the graph shows %d definitions, want 1", n)
	}
	c.srv.SetGraphLag(0, 0)
	if _, a := query(t, c.srv, graphBody("resources | where type =~ 'microsoft.compute/galleries' | project id", 100, "")); a.TotalRecords != 2 {
		t.Errorf("without lag: %d galleries, want 2", a.TotalRecords)
	}
}

// TestGraphPagesOneEvaluation: the pages of a query come from one
// evaluation, as the service's $skipToken pages do: a write between pages
// shows in none of them. Once its last page was read (or its cursor
// expired), a token is still served, by evaluating the query again.
func TestGraphPagesOneEvaluation(t *testing.T) {
	c := start(t, emulator.Options{})
	createRG(t, c)
	gallery(c, t, "acme")
	for i := range 3 {
		if err := image(c, t, "acme", fmt.Sprintf("img%d", i), fmt.Sprintf("S%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	names := func(a graphAnswer) []string {
		var out []string
		for _, row := range a.Data {
			out = append(out, fmt.Sprint(row["name"]))
		}
		return out
	}
	_, first := query(t, c.srv, graphBody(galleriesQuery, 2, ""))
	if err := image(c, t, "acme", "img3", "S3"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		total         int
		want          []string
		wantMorePages bool
	}{
		{"the cursor's page: the view of the first page", 4, []string{"img1", "img2"}, false},
		{"the same token after the last page: evaluated again", 5, []string{"img1", "img2"}, true},
	} {
		status, a := query(t, c.srv, graphBody(galleriesQuery, 2, first.SkipToken))
		if status != http.StatusOK || a.TotalRecords != tc.total || strings.Join(names(a), ",") != strings.Join(tc.want, ",") || (a.SkipToken != "") != tc.wantMorePages {
			t.Errorf("%s: %d, %d records, rows %v, more pages %v; want %d records, rows %v, more pages %v",
				tc.name, status, a.TotalRecords, names(a), a.SkipToken != "", tc.total, tc.want, tc.wantMorePages)
		}
	}
}

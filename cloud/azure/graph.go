package azure

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph"
	"golang.org/x/sync/errgroup"

	"github.com/curator-dev/curator/model"
)

// The two read paths.
//
// ReadARM lists through Resource Manager: galleries, then each gallery's
// definitions, then each definition's versions (1 + galleries +
// definitions + version pages requests), all from the subscription's read
// bucket (250, refilled at 25 a second) that every tool in the
// subscription shares.
//
// ReadGraph asks Azure Resource Graph: one `resources` query for every
// gallery, definition and version of the resource group in pages of 1,000
// rows, and one `authorizationresources` query for the role assignments on
// them — a dozen queries for 10,000 versions, from Resource Graph's own
// per-user quota — plus a GET with replication status for each version
// still replicating, which Resource Graph does not carry. Resource Graph
// lags Resource Manager by seconds: a plan read through it is confirmed by
// GETs before apply writes (reconcile's freshness rules).
const (
	ReadARM   = "arm"
	ReadGraph = "graph"
)

// GraphThreshold is where the automatic choice switches to Resource Graph:
// when the list path would take at least this many requests (1 + galleries
// + definitions, from the configuration's size). Measured, not derived:
// `curator-bench -crossover` reads estates of 10 versions per definition
// through both paths, a no-op plan each, against the emulator with ARM's
// throttling on and the client's buckets on. The list path was faster up
// to 224 requests (0.16 s against the graph's 0.19 s) and slower from 244
// on (0.35 s against 0.25 s; 1.39 s against 0.32 s at 264), where its
// requests outrun the subscription's read burst and wait for tokens;
// the threshold is put between the two. The emulator answers without
// network latency: against Azure, where every list call costs a round
// trip, the graph path's few queries gain earlier, so the threshold errs
// towards the list path, authoritative and without freshness GETs (see
// README, Performance).
const GraphThreshold = 240

// Graph queries. The types are compared with in~ (Resource Graph stores
// them in lower case); startswith is case-insensitive in KQL.
const (
	computeTypes  = `'microsoft.compute/galleries', 'microsoft.compute/galleries/images', 'microsoft.compute/galleries/images/versions'`
	graphPageRows = 1000
)

func (c *Client) galleriesQuery() string {
	return fmt.Sprintf("resources | where type in~ (%s) | where resourceGroup =~ '%s' | project id, name, type, location, tags, properties | order by id asc", computeTypes, c.cfg.ResourceGroup)
}

func (c *Client) sharesQuery() string {
	return fmt.Sprintf("authorizationresources | where type =~ 'microsoft.authorization/roleassignments' | where properties.scope startswith '%s/providers/Microsoft.Compute/galleries/' | project id, name, type, properties | order by id asc", c.resourceGroupID())
}

// SetSizeHint tells an automatic read-path choice how large the estate is
// expected to be (from the configuration): galleries and definitions.
func (c *Client) SetSizeHint(galleries, definitions int) {
	c.hint.Store(int64(1 + galleries + definitions))
}

// SizeFromGraph sets the size hint for a reader that has no configuration
// to size it from (import): one Resource Graph query counts the galleries
// and image definitions of the resource group (the answer's totalRecords;
// one row is read), so the automatic choice takes the path plan would take
// for a configuration of that estate. When Resource Graph cannot answer
// (no access to it, say), the hint is left alone and the list path reads,
// as it would without the count; the error says why.
func (c *Client) SizeFromGraph(ctx context.Context) error {
	query := fmt.Sprintf("resources | where type in~ ('microsoft.compute/galleries', 'microsoft.compute/galleries/images') | where resourceGroup =~ '%s' | project id", c.cfg.ResourceGroup)
	req := armresourcegraph.QueryRequest{
		Query:         to.Ptr(query),
		Subscriptions: []*string{to.Ptr(c.cfg.Subscription)},
		Options: &armresourcegraph.QueryRequestOptions{
			Top:          to.Ptr(int32(1)),
			ResultFormat: to.Ptr(armresourcegraph.ResultFormatObjectArray),
		},
	}
	page := &graphRowSink{}
	resp, err := c.graph.Resources(context.WithValue(ctx, graphPageKey{}, page), req, nil)
	if err != nil {
		return wrap("count the galleries and image definitions of", model.Address(c.resourceGroupID()), err)
	}
	if resp.TotalRecords == nil {
		return fmt.Errorf("count the galleries and image definitions of %s: Resource Graph's answer has no totalRecords", c.resourceGroupID())
	}
	c.hint.Store(1 + *resp.TotalRecords)
	return nil
}

// ChooseReadPath is the path the next ReadState takes: the configured one,
// or for "" Resource Graph when the size hint reaches GraphThreshold.
func (c *Client) ChooseReadPath() string {
	switch c.cfg.ReadPath {
	case ReadARM, ReadGraph:
		return c.cfg.ReadPath
	}
	if c.hint.Load() >= GraphThreshold {
		return ReadGraph
	}
	return ReadARM
}

// LastRead says how the last ReadState read: its path and when it started
// (the time of the view it returned, as far as the path knows).
func (c *Client) LastRead() (path string, at time.Time) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	return c.lastPath, c.lastAt
}

// ReadState reads the actual state of the resource group: galleries, their
// image definitions, image versions (with replication status for those
// still replicating), sharing profiles and the role assignments on
// galleries and definitions — through the path ChooseReadPath names.
func (c *Client) ReadState(ctx context.Context) (*model.State, error) {
	path := c.ChooseReadPath()
	c.readMu.Lock()
	c.lastPath, c.lastAt = path, time.Now().UTC()
	c.readMu.Unlock()
	if path == ReadGraph {
		return c.readStateGraph(ctx)
	}
	return c.readStateARM(ctx)
}

// GraphRequests is the number of Resource Graph queries sent so far,
// retries included (they are part of Requests too).
func (c *Client) GraphRequests() int64 { return c.graphRequests.Load() }

// graphRows runs query over the target's subscription, page by page, and
// returns every row, its properties undecoded.
func (c *Client) graphRows(ctx context.Context, query string, what model.Address) ([]graphResource, error) {
	req := armresourcegraph.QueryRequest{
		Query:         to.Ptr(query),
		Subscriptions: []*string{to.Ptr(c.cfg.Subscription)},
		Options: &armresourcegraph.QueryRequestOptions{
			Top:          to.Ptr(int32(c.cfg.GraphPageSize)),
			ResultFormat: to.Ptr(armresourcegraph.ResultFormatObjectArray),
		},
	}
	var rows []graphResource
	for {
		page := &graphRowSink{}
		resp, err := c.graph.Resources(context.WithValue(ctx, graphPageKey{}, page), req, nil)
		if err != nil {
			return nil, wrap("query Resource Graph for", what, err)
		}
		if page.err != nil {
			return nil, fmt.Errorf("query Resource Graph for %s: the answer is not an object array of rows: %w", what, page.err)
		}
		if resp.ResultTruncated != nil && *resp.ResultTruncated == armresourcegraph.ResultTruncatedTrue {
			return nil, fmt.Errorf("query Resource Graph for %s: the result was truncated (the query must project id for paging); read with read: \"arm\" and report this", what)
		}
		rows = append(rows, page.rows...)
		if resp.SkipToken == nil || *resp.SkipToken == "" {
			return rows, nil
		}
		req.Options.SkipToken = resp.SkipToken
	}
}

// graphResource is a row as curator's queries project it: id, name, type,
// location, tags and properties (a role assignment's row has no location
// or tags). The properties are decoded once the type is known, into the
// armcompute or armauthorization properties of that type.
type graphResource struct {
	ID         string             `json:"id"`
	Name       *string            `json:"name"`
	Type       string             `json:"type"`
	Location   *string            `json:"location"`
	Tags       map[string]*string `json:"tags"`
	Properties json.RawMessage    `json:"properties"`
}

// properties decodes the row's properties into p; false when it has none.
func (r *graphResource) properties(p any) (bool, error) {
	if len(r.Properties) == 0 || string(r.Properties) == "null" {
		return false, nil
	}
	if err := json.Unmarshal(r.Properties, p); err != nil {
		return false, fmt.Errorf("Resource Graph row %s: properties: %w", r.ID, err)
	}
	return true, nil
}

// graphPageKey carries a *graphRowSink in a query's context.
type graphPageKey struct{}

// graphRowSink receives a query's rows from graphRowsPolicy.
type graphRowSink struct {
	rows []graphResource
	err  error
}

// graphAnswer is a Resource Graph answer (QueryResponse) with its rows
// typed.
type graphAnswer struct {
	TotalRecords    *int64            `json:"totalRecords,omitempty"`
	Count           *int64            `json:"count,omitempty"`
	ResultTruncated *string           `json:"resultTruncated,omitempty"`
	SkipToken       *string           `json:"$skipToken,omitempty"`
	Facets          []json.RawMessage `json:"facets"`
	Data            []graphResource   `json:"data"`
}

// graphRowsPolicy decodes the rows of a successful Resource Graph answer
// once, into the graphRowSink the request's context carries, and hands the
// SDK's client the rest of the answer (paging, truncation, counts) with
// an empty data array, so that the SDK does not decode 1,000 rows into
// generic maps to be encoded and decoded again. It runs once per call,
// after the SDK's retries; requests without a graphRowSink and error answers
// pass through untouched.
type graphRowsPolicy struct{}

func (graphRowsPolicy) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	page, _ := req.Raw().Context().Value(graphPageKey{}).(*graphRowSink)
	if err != nil || page == nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := runtime.Payload(resp)
	if err != nil {
		return resp, err
	}
	var a graphAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		page.err = err
		return resp, nil
	}
	page.rows, a.Data = a.Data, []graphResource{}
	rest, err := json.Marshal(&a)
	if err != nil {
		page.err = err
		return resp, nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(rest))
	resp.ContentLength = int64(len(rest))
	return resp, nil
}

// idNames returns the gallery, image and version names of an ARM ID
// (/subscriptions/…/resourceGroups/…/providers/Microsoft.Compute/galleries/G/images/I/versions/V).
func idNames(id string) (g, i, v string) {
	p := strings.Split(strings.Trim(id, "/"), "/")
	for k := 0; k+1 < len(p); k += 2 {
		switch strings.ToLower(p[k]) {
		case "galleries":
			g = p[k+1]
		case "images":
			i = p[k+1]
		case "versions":
			v = p[k+1]
		}
	}
	return g, i, v
}

// readStateGraph reads the state through Resource Graph. Each row is
// decoded once, into the SDK's own armcompute or armauthorization type, and
// mapped by the same functions as the list path, so that both paths see
// every property the same way.
func (c *Client) readStateGraph(ctx context.Context) (*model.State, error) {
	rgAddr := model.Address("resourcegroup/" + c.cfg.ResourceGroup)
	var (
		computeRows, shareRows []graphResource
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		computeRows, err = c.graphRows(gctx, c.galleriesQuery(), rgAddr)
		return err
	})
	g.Go(func() (err error) {
		shareRows, err = c.graphRows(gctx, c.sharesQuery(), rgAddr)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}

	st := &model.State{Galleries: map[string]*model.Gallery{}}
	type pendingImage struct {
		g, i string
		img  *model.ImageDefinition
	}
	type pendingVersion struct {
		g, i, v string
		ver     *model.ImageVersion
	}
	var images []pendingImage
	var versions []pendingVersion
	for k := range computeRows {
		row := &computeRows[k]
		gname, iname, vname := idNames(row.ID)
		switch strings.ToLower(row.Type) {
		case "microsoft.compute/galleries":
			ag := armcompute.Gallery{ID: &row.ID, Name: row.Name, Type: &row.Type, Location: row.Location, Tags: row.Tags}
			var p armcompute.GalleryProperties
			if ok, err := row.properties(&p); err != nil {
				return nil, err
			} else if ok {
				ag.Properties = &p
			}
			gal := galleryFromARM(&ag)
			gal.Images = map[string]*model.ImageDefinition{}
			st.Galleries[gname] = gal
		case "microsoft.compute/galleries/images":
			ai := armcompute.GalleryImage{ID: &row.ID, Name: row.Name, Type: &row.Type, Location: row.Location, Tags: row.Tags}
			var p armcompute.GalleryImageProperties
			if ok, err := row.properties(&p); err != nil {
				return nil, err
			} else if ok {
				ai.Properties = &p
			}
			img := imageFromARM(&ai)
			img.Versions = map[string]*model.ImageVersion{}
			images = append(images, pendingImage{gname, iname, img})
		case "microsoft.compute/galleries/images/versions":
			av := armcompute.GalleryImageVersion{ID: &row.ID, Name: row.Name, Type: &row.Type, Location: row.Location, Tags: row.Tags}
			var p armcompute.GalleryImageVersionProperties
			if ok, err := row.properties(&p); err != nil {
				return nil, err
			} else if ok {
				av.Properties = &p
			}
			versions = append(versions, pendingVersion{gname, iname, vname, versionFromARM(&av)})
		}
	}
	// The graph may index a child before its parent: what has no parent
	// in the view is left out, as the list path would not reach it.
	for _, p := range images {
		if gal := st.Galleries[p.g]; gal != nil {
			gal.Images[p.i] = p.img
		}
	}
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.ReadConcurrency)
	for _, p := range versions {
		gal := st.Galleries[p.g]
		if gal == nil || gal.Images[p.i] == nil {
			continue
		}
		img := gal.Images[p.i]
		img.Versions[p.v] = p.ver
		if p.ver.Observed.ProvisioningState != string(armcompute.GalleryProvisioningStateSucceeded) {
			// Resource Graph carries no replication status: read it.
			g.Go(func() error { return c.observe(gctx, p.g, p.i, p.v, p.ver) })
		}
	}
	for name, gal := range st.Galleries {
		// Resource Graph, like the list call, leaves a directly shared
		// gallery's groups out.
		if gal.Sharing != nil && gal.Sharing.Permission == string(armcompute.GallerySharingPermissionTypesGroups) {
			g.Go(func() error { return c.readGroups(gctx, name, gal) })
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	shares := map[string]map[string]*model.Share{}
	for k := range shareRows {
		row := &shareRows[k]
		ra := armauthorization.RoleAssignment{ID: &row.ID, Name: row.Name, Type: &row.Type}
		var p armauthorization.RoleAssignmentProperties
		if ok, err := row.properties(&p); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		ra.Properties = &p
		scope := strings.ToLower(str(ra.Properties.Scope))
		s := shareFromARM(&ra)
		if shares[scope] == nil {
			shares[scope] = map[string]*model.Share{}
		}
		shares[scope][s.Name] = s
	}
	for gname, gal := range st.Galleries {
		gal.Shares = shares[strings.ToLower(c.galleryID(gname))]
		for iname, img := range gal.Images {
			img.Shares = shares[strings.ToLower(c.imageID(gname, iname))]
		}
	}
	return st, nil
}

// ReadResource reads one resource through Resource Manager by its address
// (a gallery, image definition, image version or share): the freshness
// check before a write when the plan was read through Resource Graph.
// exists is false when Resource Manager does not have it.
func (c *Client) ReadResource(ctx context.Context, addr model.Address) (resource any, exists bool, err error) {
	if scope, principal, role, ok := shareParts(addr); ok {
		id, err := c.scopeID(scope)
		if err != nil {
			return nil, false, err
		}
		pager := c.roles.NewListForScopePager(id, &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: to.Ptr("atScope()")})
		for pager.More() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				if IsNotFound(wrap("", "", err)) {
					return nil, false, nil
				}
				return nil, false, wrap("read", addr, err)
			}
			for _, ra := range page.Value {
				if ra.Properties == nil || !strings.EqualFold(str(ra.Properties.Scope), id) {
					continue
				}
				s := shareFromARM(ra)
				if strings.EqualFold(s.PrincipalID, principal) && strings.EqualFold(s.Role, role) {
					return s, true, nil
				}
			}
		}
		return nil, false, nil
	}
	gname, iname, vname, ok := addr.Parts()
	if !ok {
		return nil, false, fmt.Errorf("read %s: not a gallery, image definition, image version or share address", addr)
	}
	var out any
	switch {
	case iname == "":
		resp, e := c.galleries.Get(ctx, c.cfg.ResourceGroup, gname, nil)
		if err = e; err == nil {
			out = galleryFromARM(&resp.Gallery)
		}
	case vname == "":
		resp, e := c.images.Get(ctx, c.cfg.ResourceGroup, gname, iname, nil)
		if err = e; err == nil {
			out = imageFromARM(&resp.GalleryImage)
		}
	default:
		resp, e := c.versions.Get(ctx, c.cfg.ResourceGroup, gname, iname, vname, nil)
		if err = e; err == nil {
			out = versionFromARM(&resp.GalleryImageVersion)
		}
	}
	if err != nil {
		if IsNotFound(wrap("", "", err)) {
			return nil, false, nil
		}
		return nil, false, wrap("read", addr, err)
	}
	return out, true, nil
}

// shareParts splits a share address, share/<scope address>/<principal>/<role>.
func shareParts(addr model.Address) (scope model.Address, principal, role string, ok bool) {
	s := string(addr)
	if !strings.HasPrefix(s, "share/") {
		return "", "", "", false
	}
	rest := strings.TrimPrefix(s, "share/")
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		return "", "", "", false
	}
	role = rest[i+1:]
	rest = rest[:i]
	j := strings.LastIndexByte(rest, '/')
	if j < 0 {
		return "", "", "", false
	}
	return model.Address(rest[:j]), rest[j+1:], role, true
}

// SetReadPath sets the path later reads take: ReadGraph, ReadARM, or "" to
// choose by size.
func (c *Client) SetReadPath(path string) { c.cfg.ReadPath = path }

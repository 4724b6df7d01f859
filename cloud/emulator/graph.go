package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Azure Resource Graph: POST /providers/Microsoft.ResourceGraph/resources
// over the emulator's own state, for the queries curator sends and nothing
// more. The subset of the Kusto query language served:
//
//	resources | authorizationresources           the table, first
//	| where COND [and COND]…                     COND: COL =~ 'v', COL == 'v', COL != 'v',
//	                                             COL in~ ('a', 'b'), COL in ('a', 'b'),
//	                                             COL startswith 'v' (case-insensitive, as in KQL)
//	| project COL [, COL]…
//	| order by COL [asc | desc]
//
// COL is a column (id, name, type, location, resourceGroup, subscriptionId,
// tenantId, tags, properties) or a dotted path into one (properties.scope).
// Anything else — other tables and operators, facets, the table result
// format, management-group scopes — is refused with Resource Graph's 400
// BadRequest / InvalidQuery, naming what is not served.
//
// Answers have the service's shape: totalRecords, count, data (an object
// array), facets, resultTruncated, and $skipToken while rows remain. Pages
// hold $top rows (default 100, at most 1000); as in the service, paging
// needs id among the projected columns, otherwise the first page is all
// there is and resultTruncated is "true". Rows are those of the request's
// subscriptions (all when none are named) that the caller may read.
//
// Like the service, the graph may lag Resource Manager: with SetGraphLag
// (Options.GraphLagWrites, Options.GraphLag) it answers from an index that
// sees a write only once it is older than the lag.

// GraphAPIVersions are the api-versions of Microsoft.ResourceGraph/resources
// the emulator accepts: the stable ones of azure-rest-api-specs
// (specification/resourcegraph), 2024-04-01 being armresourcegraph v0.10's.
var GraphAPIVersions = []string{"2019-04-01", "2021-03-01", "2022-10-01", "2024-04-01"}

const (
	graphDefaultTop = 100
	graphMaxTop     = 1000
)

// isGraphPath reports whether a path is the Resource Graph query endpoint.
func isGraphPath(segs []string) bool {
	return len(segs) == 3 && strings.EqualFold(segs[0], "providers") && strings.EqualFold(segs[1], "Microsoft.ResourceGraph") && strings.EqualFold(segs[2], "resources")
}

// graphChange is a write not yet seen by a lagging graph.
type graphChange struct {
	at  time.Time
	key string
	res *resource // nil: deleted
}

// graphIndex is a lagging Resource Graph's view: rows, and the writes it
// has not indexed yet. A nil index means the graph reads the live state.
type graphIndex struct {
	lagWrites int
	lag       time.Duration
	rows      map[string]*resource
	queue     []graphChange
}

func copyResource(r *resource) *resource {
	if r == nil {
		return nil
	}
	c := *r
	c.Body = deepCopy(r.Body)
	if r.Regions != nil {
		c.Regions = make(map[string]*regionReplica, len(r.Regions))
		for k, v := range r.Regions {
			vv := *v
			c.Regions[k] = &vv
		}
	}
	return &c
}

// SetGraphLag makes the Resource Graph lag Resource Manager: a write is
// seen by queries once it is not among the last writes newer writes and is
// older than lag. Both zero: the graph reads the live state. The graph's
// view starts as the state is now.
func (s *Server) SetGraphLag(writes int, lag time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if writes <= 0 && lag <= 0 {
		s.graph = nil
		s.st.onWrite = nil
		return
	}
	idx := &graphIndex{lagWrites: max(0, writes), lag: max(0, lag), rows: make(map[string]*resource, len(s.st.Resources))}
	for k, r := range s.st.Resources {
		idx.rows[k] = copyResource(r)
	}
	s.graph = idx
	s.st.onWrite = func(key string, r *resource) {
		idx.queue = append(idx.queue, graphChange{at: s.opts.Now(), key: key, res: copyResource(r)})
	}
}

// graphRows returns the resources as the graph sees them at now. s.mu is
// held.
func (s *Server) graphRows(now time.Time) map[string]*resource {
	idx := s.graph
	if idx == nil {
		return s.st.Resources
	}
	n := 0
	for n < len(idx.queue) && len(idx.queue)-n > idx.lagWrites && !idx.queue[n].at.After(now.Add(-idx.lag)) {
		c := idx.queue[n]
		if c.res == nil {
			delete(idx.rows, c.key)
		} else {
			idx.rows[c.key] = c.res
		}
		n++
	}
	idx.queue = idx.queue[n:]
	return idx.rows
}

// graphRequest is the body of a query (QueryRequest).
type graphRequest struct {
	Query            string   `json:"query"`
	Subscriptions    []string `json:"subscriptions"`
	ManagementGroups []string `json:"managementGroups"`
	Facets           []any    `json:"facets"`
	Options          struct {
		Top          *int   `json:"$top"`
		Skip         *int   `json:"$skip"`
		SkipToken    string `json:"$skipToken"`
		ResultFormat string `json:"resultFormat"`
	} `json:"options"`
}

func writeGraphError(w http.ResponseWriter, status int, code, message string, details []map[string]any) {
	e := map[string]any{"code": code, "message": message}
	if details != nil {
		e["details"] = details
	}
	w.Header().Set("x-ms-error-code", code)
	writeJSON(w, status, map[string]any{"error": e})
}

func invalidQuery(w http.ResponseWriter, why string) {
	writeGraphError(w, http.StatusBadRequest, "BadRequest",
		"Please provide below info when asking for support: the query is not in the emulator's Resource Graph subset.",
		[]map[string]any{
			{"code": "InvalidQuery", "message": "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the query before retrying."},
			{"code": "UnsupportedQuery", "message": why},
		})
}

// serveGraph answers a Resource Graph query.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, methodNotAllowed(r))
		return
	}
	v := r.URL.Query().Get("api-version")
	ok := false
	for _, a := range GraphAPIVersions {
		ok = ok || a == v
	}
	if !ok {
		writeError(w, errorf(http.StatusBadRequest, "InvalidApiVersionParameter", "The api-version '%s' is invalid. The supported versions are '%s'.", v, strings.Join(GraphAPIVersions, ",")))
		return
	}
	if s.chargeGraph(w, r) {
		return
	}
	var req graphRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeGraphError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The request content was invalid and could not be deserialized: %v", err), nil)
		return
	}
	switch {
	case len(req.ManagementGroups) > 0:
		invalidQuery(w, "managementGroups scopes are not served: name subscriptions")
		return
	case len(req.Facets) > 0:
		invalidQuery(w, "facets are not served")
		return
	case req.Options.ResultFormat != "" && !strings.EqualFold(req.Options.ResultFormat, "objectArray"):
		invalidQuery(w, fmt.Sprintf("resultFormat %q is not served: use objectArray", req.Options.ResultFormat))
		return
	}
	q, err := parseGraphQuery(req.Query)
	if err != nil {
		invalidQuery(w, err.Error())
		return
	}
	top := graphDefaultTop
	if req.Options.Top != nil {
		top = *req.Options.Top
		if top < 1 || top > graphMaxTop {
			writeGraphError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The $top option must be between 1 and %d; it was %d.", graphMaxTop, top), nil)
			return
		}
	}
	skip := 0
	if req.Options.Skip != nil {
		skip = max(0, *req.Options.Skip)
	}
	// A skip token carries the query it belongs to, the offset, and the
	// cursor holding the query's evaluated rows.
	fingerprint := graphFingerprint(req)
	principal := principalOf(r)
	var (
		rows   []json.RawMessage
		cursor string
	)
	if req.Options.SkipToken != "" {
		tok, ok := decodeSkipToken(req.Options.SkipToken, fingerprint)
		if !ok {
			writeGraphError(w, http.StatusBadRequest, "BadRequest", "The $skipToken is invalid: it must be passed with the same query and scopes as the request that returned it.", nil)
			return
		}
		if req.Options.Skip == nil {
			skip = tok.offset
		}
		if rows = s.cursors.get(tok.cursor, fingerprint, principal, s.opts.Now()); rows != nil {
			cursor = tok.cursor
		}
	}
	if rows == nil {
		// A first page, or a cursor that expired: evaluate the query.
		s.mu.Lock()
		evaluated := s.queryGraph(q, subs(req), principal)
		s.mu.Unlock()
		rows = make([]json.RawMessage, len(evaluated))
		for i, row := range evaluated {
			b, err := json.Marshal(row)
			if err != nil {
				writeError(w, errorf(http.StatusInternalServerError, "InternalServerError", "encode the row of %v: %v", row["id"], err))
				return
			}
			rows[i] = b
		}
	}

	total := len(rows)
	skip = min(skip, total)
	end := min(skip+top, total)
	truncated := false
	hasID := q.projects("id")
	if end < total && !hasID {
		truncated = true
	}
	out := map[string]any{
		"totalRecords":    total,
		"count":           end - skip,
		"data":            rows[skip:end],
		"facets":          []any{},
		"resultTruncated": strconv.FormatBool(truncated),
	}
	if end >= total && cursor != "" {
		s.cursors.drop(cursor) // the last page was read
	}
	if end < total && hasID {
		id := s.cursors.put(cursor, fingerprint, principal, rows, s.opts.Now())
		out["$skipToken"] = encodeSkipToken(skipToken{offset: end, cursor: id}, fingerprint)
	}
	writeJSON(w, http.StatusOK, out)
}

// subs is the set of a request's subscriptions, in lower case.
func subs(req graphRequest) map[string]bool {
	out := map[string]bool{}
	for _, sub := range req.Subscriptions {
		out[strings.ToLower(sub)] = true
	}
	return out
}

// Cursors. The service pages a query's result with $skipToken rather than
// evaluating the query again for each page; the emulator keeps a query's
// evaluated, encoded rows for graphCursorTTL after the page that named
// them, so that the pages of one query come from one evaluation (one view
// of the state, as the service's pages are) and a page costs only its own
// rows. A token whose cursor expired or was evicted is still served: the
// query is evaluated again.
const (
	graphCursorTTL = time.Minute
	graphMaxCursor = 32
)

type graphCursor struct {
	fingerprint, principal string
	rows                   []json.RawMessage
	expires                time.Time
}

// graphCursors are the open cursors, by id.
type graphCursors struct {
	mu   sync.Mutex
	next uint64
	open map[string]*graphCursor
}

// put keeps rows for the next page and returns the cursor's id: id, when
// the rows came from that open cursor, or a new one.
func (c *graphCursors) put(id, fingerprint, principal string, rows []json.RawMessage, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.open[id]; cur != nil {
		cur.expires = now.Add(graphCursorTTL)
		return id
	}
	if c.open == nil {
		c.open = map[string]*graphCursor{}
	}
	for id, cur := range c.open {
		if now.After(cur.expires) {
			delete(c.open, id)
		}
	}
	if len(c.open) >= graphMaxCursor {
		// Evict the cursor closest to expiring.
		var oldest string
		for id, cur := range c.open {
			if oldest == "" || cur.expires.Before(c.open[oldest].expires) {
				oldest = id
			}
		}
		delete(c.open, oldest)
	}
	c.next++
	id = strconv.FormatUint(c.next, 36)
	c.open[id] = &graphCursor{fingerprint: fingerprint, principal: principal, rows: rows, expires: now.Add(graphCursorTTL)}
	return id
}

func (c *graphCursors) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.open, id)
}

// get returns the rows of an open cursor of the same query and caller, or
// nil.
func (c *graphCursors) get(id, fingerprint, principal string, now time.Time) []json.RawMessage {
	if id == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.open[id]
	if cur == nil || cur.fingerprint != fingerprint || cur.principal != principal {
		return nil
	}
	if now.After(cur.expires) {
		delete(c.open, id)
		return nil
	}
	return cur.rows
}

func graphFingerprint(req graphRequest) string {
	subs := make([]string, len(req.Subscriptions))
	for i, s := range req.Subscriptions {
		subs[i] = strings.ToLower(s)
	}
	sort.Strings(subs)
	h := sha256.Sum256([]byte(req.Query + "\x00" + strings.Join(subs, ",")))
	return hex.EncodeToString(h[:8])
}

// skipToken is what a $skipToken carries: the next row, and the cursor
// holding the evaluated rows ("" in a token without one).
type skipToken struct {
	offset int
	cursor string
}

func encodeSkipToken(t skipToken, fingerprint string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fingerprint + ":" + strconv.Itoa(t.offset) + ":" + t.cursor))
}

func decodeSkipToken(tok, fingerprint string) (skipToken, bool) {
	data, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return skipToken{}, false
	}
	fp, rest, ok := strings.Cut(string(data), ":")
	off, cursor, _ := strings.Cut(rest, ":")
	n, err := strconv.Atoi(off)
	if !ok || fp != fingerprint || err != nil || n < 0 {
		return skipToken{}, false
	}
	return skipToken{offset: n, cursor: cursor}, true
}

// queryGraph evaluates q over the graph's view. s.mu is held.
func (s *Server) queryGraph(q *graphQuery, subs map[string]bool, principal string) []map[string]any {
	var assignments []*resource
	if principal != "" {
		for k := range s.st.keysOfType(roleAssignmentType) {
			if o := s.st.Resources[k]; strings.EqualFold(str(props(o)["principalId"]), principal) {
				assignments = append(assignments, o)
			}
		}
	}
	var rows []map[string]any
	for key, res := range s.graphRows(s.opts.Now()) {
		isRA := res.Type == roleAssignmentType
		if (q.table == "authorizationresources") != isRA {
			continue
		}
		if isRA && !q.matchesType("microsoft.authorization/roleassignments") {
			continue
		}
		if !isRA && (res.Type == "Microsoft.Resources/resourceGroups" || !q.matchesType(strings.ToLower(res.Type))) {
			continue
		}
		sub := subscriptionOf(key)
		if len(subs) > 0 && !subs[sub] {
			continue
		}
		scope := res.ID
		if isRA {
			scope = str(props(res)["scope"])
		}
		if principal != "" && !permittedBy(assignments, res.Type+"/read", scope) {
			continue
		}
		row := s.graphRow(key, res)
		if q.matches(row) {
			rows = append(rows, row)
		}
	}
	q.sort(rows)
	for i, row := range rows {
		rows[i] = q.project(row)
	}
	return rows
}

// permittedBy reports whether one of assignments grants action at scope.
func permittedBy(assignments []*resource, action, scope string) bool {
	scope = strings.ToLower(strings.TrimRight(scope, "/"))
	for _, o := range assignments {
		ap := props(o)
		as := strings.ToLower(strings.TrimRight(str(ap["scope"]), "/"))
		if as != "" && as != scope && !strings.HasPrefix(scope, as+"/") {
			continue
		}
		if d := builtinRole(lastSeg(str(ap["roleDefinitionId"]))); d != nil && d.permits(action) {
			return true
		}
	}
	return false
}

// graphRow is a resource as a Resource Graph row: the resource as GET
// returns it, its type in lower case, and the columns the graph adds.
func (s *Server) graphRow(key string, res *resource) map[string]any {
	var row map[string]any
	if res.Type == roleAssignmentType {
		row = make(map[string]any, len(res.Body)+4)
		for k, v := range res.Body {
			row[k] = v
		}
	} else {
		row = s.view(res, false)
	}
	row["type"] = strings.ToLower(res.Type)
	row["subscriptionId"] = subscriptionOf(key)
	row["tenantId"] = "00000000-0000-0000-0000-000000000000"
	rg := ""
	if p := strings.Split(key, "/"); len(p) > 4 && p[3] == "resourcegroups" {
		rg = p[4]
	}
	row["resourceGroup"] = rg
	if _, ok := row["tags"]; !ok && res.Type != roleAssignmentType {
		row["tags"] = map[string]any{}
	}
	return row
}

// graphQuery is a parsed query of the subset.
type graphQuery struct {
	table   string
	conds   []graphCond
	columns []string // nil: every column
	orderBy string
	desc    bool
}

type graphCond struct {
	col, op string
	values  []string
}

func (q *graphQuery) projects(col string) bool {
	if q.columns == nil {
		return true
	}
	for _, c := range q.columns {
		if c == col {
			return true
		}
	}
	return false
}

// matchesType reports whether rows of type t can pass the query's type
// conditions (a quick filter before a row is built).
func (q *graphQuery) matchesType(t string) bool {
	for _, c := range q.conds {
		if c.col == "type" && !c.test(t) {
			return false
		}
	}
	return true
}

func (q *graphQuery) matches(row map[string]any) bool {
	for _, c := range q.conds {
		v, _ := column(row, c.col).(string)
		if !c.test(v) {
			return false
		}
	}
	return true
}

func (c graphCond) test(v string) bool {
	switch c.op {
	case "==":
		return v == c.values[0]
	case "!=":
		return v != c.values[0]
	case "=~":
		return strings.EqualFold(v, c.values[0])
	case "startswith":
		return strings.HasPrefix(strings.ToLower(v), strings.ToLower(c.values[0]))
	case "in", "in~":
		for _, x := range c.values {
			if x == v || c.op == "in~" && strings.EqualFold(x, v) {
				return true
			}
		}
	}
	return false
}

func column(row map[string]any, path string) any {
	var cur any = row
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func (q *graphQuery) sort(rows []map[string]any) {
	col := q.orderBy
	if col == "" {
		col = "id"
	}
	// Each row's key is lowered once, not at every comparison.
	type keyed struct {
		key string
		row map[string]any
	}
	ks := make([]keyed, len(rows))
	for i, row := range rows {
		k, _ := column(row, col).(string)
		ks[i] = keyed{strings.ToLower(k), row}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if q.desc {
			return strings.Compare(b.key, a.key)
		}
		return strings.Compare(a.key, b.key)
	})
	for i, k := range ks {
		rows[i] = k.row
	}
}

func (q *graphQuery) project(row map[string]any) map[string]any {
	if q.columns == nil {
		return row
	}
	out := make(map[string]any, len(q.columns))
	for _, c := range q.columns {
		out[c] = row[c]
	}
	return out
}

// graphColumns are the columns of the two tables served.
var graphColumns = map[string]bool{
	"id": true, "name": true, "type": true, "location": true, "resourceGroup": true,
	"subscriptionId": true, "tenantId": true, "tags": true, "properties": true,
	"kind": true, "sku": true, "plan": true, "identity": true, "zones": true, "extendedLocation": true, "managedBy": true,
}

// parseGraphQuery parses a query of the subset, or says what is not served.
func parseGraphQuery(text string) (*graphQuery, error) {
	toks, err := lexKQL(text)
	if err != nil {
		return nil, err
	}
	p := &kqlParser{toks: toks}
	q := &graphQuery{}
	switch t := strings.ToLower(p.next()); t {
	case "resources", "authorizationresources":
		q.table = t
	case "":
		return nil, fmt.Errorf("the query is empty: start it with the table, resources or authorizationresources")
	default:
		return nil, fmt.Errorf("table %q is not served: use resources or authorizationresources", t)
	}
	for p.more() {
		if p.next() != "|" {
			return nil, fmt.Errorf("want | before the next operator, at %q", p.prev())
		}
		switch op := strings.ToLower(p.next()); op {
		case "where":
			for {
				c, err := p.cond()
				if err != nil {
					return nil, err
				}
				q.conds = append(q.conds, c)
				if strings.ToLower(p.peek()) != "and" {
					break
				}
				p.next()
			}
		case "project":
			if q.columns != nil {
				return nil, fmt.Errorf("a second project is not served")
			}
			q.columns = []string{}
			for {
				c := p.next()
				if !graphColumns[c] {
					return nil, fmt.Errorf("project: column %q is not served (columns: id, name, type, location, resourceGroup, subscriptionId, tenantId, tags, properties, …)", c)
				}
				q.columns = append(q.columns, c)
				if p.peek() != "," {
					break
				}
				p.next()
			}
		case "order", "sort":
			if strings.ToLower(p.next()) != "by" {
				return nil, fmt.Errorf("%s: want %s by COLUMN", op, op)
			}
			q.orderBy = p.next()
			if !validColumnPath(q.orderBy) {
				return nil, fmt.Errorf("%s by: column %q is not served", op, q.orderBy)
			}
			switch strings.ToLower(p.peek()) {
			case "asc":
				p.next()
			case "desc":
				p.next()
				q.desc = true
			}
		default:
			return nil, fmt.Errorf("operator %q is not served: the subset is where, project and order by", op)
		}
	}
	return q, nil
}

func validColumnPath(c string) bool {
	head, _, _ := strings.Cut(c, ".")
	return graphColumns[head]
}

type kqlParser struct {
	toks []string
	i    int
}

func (p *kqlParser) more() bool { return p.i < len(p.toks) }
func (p *kqlParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}
func (p *kqlParser) next() string {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}
func (p *kqlParser) prev() string {
	if p.i > 0 {
		return p.toks[p.i-1]
	}
	return ""
}

// str reads a string literal token.
func (p *kqlParser) str() (string, error) {
	t := p.next()
	if len(t) < 2 || t[0] != '\'' {
		return "", fmt.Errorf("want a string literal ('…'), got %q", t)
	}
	return t[1 : len(t)-1], nil
}

func (p *kqlParser) cond() (graphCond, error) {
	c := graphCond{col: p.next()}
	if !validColumnPath(c.col) {
		return c, fmt.Errorf("where: column %q is not served", c.col)
	}
	c.op = strings.ToLower(p.next())
	switch c.op {
	case "==", "!=", "=~", "startswith":
		v, err := p.str()
		if err != nil {
			return c, fmt.Errorf("where %s %s: %w", c.col, c.op, err)
		}
		c.values = []string{v}
	case "in", "in~":
		if p.next() != "(" {
			return c, fmt.Errorf("where %s %s: want ( after %s", c.col, c.op, c.op)
		}
	list:
		for {
			v, err := p.str()
			if err != nil {
				return c, fmt.Errorf("where %s %s: %w", c.col, c.op, err)
			}
			c.values = append(c.values, v)
			switch p.next() {
			case ",":
			case ")":
				break list
			default:
				return c, fmt.Errorf("where %s %s: want , or ) in the list", c.col, c.op)
			}
		}
	default:
		return c, fmt.Errorf("where %s: operator %q is not served (==, !=, =~, in, in~, startswith)", c.col, c.op)
	}
	return c, nil
}

// lexKQL splits a query into tokens: words (letters, digits, '_', '.', '$'),
// string literals kept with their quotes (double quotes become single),
// and the operators |, (, ), ',', ==, !=, =~ and in~.
func lexKQL(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '|' || c == '(' || c == ')' || c == ',':
			out = append(out, string(c))
			i++
		case c == '=' || c == '!':
			if i+1 < len(s) && (s[i+1] == '=' || s[i+1] == '~') {
				out = append(out, s[i:i+2])
				i += 2
				continue
			}
			return nil, fmt.Errorf("unexpected %q at character %d", c, i+1)
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("unterminated string literal at character %d", i+1)
			}
			lit := s[i+1 : i+1+j]
			if strings.ContainsAny(lit, `\'"`) {
				return nil, fmt.Errorf("escapes and quotes inside string literals are not served (character %d)", i+1)
			}
			out = append(out, "'"+lit+"'")
			i += j + 2
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			w := s[i:j]
			if j < len(s) && s[j] == '~' && strings.EqualFold(w, "in") {
				w += "~"
				j++
			}
			out = append(out, w)
			i = j
		default:
			return nil, fmt.Errorf("unexpected %q at character %d", c, i+1)
		}
	}
	return out, nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '$'
}

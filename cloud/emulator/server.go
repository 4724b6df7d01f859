// Package emulator is an ARM-compatible emulator of the Azure Compute Gallery
// (galleries, image definitions, image versions, sharing profiles) and role
// assignment APIs, persisted to a state folder and served on loopback.
//
// It is curator's embedded default target and the test double for
// cloud/azure: the Azure SDK for Go talks to it over HTTP exactly as it talks
// to Azure Resource Manager — the same JSON bodies, status codes, error
// objects, long-running operations and nextLink paging. Image versions
// replicate to their target regions at a configurable rate, with progress
// computed from timestamps, so it advances even while no process runs.
// Faults (throttling, server errors, latency, dropped connections, failing
// regions) can be injected for tests.
//
// It depends on no other curator package: its contract is the wire format.
package emulator

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// API versions the emulator serves.
const (
	ComputeAPIVersion       = "2026-03-03"
	AuthorizationAPIVersion = "2022-04-01"
)

// Options configure a Server.
type Options struct {
	// Addr to listen on; default "127.0.0.1:0". Only loopback addresses are
	// accepted unless AllowNonLoopback is set.
	Addr             string
	AllowNonLoopback bool
	// StateDir persists the estate; "" keeps it in memory.
	StateDir string
	// TLS serves HTTPS with the emulator's own certificates (see
	// LoadCertificates), kept in CertDir: by default StateDir/tls, or in
	// memory when there is no StateDir.
	TLS     bool
	CertDir string
	// RegisterCA copies the CA into TrustedCAsDir, so that curator's
	// `target: local: endpoint:` trusts this emulator (emulator serve).
	RegisterCA bool
	// PageSize is the number of items per list page; default 100.
	PageSize int
	// ReplicationRate is how many GB per second a version replicates to each
	// target region; default 50.
	ReplicationRate float64
	// DefaultImageSizeGB is the used size of a version whose size is not
	// otherwise known; default 10.
	DefaultImageSizeGB float64
	// OperationDelay is how long a non-replicating long-running operation
	// stays InProgress; default 0.
	OperationDelay time.Duration
	Faults         Faults
	// ARMThrottle throttles requests as Resource Manager does: token
	// buckets per subscription, principal and operation type, and Resource
	// Graph's per-user quota (throttle.go). Off by default, so that the
	// local target stays instant.
	ARMThrottle bool
	// GraphLagWrites and GraphLag make the Resource Graph lag Resource
	// Manager by that many writes and that long (see SetGraphLag).
	GraphLagWrites int
	GraphLag       time.Duration
	// Now is the clock; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Server is a running emulator.
type Server struct {
	opts  Options
	ln    net.Listener
	http  *http.Server
	url   string
	certs *Certificates
	store *store
	log   *slog.Logger

	mu    sync.Mutex
	st    *state
	fault faultState
	stats map[string]int64
	// stopOnDone unregisters the Close that Start arranged for when its
	// context is done.
	stopOnDone func() bool
	// throttle is ARM's and Resource Graph's request throttling; graph a
	// lagging Resource Graph's index (nil: the graph reads the live state).
	throttle throttle
	graph    *graphIndex
	// cursors hold evaluated Resource Graph queries for their next pages.
	cursors graphCursors
}

// Start starts an emulator listening on opts.Addr. It stops when ctx is done
// or Close is called.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	if opts.ReplicationRate <= 0 {
		opts.ReplicationRate = 50
	}
	if opts.DefaultImageSizeGB <= 0 {
		opts.DefaultImageSizeGB = 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if !opts.AllowNonLoopback {
		host, _, err := net.SplitHostPort(opts.Addr)
		if err != nil {
			return nil, fmt.Errorf("emulator address %q: %w", opts.Addr, err)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("emulator address %q is not a loopback address; the emulator listens on loopback only", opts.Addr)
		}
	}
	s := &Server{opts: opts, log: opts.Logger, st: newState(), stats: map[string]int64{}}
	s.fault.set(opts.Faults)
	if opts.StateDir != "" {
		store, st, err := openStore(opts.StateDir)
		if err != nil {
			return nil, err
		}
		s.store, s.st = store, st
	}
	s.SetGraphLag(opts.GraphLagWrites, opts.GraphLag)
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		s.store.close()
		return nil, fmt.Errorf("emulator listen on %s: %w", opts.Addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	// Connection-level noise (a handshake cut short by Close) goes to the
	// debug log, not to stderr.
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug)}
	if opts.TLS {
		dir := opts.CertDir
		if dir == "" && opts.StateDir != "" {
			dir = filepath.Join(opts.StateDir, "tls")
		}
		certs, err := LoadCertificates(dir, opts.Now())
		if err != nil {
			ln.Close()
			s.store.close()
			return nil, err
		}
		if opts.RegisterCA && certs.CAFile != "" {
			if err := registerCA(certs.CAPEM); err != nil {
				s.log.Warn("the emulator's CA could not be registered for curator's local endpoint targets", "err", err)
			}
		}
		s.certs = certs
		s.url = "https://" + ln.Addr().String()
		// HTTP/1.1 only, as ARM's front door negotiates for SDK clients,
		// and so that a dropped connection (a fault) is a dropped
		// connection.
		s.http.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{certs.leaf}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}})
	}
	go func() { _ = s.http.Serve(ln) }()
	// No goroutine waits on ctx: one that outlived Close would hold the
	// server and its estate for as long as ctx lives (a watch's whole
	// life, one emulator per reconcile).
	stop := context.AfterFunc(ctx, func() { s.Close() })
	s.mu.Lock()
	s.stopOnDone = stop
	s.mu.Unlock()
	return s, nil
}

// URL is the emulator's endpoint, e.g. https://127.0.0.1:40123.
func (s *Server) URL() string { return s.url }

// Certificates are the emulator's CA and serving certificate; nil without
// TLS.
func (s *Server) Certificates() *Certificates { return s.certs }

// Close stops the server and releases the state folder.
func (s *Server) Close() error {
	// Every acknowledged write is already durable, so connections are
	// closed at once: waiting for idle ones (Shutdown waits up to 5 s for
	// connections a client opened but never used) would hold every
	// in-process emulator's Close, and a request cut short is retried by
	// its client like any dropped connection.
	s.mu.Lock()
	stop := s.stopOnDone
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
	err := s.http.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		if cerr := s.store.close(); err == nil {
			err = cerr
		}
		s.store = nil
	}
	return err
}

// Stats are request counts by "METHOD resourcetype", e.g. "GET versions".
type Stats map[string]int64

// Total is the number of requests served.
func (s Stats) Total() int64 {
	var n int64
	for _, v := range s {
		n += v
	}
	return n
}

// Stats returns a copy of the request counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(Stats, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

// ResetStats zeroes the request counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = map[string]int64{}
}

// armError is ARM's error object.
// armError is Resource Manager's error detail (common-types ErrorDetail:
// code, message, and target, the property a request got wrong — the
// Compute provider names it on PropertyChangeNotAllowed).
type armError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target,omitempty"`
	status  int
}

func (e *armError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *armError {
	return &armError{status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, e *armError) {
	w.Header().Set("x-ms-error-code", e.Code)
	writeJSON(w, e.status, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// maxRequestBody is ARM's limit on a request's content: 4 MB.
const maxRequestBody = 4 << 20

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-ms-request-id", strconv.FormatInt(time.Now().UnixNano(), 36))
	// DNS rebinding: a page in a browser may reach the loopback port under
	// a name of its own choosing; only loopback names are served.
	if !s.opts.AllowNonLoopback && !loopbackHost(r.Host) {
		writeError(w, errorf(http.StatusMisdirectedRequest, "InvalidHostHeader", "The Host header '%s' is not a loopback name; the emulator answers only requests for localhost, 127.0.0.1 or [::1].", r.Host))
		return
	}
	if e := limitBody(r); e != nil {
		writeError(w, e)
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	// Cloud metadata and the token service come before authentication
	// (directory.go).
	if s.serveDirectory(w, r) {
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") || len(r.Header.Get("Authorization")) <= len("Bearer ") {
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="`+s.baseURL(r)+`/adfs", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`)
		writeError(w, errorf(http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."))
		return
	}
	if tokenExpired(r, s.opts.Now()) {
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="`+s.baseURL(r)+`/adfs", error="invalid_token", error_description="The access token has expired."`)
		writeError(w, errorf(http.StatusUnauthorized, "ExpiredAuthenticationToken", "The access token has expired. Get a new token from the token service (%s/adfs/oauth2/token) and try again.", s.baseURL(r)))
		return
	}
	principal := principalOf(r)
	if strings.HasPrefix(path, "/_emulator/") {
		if principal != "" {
			writeError(w, errorf(http.StatusForbidden, "AuthorizationFailed", "The client '%s' with object id '%s' does not have authorization to perform action 'Curator.Emulator/%s' over scope '/'. Only the estate's owner (a token without an oid claim) may use the emulator's control endpoints.", principal, principal, strings.TrimPrefix(path, "/_emulator/")))
			return
		}
		s.serveControl(w, r, strings.TrimPrefix(path, "/_emulator/"))
		return
	}
	rt := resourceType(path)
	s.mu.Lock()
	s.stats[r.Method+" "+rt]++
	s.mu.Unlock()

	if s.chargeARM(w, r) || s.injectFault(w, r) {
		return
	}
	s.serveAfterFault(w, r)
}

// serveAfterFault runs the request from its api-version on, without fault
// injection.
func (s *Server) serveAfterFault(w http.ResponseWriter, r *http.Request) {
	segs := splitPath(strings.TrimSuffix(r.URL.Path, "/"))
	if isGraphPath(segs) {
		s.serveGraph(w, r)
		return
	}
	if e := checkAPIVersion(r, segs); e != nil {
		writeError(w, e)
		return
	}
	if p, ok := permissionFor(r, segs); ok {
		if e := s.authorize(principalOf(r), p); e != nil {
			writeError(w, e)
			return
		}
	}
	if e := s.route(w, r, segs); e != nil {
		writeError(w, e)
	}
}

// loopbackHost reports whether a Host header names the loopback interface.
func loopbackHost(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// limitBody reads the request's content, refusing more than ARM accepts
// with ARM's 413 RequestContentTooLarge.
func limitBody(r *http.Request) *armError {
	tooLarge := errorf(http.StatusRequestEntityTooLarge, "RequestContentTooLarge", "The request content size exceeds the maximum size of 4 MB.")
	if r.ContentLength > maxRequestBody {
		return tooLarge
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	r.Body.Close()
	if err != nil {
		return errorf(http.StatusBadRequest, "InvalidRequestContent", "The request content could not be read: %v", err)
	}
	if len(data) > maxRequestBody {
		return tooLarge
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	return nil
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// resourceType names the kind of resource a path addresses, for stats.
func resourceType(path string) string {
	segs := splitPath(path)
	for i := len(segs) - 1; i >= 0; i-- {
		switch strings.ToLower(segs[i]) {
		case "versions", "images", "galleries", "roleassignments", "roledefinitions", "resourcegroups", "operations", "share":
			return strings.ToLower(segs[i])
		case "capsoperations":
			return "operations"
		case "microsoft.resourcegraph":
			return "graph"
		}
	}
	return "other"
}

// route dispatches on the path's shape. Path segments are matched
// case-insensitively, as ARM does.
func (s *Server) route(w http.ResponseWriter, r *http.Request, segs []string) *armError {
	low := make([]string, len(segs))
	for i, p := range segs {
		low[i] = strings.ToLower(p)
	}
	// Role assignments and definitions hang off any scope.
	for i := 0; i+2 < len(low); i++ {
		if low[i] == "providers" && low[i+1] == "microsoft.authorization" && low[i+2] == "roledefinitions" {
			scope := "/" + strings.Join(segs[:i], "/")
			switch len(segs) - i {
			case 3:
				return s.serveRoleDefinitions(w, r, scope, "")
			case 4:
				return s.serveRoleDefinitions(w, r, scope, segs[i+3])
			}
			return notFoundPath(r)
		}
		if low[i] == "providers" && low[i+1] == "microsoft.authorization" && low[i+2] == "roleassignments" {
			scope := "/" + strings.Join(segs[:i], "/")
			switch len(segs) - i {
			case 3:
				if r.Method != http.MethodGet {
					return methodNotAllowed(r)
				}
				return s.listRoleAssignments(w, r, scope)
			case 4:
				return s.serveRoleAssignment(w, r, scope, segs[i+3])
			}
			return notFoundPath(r)
		}
	}
	if e, ok := s.routeResources(w, r, low); ok {
		return e
	}
	if len(low) < 2 || low[0] != "subscriptions" {
		return notFoundPath(r)
	}
	sub := segs[1]
	rest, lrest := segs[2:], low[2:]
	switch {
	case len(lrest) == 5 && lrest[0] == "providers" && lrest[1] == "microsoft.compute" && lrest[2] == "locations" && (lrest[4] == "operations" || lrest[4] == "capsoperations"):
		return notFoundPath(r)
	case len(lrest) == 6 && lrest[0] == "providers" && lrest[1] == "microsoft.compute" && lrest[2] == "locations" && (lrest[4] == "operations" || lrest[4] == "capsoperations"):
		return s.serveOperation(w, r, rest[5])
	case len(lrest) == 3 && lrest[0] == "providers" && lrest[1] == "microsoft.compute" && lrest[2] == "galleries":
		return s.listGalleries(w, r, "/subscriptions/"+strings.ToLower(sub)+"/")
	case len(lrest) >= 2 && lrest[0] == "resourcegroups":
		rg := rest[1]
		if len(lrest) == 2 {
			return s.serveResourceGroup(w, r, sub, rg)
		}
		if len(lrest) < 5 || lrest[2] != "providers" || lrest[3] != "microsoft.compute" || lrest[4] != "galleries" {
			return notFoundPath(r)
		}
		gal := rest[5:]
		lgal := lrest[5:]
		base := rgID(sub, rg)
		switch {
		case len(gal) == 0:
			return s.listGalleries(w, r, strings.ToLower(base)+"/providers/microsoft.compute/galleries/")
		case len(gal) == 1:
			return s.serveCompute(w, r, kindGallery, base, gal)
		case len(gal) == 2 && lgal[1] == "share":
			return s.serveShare(w, r, base, gal[0])
		case len(gal) == 2 && lgal[1] == "images":
			return s.listChildren(w, r, kindGallery, base, gal[:1])
		case len(gal) == 3 && lgal[1] == "images":
			return s.serveCompute(w, r, kindImage, base, []string{gal[0], gal[2]})
		case len(gal) == 4 && lgal[1] == "images" && lgal[3] == "versions":
			return s.listChildren(w, r, kindImage, base, []string{gal[0], gal[2]})
		case len(gal) == 5 && lgal[1] == "images" && lgal[3] == "versions":
			return s.serveCompute(w, r, kindVersion, base, []string{gal[0], gal[2], gal[4]})
		}
	}
	return notFoundPath(r)
}

func rgID(sub, rg string) string {
	return "/subscriptions/" + sub + "/resourceGroups/" + rg
}

func notFoundPath(r *http.Request) *armError {
	return errorf(http.StatusNotFound, "InvalidResourceType", "The resource type could not be found for the request path '%s'.", r.URL.Path)
}

func methodNotAllowed(r *http.Request) *armError {
	return errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '%s'.", r.Method)
}

func (s *Server) serveResourceGroup(w http.ResponseWriter, r *http.Request, sub, rg string) *armError {
	id := rgID(sub, rg)
	key := strings.ToLower(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	existing := s.st.Resources[key]
	switch r.Method {
	case http.MethodHead:
		// Resource Groups - Check Existence: 204 or 404, no body.
		if existing == nil {
			w.WriteHeader(http.StatusNotFound)
		} else {
			w.WriteHeader(http.StatusNoContent)
		}
	case http.MethodGet:
		if existing == nil {
			return errorf(http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", rg)
		}
		writeJSON(w, http.StatusOK, existing.Body)
	case http.MethodPut:
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return errorf(http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: %v", err)
		}
		loc, _ := body["location"].(string)
		if loc == "" {
			return errorf(http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
		}
		if e := checkTags(body); e != nil {
			return e
		}
		status := http.StatusCreated
		if existing != nil {
			status = http.StatusOK
			id = existing.ID
		}
		res := &resource{ID: id, Type: "Microsoft.Resources/resourceGroups", Body: map[string]any{
			"id": id, "name": lastSeg(id), "type": "Microsoft.Resources/resourceGroups",
			"location": normalizeRegion(loc), "tags": body["tags"],
			"properties": map[string]any{"provisioningState": "Succeeded"},
		}}
		s.st.putResource(key, res)
		if err := s.store.save(s.st); err != nil {
			return errorf(http.StatusInternalServerError, "InternalServerError", "%v", err)
		}
		writeJSON(w, status, res.Body)
	case http.MethodPatch:
		// Resource Groups - Update (az group update): the tags, when
		// given, replace the group's.
		if existing == nil {
			return errorf(http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", rg)
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return errorf(http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: %v", err)
		}
		next := make(map[string]any, len(existing.Body))
		for k, v := range existing.Body {
			next[k] = v
		}
		if e := checkTags(body); e != nil {
			return e
		}
		if tags, ok := body["tags"]; ok {
			next["tags"] = tags
		}
		s.st.putResource(key, &resource{ID: existing.ID, Type: existing.Type, Body: next})
		if err := s.store.save(s.st); err != nil {
			return errorf(http.StatusInternalServerError, "InternalServerError", "%v", err)
		}
		writeJSON(w, http.StatusOK, next)
	case http.MethodDelete:
		if existing == nil {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		for k := range s.st.Resources {
			if strings.HasPrefix(k, key+"/") {
				s.st.deleteResource(k)
			}
		}
		s.st.deleteResource(key)
		if err := s.store.save(s.st); err != nil {
			return errorf(http.StatusInternalServerError, "InternalServerError", "%v", err)
		}
		w.WriteHeader(http.StatusOK)
	default:
		return methodNotAllowed(r)
	}
	return nil
}

func lastSeg(id string) string { return id[strings.LastIndexByte(id, '/')+1:] }

// page writes items sorted by ID, PageSize at a time, with a nextLink that
// carries the offset (at the request's address, with its api-version). An
// empty list is "value": [], as ARM sends it (clients that iterate the
// value crash on null).
func (s *Server) page(w http.ResponseWriter, r *http.Request, items []map[string]any) {
	if items == nil {
		items = []map[string]any{}
	}
	sort.Slice(items, func(i, j int) bool {
		return strings.ToLower(items[i]["id"].(string)) < strings.ToLower(items[j]["id"].(string))
	})
	s.pageOf(w, r, len(items), func(i int) map[string]any { return items[i] })
}

// pageKeys answers a page of the resources with the given (lower-cased ID)
// keys in ID order, making the views of that page only.
func (s *Server) pageKeys(w http.ResponseWriter, r *http.Request, keys []string, view func(key string) map[string]any) {
	sort.Strings(keys)
	s.pageOf(w, r, len(keys), func(i int) map[string]any { return view(keys[i]) })
}

// pageOf answers the page of n sorted items that the request's $skiptoken
// asks for, with a nextLink when more follow.
func (s *Server) pageOf(w http.ResponseWriter, r *http.Request, n int, item func(i int) map[string]any) {
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	if skip < 0 || skip > n {
		skip = n
	}
	end := min(skip+s.opts.PageSize, n)
	value := make([]map[string]any, 0, end-skip)
	for i := skip; i < end; i++ {
		value = append(value, item(i))
	}
	out := map[string]any{"value": value}
	if end < n {
		q := r.URL.Query()
		q.Set("$skiptoken", strconv.Itoa(end))
		out["nextLink"] = s.baseURL(r) + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

// normalizeRegion is ARM's canonical region name: lower case, no spaces.
func normalizeRegion(r string) string {
	return strings.ToLower(strings.ReplaceAll(r, " ", ""))
}

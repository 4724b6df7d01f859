package emulator

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// newOperation records an asynchronous operation on res. A version's
// operation finishes when it has replicated to every target region (as in
// Azure, where the create completes with replication); others finish after
// OperationDelay.
func (s *Server) newOperation(res *resource, waitReplication bool) *operation {
	s.st.NextOp++
	now := s.opts.Now().UTC()
	op := &operation{
		ID:     strconv.FormatInt(now.UnixNano(), 36) + "-" + strconv.FormatInt(s.st.NextOp, 10),
		Start:  now,
		DoneAt: now.Add(s.opts.OperationDelay),
	}
	if waitReplication {
		op.Resource = strings.ToLower(res.ID)
		op.DoneAt = time.Time{}
	}
	s.st.putOperation(op)
	// Keep the operation table from growing without bound: drop finished
	// operations older than an hour (checked every thousand operations).
	if s.st.NextOp%1000 != 0 {
		return op
	}
	for id, o := range s.st.Operations {
		if !o.DoneAt.IsZero() && now.Sub(o.DoneAt) > time.Hour {
			s.st.deleteOperation(id)
		}
	}
	return op
}

// operationURL is where a client polls op: at the address and in the
// api-version of the request that started it, as ARM answers (a client
// that reached the emulator as localhost keeps talking to localhost, and
// an SDK pinned to an older api-version polls with it).
func (s *Server) operationURL(r *http.Request, res string, op *operation) string {
	sub := subscriptionOf(strings.ToLower(res))
	if sub == "" {
		sub = "00000000-0000-0000-0000-000000000000"
	}
	v := r.URL.Query().Get("api-version")
	if v == "" {
		v = ComputeAPIVersion
	}
	return s.baseURL(r) + "/subscriptions/" + sub + "/providers/Microsoft.Compute/locations/global/capsOperations/" + op.ID + "?api-version=" + url.QueryEscape(v)
}

// baseURL is the scheme and authority a client used to reach the
// emulator: the request's Host when it is a loopback name (the only names
// served, unless AllowNonLoopback), else the listen address — a Host
// header the emulator does not vouch for never becomes a URL that clients
// send their token to.
func (s *Server) baseURL(r *http.Request) string {
	if r.Host == "" || !loopbackHost(r.Host) {
		return s.url
	}
	scheme := "http://"
	if s.certs != nil {
		scheme = "https://"
	}
	return scheme + r.Host
}

// asyncHeaders sets ARM's long-running-operation headers.
func (s *Server) asyncHeaders(w http.ResponseWriter, r *http.Request, op *operation, location bool) {
	u := s.operationURL(r, op.Resource, op)
	w.Header().Set("Azure-AsyncOperation", u)
	if location {
		w.Header().Set("Location", u+"&monitor=true")
	}
	w.Header().Set("Retry-After", "1")
	w.Header().Set("Retry-After-Ms", strconv.Itoa(s.pollInterval()))
}

// pollInterval is how often clients are told to poll, in milliseconds: often
// enough that fast replication is seen promptly, not so often that a long
// one floods the server.
func (s *Server) pollInterval() int { return 100 }

// opStatus returns an operation's status: InProgress, Succeeded or Failed.
func (s *Server) opStatus(op *operation) (string, *armError) {
	if op.Error != nil {
		return "Failed", op.Error
	}
	if op.Resource == "" {
		if s.opts.Now().Before(op.DoneAt) {
			return "InProgress", nil
		}
		return "Succeeded", nil
	}
	res := s.st.Resources[op.Resource]
	if res == nil {
		return "Succeeded", nil
	}
	agg, summary := s.replicationStatus(res)
	switch agg {
	case "InProgress":
		return "InProgress", nil
	case "Failed":
		var failed []string
		for _, e := range summary {
			if m := e.(map[string]any); m["state"] == "Failed" {
				failed = append(failed, m["region"].(string))
			}
		}
		return "Failed", errorf(http.StatusOK, "ReplicationFailed", "Replication of gallery image version '%s' failed in region(s) %s.", lastSeg(res.ID), strings.Join(failed, ", "))
	}
	return "Succeeded", nil
}

func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, id string) *armError {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	op := s.st.Operations[id]
	if op == nil {
		return errorf(http.StatusNotFound, "NotFound", "The operation '%s' was not found.", id)
	}
	status, e := s.opStatus(op)
	body := map[string]any{"name": op.ID, "status": status, "startTime": op.Start.Format(time.RFC3339Nano)}
	if status != "InProgress" {
		body["endTime"] = s.opts.Now().UTC().Format(time.RFC3339Nano)
	} else {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Retry-After-Ms", strconv.Itoa(s.pollInterval()))
	}
	if e != nil {
		body["error"] = e
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

package emulator

import (
	"encoding/json"
	"net/http"
)

// serveControl serves the emulator's own endpoints under /_emulator/:
//
//	GET  /_emulator/stats   request counts by method and resource type, and injected faults
//	PUT  /_emulator/faults  replace the injected faults (a Faults JSON object)
//	GET  /_emulator/faults  the injected faults
//	DELETE /_emulator/stats reset the request counts
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request, what string) {
	switch {
	case what == "stats" && r.Method == http.MethodGet:
		stats := s.Stats()
		writeJSON(w, http.StatusOK, map[string]any{"requests": stats, "total": stats.Total(), "faults": s.InjectedFaults()})
	case what == "stats" && r.Method == http.MethodDelete:
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	case what == "faults" && r.Method == http.MethodGet:
		s.fault.mu.Lock()
		f := s.fault.f
		s.fault.mu.Unlock()
		writeJSON(w, http.StatusOK, f)
	case what == "faults" && r.Method == http.MethodPut:
		var f Faults
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			writeError(w, errorf(http.StatusBadRequest, "InvalidRequestContent", "The faults could not be read: %v", err))
			return
		}
		s.SetFaults(f)
		writeJSON(w, http.StatusOK, f)
	default:
		writeError(w, errorf(http.StatusNotFound, "NotFound", "No emulator endpoint %s %s.", r.Method, r.URL.Path))
	}
}

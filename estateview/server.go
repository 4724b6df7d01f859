package estateview

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/curator-dev/curator/planner"
)

// CSP is the Content-Security-Policy of every answer: scripts and styles
// from this server's own files only (no inline script, no eval), requests
// to this server only, no frames, no forms.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Server serves the estate page and its JSON. It only reads: every route
// answers GET (and HEAD), anything else 405.
type Server struct {
	src Configurations
	// Now is the page's clock (time.Now when nil).
	Now func() time.Time
	// Throttle is the least time between two events of
	// /api/estate/events (250 ms when zero): replication progress
	// changes the estate many times a second.
	Throttle time.Duration
}

// NewServer returns the server of src's configurations.
func NewServer(src Configurations) *Server { return &Server{src: src} }

// Register adds the page's routes to mux:
//
//	/                         the page
//	/assets/page.css, .js     its stylesheet and script
//	/estate/index             the page's configurations, an HTML fragment
//	/estate/gallery?configuration=K&gallery=G   one gallery, an HTML fragment
//	/estate/plan?configuration=K                the pending plan as text
//	/api/estate               the index as JSON
//	/api/estate/gallery?configuration=K&gallery=G   one gallery as JSON
//	/api/estate/events        server-sent events: the generation, at each change
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("GET /assets/page.css", asset("text/css; charset=utf-8", pageCSS))
	mux.HandleFunc("GET /assets/page.js", asset("text/javascript; charset=utf-8", pageJS))
	mux.HandleFunc("GET /estate/index", s.index)
	mux.HandleFunc("GET /estate/gallery", s.galleryHTML)
	mux.HandleFunc("GET /estate/plan", s.planText)
	mux.HandleFunc("GET /api/estate", s.estateJSON)
	mux.HandleFunc("GET /api/estate/gallery", s.galleryJSON)
	mux.HandleFunc("GET /api/estate/events", s.events)
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// secure sets the headers every answer carries.
func secure(w http.ResponseWriter, contentType string) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", contentType)
}

func asset(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		secure(w, contentType)
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(body)
	}
}

var links = Links{
	Plan: func(config string) string {
		return "estate/plan?" + url.Values{"configuration": {config}}.Encode()
	},
	Gallery: func(config, gallery string) string {
		return "api/estate/gallery?" + url.Values{"configuration": {config}, "gallery": {gallery}}.Encode()
	},
}

func (s *Server) build() *Estate {
	gen, configs := s.src.Estate()
	return Build(gen, configs, s.now(), links)
}

// render executes a template into a buffer first, so that a failure is a
// 500 and not half a page.
func render(w http.ResponseWriter, name string, data any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		http.Error(w, "rendering the page failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	secure(w, "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

func (s *Server) page(w http.ResponseWriter, _ *http.Request) {
	render(w, "page", pageData{Estate: s.build()})
}

func (s *Server) index(w http.ResponseWriter, _ *http.Request) {
	render(w, "estate", s.build())
}

// configuration finds the configuration a request names.
func (s *Server) configuration(w http.ResponseWriter, r *http.Request) (*Configuration, bool) {
	k := r.URL.Query().Get("configuration")
	_, configs := s.src.Estate()
	for i := range configs {
		if configs[i].Key == k {
			return &configs[i], true
		}
	}
	http.Error(w, fmt.Sprintf("no configuration %q", k), http.StatusNotFound)
	return nil, false
}

func (s *Server) gallery(w http.ResponseWriter, r *http.Request) (*GalleryView, bool) {
	c, ok := s.configuration(w, r)
	if !ok {
		return nil, false
	}
	name := r.URL.Query().Get("gallery")
	g, ok := Gallery(c, name, s.now())
	if !ok {
		http.Error(w, fmt.Sprintf("configuration %q has no gallery %q", c.Key, name), http.StatusNotFound)
	}
	return g, ok
}

func (s *Server) galleryHTML(w http.ResponseWriter, r *http.Request) {
	if g, ok := s.gallery(w, r); ok {
		render(w, "gallerybody", g)
	}
}

func (s *Server) galleryJSON(w http.ResponseWriter, r *http.Request) {
	if g, ok := s.gallery(w, r); ok {
		writeJSON(w, g)
	}
}

func (s *Server) estateJSON(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.build()) }

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	secure(w, "application/json")
	w.Write(append(b, '\n'))
}

func (s *Server) planText(w http.ResponseWriter, r *http.Request) {
	c, ok := s.configuration(w, r)
	if !ok {
		return
	}
	if c.Plan == nil {
		http.Error(w, fmt.Sprintf("configuration %q has no pending plan", c.Key), http.StatusNotFound)
		return
	}
	secure(w, "text/plain; charset=utf-8")
	w.Write([]byte(planner.RenderText(c.Plan, false)))
}

// events streams the estate's generation: one event at once, then one
// after each change (at most one per Throttle), and a comment every 25 s
// so that proxies keep the stream open.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	secure(w, "text/event-stream")
	throttle := s.Throttle
	if throttle <= 0 {
		throttle = 250 * time.Millisecond
	}
	keepalive := time.NewTicker(25 * time.Second)
	defer keepalive.Stop()
	var sent uint64
	for {
		changed := s.src.Changed()
		gen, _ := s.src.Estate()
		if gen != sent {
			if _, err := fmt.Fprintf(w, "event: estate\nid: %d\ndata: %d\n\n", gen, gen); err != nil {
				return
			}
			flusher.Flush()
			sent = gen
		}
		select {
		case <-r.Context().Done():
			return
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
			flusher.Flush()
		case <-changed:
			select {
			case <-r.Context().Done():
				return
			case <-time.After(throttle):
			}
		}
	}
}

package estateview

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"time"

	"github.com/curator-dev/curator/planner"
)

//go:embed assets/page.css assets/page.js assets/page.html.tmpl
var assets embed.FS

var (
	pageCSS = mustRead("assets/page.css")
	pageJS  = mustRead("assets/page.js")
	pages   = template.Must(template.New("estate").Funcs(template.FuncMap{
		"galleryOf": galleryOf,
		"imageKey":  func(config, gallery, image string) string { return key("image", config, gallery, image) },
		"add":       func(a, b int) int { return a + b },
		"plural":    func(n int, one, many string) string { return fmt.Sprintf("%d %s", n, plural(n, one, many)) },
	}).ParseFS(assets, "assets/page.html.tmpl"))
)

func mustRead(name string) []byte {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// key identifies an openable part of the page across updates.
func key(kind string, names ...string) string {
	u := url.Values{"k": {kind}, "n": names}
	return u.Encode()
}

// galleryItem is what the gallery template is given.
type galleryItem struct {
	G   GallerySummary
	Key string
	Src string
}

func galleryOf(config string, g GallerySummary) galleryItem {
	it := galleryItem{G: g, Key: key("gallery", config, g.Name)}
	if g.Body == nil {
		it.Src = "estate/gallery?" + url.Values{"configuration": {config}, "gallery": {g.Name}}.Encode()
	}
	return it
}

// pageData is what the page template is given.
type pageData struct {
	Estate   *Estate
	Snapshot bool
	CSS      template.CSS
	CSP      string
}

// SnapshotCSP is the Content-Security-Policy of a snapshot: no script at
// all, no request anywhere, and its one stylesheet by hash.
func SnapshotCSP() string {
	sum := sha256.Sum256(pageCSS)
	return "default-src 'none'; script-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src data:; base-uri 'none'; form-action 'none'"
}

// WriteSnapshot writes the page of configs at one moment as one
// self-contained HTML file: every gallery rendered (open it to see its
// matrices), the plan's text included, the stylesheet inline (allowed by
// its hash), and no script — a snapshot needs none.
func WriteSnapshot(w io.Writer, configs []Configuration, at time.Time) error {
	e := Build(1, configs, at, Links{})
	for i := range e.Configurations {
		cv := &e.Configurations[i]
		c := &configs[i]
		if cv.Plan != nil && c.Plan != nil {
			cv.Plan.Text = planner.RenderText(c.Plan, false)
		}
		for j := range cv.Galleries {
			cv.Galleries[j].Body, _ = Gallery(c, cv.Galleries[j].Name, at)
		}
	}
	return pages.ExecuteTemplate(w, "page", pageData{Estate: e, Snapshot: true, CSS: template.CSS(pageCSS), CSP: SnapshotCSP()})
}

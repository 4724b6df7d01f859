package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"cuelang.org/go/cue/format"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
)

// Encode writes an estate as curator configuration files: curator.cue with
// the configuration's name, target and `prune: false`, and one file per
// gallery, <gallery>.cue (a name close to it where the gallery's own would
// not be read, see galleryFileNames). It is what `curator import` writes, so that
// loading the files and planning them against the estate they were read
// from changes nothing (except that resources without this configuration's
// ownership mark are adopted).
//
// Fields come in the schema's order; values that equal the schema's
// defaults are left out; what the service reports but nobody configures
// (replication progress, published dates) is written as comments. The
// output is formatted by CUE's own formatter and is the same, byte for
// byte, for the same estate.
func Encode(st *model.State) (files map[string][]byte, warnings diag.Diagnostics, err error) {
	files = map[string][]byte{}
	var b builder
	b.line("// Imported by curator from %s.", targetComment(st.Target))
	b.line("// Review it, then `curator plan` this folder: it should only adopt what it lists.")
	b.line("package curator")
	b.line("")
	b.field("name", st.Name)
	b.open("target")
	switch {
	case st.Target.Azure != nil:
		b.open("azure")
		b.field("subscription", st.Target.Azure.Subscription)
		b.field("resourceGroup", st.Target.Azure.ResourceGroup)
		if st.Target.Azure.Cloud != "" {
			b.field("cloud", st.Target.Azure.Cloud)
		}
		b.close()
	default:
		b.open("local")
		if l := st.Target.Local; l != nil {
			if l.Endpoint != "" {
				b.field("endpoint", l.Endpoint)
			}
			if l.Subscription != "" {
				b.field("subscription", l.Subscription)
			}
			if l.ResourceGroup != "" {
				b.field("resourceGroup", l.ResourceGroup)
			}
		}
		b.close()
	}
	b.close()
	b.line("// Deleting what leaves this configuration is off until you turn it on.")
	b.field("prune", false)
	if files["curator.cue"], err = b.format("curator.cue"); err != nil {
		return nil, nil, err
	}
	names := slices.Sorted(maps.Keys(st.Galleries))
	fileNames := galleryFileNames(names)
	// Galleries are written (and each file parsed back, the guard against
	// writing what CUE cannot read) at once on every core: for a large
	// estate that is most of import's own time. Each writes its own slot;
	// files and warnings are gathered in gallery order.
	type written struct {
		data     []byte
		warnings diag.Diagnostics
		err      error
	}
	out := make([]written, len(names))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, gname := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			e := encoder{config: st.Name}
			data, err := e.gallery(gname, st.Galleries[gname])
			out[i] = written{data: data, warnings: e.warnings, err: err}
		}()
	}
	wg.Wait()
	for i, gname := range names {
		if out[i].err != nil {
			return nil, nil, out[i].err
		}
		files[fileNames[gname]] = out[i].data
		warnings = append(warnings, out[i].warnings...)
	}
	return files, warnings, nil
}

// reservedStems are file names Windows refuses whatever their extension.
var reservedStems = map[string]bool{"con": true, "prn": true, "aux": true, "nul": true,
	"com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true}

// galleryFileNames names the file each gallery (names, sorted) is written
// to: its name where that is a file name the loader reads, on any disk,
// and otherwise one close to it. A file name holds only ASCII letters,
// digits, '.', '_' and '-' (any other character becomes '_', so no path);
// it never begins with '.', '_' or '-' (hidden files, and files CUE leaves
// out), never looks like an editor's temporary file (".tmp."), never ends
// in _tool (CUE's command files, which the loader skips), is no name
// Windows reserves, and no two files, curator.cue included, have names
// that differ only in case. Which file holds a gallery does not matter to
// the loader: the gallery's name is its label inside the file.
func galleryFileNames(names []string) map[string]string {
	taken := map[string]bool{"curator": true}
	out := make(map[string]string, len(names))
	for _, name := range names {
		stem := []rune{}
		for _, r := range name {
			if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
				stem = append(stem, r)
			} else {
				stem = append(stem, '_')
			}
		}
		base := string(stem)
		if strings.Contains(strings.ToLower(base+".cue"), ".tmp.") {
			base = strings.ReplaceAll(base, ".", "_")
		}
		if base == "" || strings.IndexByte("._-", base[0]) >= 0 {
			base = "gallery" + base
		}
		lower := strings.ToLower(base)
		if strings.HasSuffix(lower, "_tool") || reservedStems[lower] || reservedStems[strings.SplitN(lower, ".", 2)[0]] {
			base += "_gallery"
		}
		candidate := base
		for i := 2; taken[strings.ToLower(candidate)]; i++ {
			candidate = fmt.Sprintf("%s-%d", base, i)
		}
		taken[strings.ToLower(candidate)] = true
		out[name] = candidate + ".cue"
	}
	return out
}

func targetComment(t model.Target) string {
	sub, rg := t.Scope()
	return fmt.Sprintf("%s /subscriptions/%s/resourceGroups/%s", t.Kind(), sub, rg)
}

// builder writes CUE text, formatted at the end.
type builder struct {
	sb strings.Builder
}

func (b *builder) line(format string, args ...any) {
	fmt.Fprintf(&b.sb, format+"\n", args...)
}

func (b *builder) open(label string) { b.line("%s: {", cueLabel(label)) }
func (b *builder) close()            { b.line("}") }

// scalar writes a plain scalar property of resource r at its CUE path,
// unless it is unset or the service's default (which the schema fills in).
func (b *builder) scalar(p model.Property, r any) {
	if p.IsDefault(r) {
		return
	}
	v := p.Value(r)
	labels := strings.Split(p.CUE, ".")
	for _, l := range labels[:len(labels)-1] {
		b.open(l)
	}
	b.field(labels[len(labels)-1], v)
	for range labels[:len(labels)-1] {
		b.close()
	}
}

// field writes label: value, the value written as its JSON form says
// (fields in their order), every string quoted by cueString.
func (b *builder) field(label string, v any) {
	b.line("%s: %s", cueLabel(label), cueValue(v))
}

// comment writes a comment, each of its lines a comment line; characters
// that are not printable (a byte order mark, bidirectional controls) are
// written as escapes, so that the file reads as it is.
func (b *builder) comment(format string, args ...any) {
	for _, l := range strings.Split(fmt.Sprintf(format, args...), "\n") {
		if printableASCII(l) {
			b.line("// %s", l)
			continue
		}
		var sb strings.Builder
		for _, r := range l {
			if r == ' ' || unicode.IsPrint(r) {
				sb.WriteRune(r)
			} else {
				writeEscape(&sb, r)
			}
		}
		b.line("// %s", sb.String())
	}
}

// cueValue is v written as CUE: its JSON form, with every string quoted by
// cueString and every object key a label.
func cueValue(v any) string {
	switch v := v.(type) { // the common values, without a JSON round
	case string:
		return cueString(v)
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case []string:
		quoted := make([]string, len(v))
		for i, s := range v {
			quoted[i] = cueString(s)
		}
		return "[" + strings.Join(quoted, ", ") + "]"
	}
	data, err := json.Marshal(v)
	if err != nil {
		return `""`
	}
	if printableASCII(string(data)) {
		// JSON's escapes of ASCII (\n, \u0000, \u003c) are CUE's too.
		return string(data)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var sb strings.Builder
	if err := writeCUE(&sb, dec); err != nil {
		return `""`
	}
	return sb.String()
}

// writeCUE writes the next JSON value of dec as CUE.
func writeCUE(sb *strings.Builder, dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		open, end := "{", json.Delim('}')
		if t == '[' {
			open, end = "[", json.Delim(']')
		}
		sb.WriteString(open)
		for first := true; dec.More(); first = false {
			if !first {
				sb.WriteString(", ")
			}
			if t == '{' {
				key, err := dec.Token()
				if err != nil {
					return err
				}
				sb.WriteString(cueLabel(key.(string)) + ": ")
			}
			if err := writeCUE(sb, dec); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return err
		}
		sb.WriteString(string(end))
	case string:
		sb.WriteString(cueString(t))
	case json.Number:
		sb.WriteString(t.String())
	case bool:
		fmt.Fprint(sb, t)
	case nil:
		sb.WriteString("null")
	}
	return nil
}

// cueString quotes s as a CUE string that reads back as s: printable
// characters as they are, every other one (controls, NUL, a byte order
// mark, bidirectional and other format characters, line and paragraph
// separators) as a \u or \U escape, so that the file parses, shows what it
// holds, and loads to the same string. Bytes that are not UTF-8 (as a lone
// surrogate decodes) are U+FFFD already in a Go string read from JSON.
func cueString(s string) string {
	if printableASCII(s) && !strings.ContainsAny(s, `"\\`) {
		return `"` + s + `"`
	}
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			sb.WriteString(`\"`)
		case r == '\\':
			sb.WriteString(`\\`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == ' ' || unicode.IsPrint(r):
			sb.WriteRune(r)
		default:
			writeEscape(&sb, r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// printableASCII reports whether s holds only printable ASCII characters.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// writeEscape writes r as CUE's \uXXXX or \UXXXXXXXX.
func writeEscape(sb *strings.Builder, r rune) {
	if r <= 0xFFFF {
		fmt.Fprintf(sb, `\u%04X`, r)
		return
	}
	fmt.Fprintf(sb, `\U%08X`, r)
}

func (b *builder) format(name string) ([]byte, error) {
	out, err := format.Source([]byte(b.sb.String()), format.Simplify())
	if err != nil {
		return nil, fmt.Errorf("internal error: import wrote invalid CUE for %s: %w", name, err)
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return out, nil
}

var identRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// cueKeywords cannot be labels without quotes.
var cueKeywords = map[string]bool{"package": true, "import": true, "for": true, "in": true, "if": true, "let": true, "true": true, "false": true, "null": true, "div": true, "mod": true, "quo": true, "rem": true, "func": true}

// cueLabel is a label as an identifier where it can be one, else quoted.
func cueLabel(s string) string {
	if identRE.MatchString(s) && !cueKeywords[s] {
		return s
	}
	return cueString(s)
}

type encoder struct {
	config   string
	b        builder
	warnings diag.Diagnostics
}

// warnf records something the configuration cannot say as the estate has
// it, about the resource at addr; import lists these at the end.
func (e *encoder) warnf(addr model.Address, summary, format string, args ...any) {
	e.warnings = append(e.warnings, diag.Warnf(addr, summary, format, args...))
}

func (e *encoder) adopt(tags map[string]string) {
	if !model.IsManaged(tags, e.config) {
		e.b.field("adopt", true)
	}
}

func (e *encoder) tags(addr model.Address, tags map[string]string) {
	user := map[string]string{}
	for k, v := range tags {
		if k != model.ManagedByTag {
			user[k] = v
		}
	}
	if len(user) == 0 {
		return
	}
	if other, ok := tags[model.ManagedByTag]; ok && other != e.config {
		e.b.comment("managed by curator configuration %q until adopted by this one", other)
	}
	if len(user) >= MaxTags && !model.IsManaged(tags, e.config) {
		e.warnf(addr, "Too many tags to adopt", "it has %d tags: adopting it adds curator's ownership tag, and Azure allows %d; remove a tag from it (the configuration refuses more than %d)", len(user), MaxTags, MaxTags-1)
		e.b.comment("%d tags: one must go before curator can add its ownership tag", len(user))
	}
	e.b.open("tags")
	for _, k := range slices.Sorted(maps.Keys(user)) {
		e.b.field(k, user[k])
	}
	e.b.close()
}

// indent writes formatted CUE one level deeper (its strings are all
// single-line, so every line can be indented).
func indent(out *bytes.Buffer, src []byte) {
	for _, line := range bytes.SplitAfter(src, []byte("\n")) {
		if len(line) > 1 {
			out.WriteByte('\t')
		}
		out.Write(line)
	}
}

func (e *encoder) gallery(name string, g *model.Gallery) ([]byte, error) {
	b := &e.b
	b.field("location", g.Location)
	e.adopt(g.Tags)
	for _, p := range model.GalleryProperties {
		if p.Scalar() {
			b.scalar(p, g)
		}
	}
	e.tags(model.GalleryAddress(name), g.Tags)
	if s := g.Sharing; s != nil && (s.Permission != "Private" || len(s.Subscriptions)+len(s.Tenants) > 0) {
		b.open("sharing")
		b.field("permission", s.Permission)
		if len(s.Subscriptions) > 0 {
			b.field("subscriptions", sorted(s.Subscriptions))
		}
		if len(s.Tenants) > 0 {
			b.field("tenants", sorted(s.Tenants))
		}
		if s.Permission == "Community" && s.Community == nil {
			e.warnf(model.SharingAddress(name), "Community publisher unknown", "the gallery is shared with the community, and the service did not say its publisher information: fill in sharing.community")
			b.comment("sharing.community: the publisher information was not read; fill it in")
		}
		if c := s.Community; c != nil {
			b.open("community")
			b.field("publisherUri", c.PublisherURI)
			b.field("publisherEmail", c.PublisherEmail)
			b.field("eula", c.EULA)
			b.field("prefix", c.Prefix)
			b.close()
		}
		b.close()
	}
	e.shares(g.Shares)
	// The gallery's own fields, then each image definition, are formatted
	// on their own (as top-level fields, which the formatter never folds)
	// and set inside the gallery's struct; the whole file is formatted once
	// more, so that `cue fmt` leaves it as it is.
	head, err := b.format(name + ".cue")
	if err != nil {
		return nil, err
	}
	out := bytes.NewBufferString("package curator\n\ngalleries: " + cueLabel(name) + ": {\n")
	indent(out, head)
	for _, iname := range slices.Sorted(maps.Keys(g.Images)) {
		ie := encoder{config: e.config}
		ie.image(name, iname, g, g.Images[iname])
		e.warnings = append(e.warnings, ie.warnings...)
		piece, err := ie.b.format(name + ".cue")
		if err != nil {
			return nil, err
		}
		indent(out, piece)
	}
	out.WriteString("}\n")
	whole, err := format.Source(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("internal error: import wrote invalid CUE for %s.cue: %w", name, err)
	}
	return whole, nil
}

// shares writes role assignments, labelled by role and principal; an
// assignment curator did not make is the share all the same (ARM allows
// one per scope, role and principal), so it needs no adoption.
func (e *encoder) shares(shares map[string]*model.Share) {
	if len(shares) == 0 {
		return
	}
	type labelled struct {
		label string
		s     *model.Share
	}
	var list []labelled
	for _, s := range shares {
		role := s.Role
		if _, builtin := model.Roles[role]; !builtin {
			if id, ok := model.RoleDefinitionID(role); ok {
				role = model.RoleName(id)
			}
		}
		label := strings.ToLower(strings.NewReplacer(" ", "-").Replace(role))
		if model.IsGUID(label) {
			label = "role-" + label[:8]
		}
		if len(s.PrincipalID) >= 8 {
			label += "-" + strings.ToLower(s.PrincipalID[:8])
		}
		c := *s
		c.Role = role
		list = append(list, labelled{label, &c})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].label < list[j].label })
	b := &e.b
	b.open("shares")
	seen := map[string]int{}
	for _, l := range list {
		label := l.label
		if n := seen[label]; n > 0 {
			label = fmt.Sprintf("%s-%d", label, n+1)
		}
		seen[l.label]++
		b.open(label)
		b.field("principalId", l.s.PrincipalID)
		if l.s.PrincipalType != "" {
			b.field("principalType", l.s.PrincipalType)
		}
		b.field("role", l.s.Role)
		b.close()
	}
	b.close()
}

func (e *encoder) image(gname, name string, g *model.Gallery, d *model.ImageDefinition) {
	b := &e.b
	b.open("images")
	b.open(name)
	e.adopt(d.Tags)
	for _, p := range model.ImageProperties {
		if p.Scalar() {
			b.scalar(p, d)
			continue
		}
		switch p.CUE {
		case "securityType":
			if st := d.SecurityTypeAsWritten(); st != "" {
				b.field("securityType", st)
			}
		case "features":
			if fs := d.FeaturesAsWritten(); len(fs) > 0 {
				b.open("features")
				for _, k := range slices.Sorted(maps.Keys(fs)) {
					b.field(k, fs[k])
				}
				b.close()
			}
		case "recommended.vCPUs": // with recommended.memoryGB
			if r := d.Recommended; r != nil && (r.VCPUs != nil || r.MemoryGB != nil) {
				b.open("recommended")
				for _, f := range []struct {
					label string
					rng   *model.Range
				}{{"vCPUs", r.VCPUs}, {"memoryGB", r.MemoryGB}} {
					if f.rng != nil && (f.rng.Min != 0 || f.rng.Max != 0) {
						b.field(f.label, f.rng)
					}
				}
				b.close()
			}
		case "disallowedDiskTypes":
			if len(d.DisallowedDiskTypes) > 0 {
				b.field("disallowedDiskTypes", sorted(d.DisallowedDiskTypes))
			}
		case "purchasePlan":
			if pp := d.PurchasePlan; pp != nil {
				b.field("purchasePlan", pp)
			}
		}
	}
	e.tags(model.ImageAddress(gname, name), d.Tags)
	e.shares(d.Shares)
	if pol := replicationPolicy(d.Versions); pol != "" {
		b.comment("These versions follow the newest-wide, older-narrow pattern; this policy\nexpresses it instead of regions on each version:\n%s", pol)
	}
	for _, vname := range sortedVersions(d.Versions) {
		e.version(gname, name, vname, g, d.Versions[vname])
	}
	b.close()
	b.close()
}

func sortedVersions(m map[string]*model.ImageVersion) []string {
	names := slices.Sorted(maps.Keys(m))
	sort.SliceStable(names, func(i, j int) bool { return model.CompareVersions(names[i], names[j]) < 0 })
	return names
}

func (e *encoder) version(gname, iname, name string, g *model.Gallery, v *model.ImageVersion) {
	b := &e.b
	b.open("versions")
	b.open(name)
	e.observed(v)
	e.adopt(v.Tags)
	if s := v.Source; s != nil {
		b.field("source", s)
	} else {
		b.comment("No source: published by another pipeline; curator governs its regions, replicas and dates.")
	}
	if v.Location != "" && v.Location != g.Location {
		b.field("location", v.Location)
	}
	replicas, storage := v.Replicas, v.Storage
	if replicas == 0 {
		replicas = 1
	}
	defaultStorage := model.Lookup(model.VersionProperties, "storage").Default
	if storage == "" {
		storage = defaultStorage
	}
	if replicas != 1 {
		b.field("replicas", replicas)
	}
	if storage != defaultStorage {
		b.field("storage", storage)
	}
	onlySource := len(v.Regions) == 1
	if r, ok := v.Regions[v.Location]; !onlySource || !ok || !plainRegion(r, replicas, storage) {
		b.open("regions")
		for _, rname := range slices.Sorted(maps.Keys(v.Regions)) {
			r := v.Regions[rname]
			b.open(rname)
			if r.Replicas != replicas {
				b.field("replicas", r.Replicas)
			}
			if r.Storage != "" && r.Storage != storage {
				b.field("storage", r.Storage)
			}
			if r.ExcludeFromLatest {
				b.field("excludeFromLatest", true)
			}
			if r.Encryption != nil {
				b.field("encryption", r.Encryption)
			}
			b.close()
		}
		b.close()
	}
	if len(v.EdgeZones) > 0 {
		b.open("edgeZones")
		for _, z := range slices.Sorted(maps.Keys(v.EdgeZones)) {
			ez := v.EdgeZones[z]
			b.open(z)
			b.field("region", ez.Region)
			if ez.Replicas != replicas {
				b.field("replicas", ez.Replicas)
			}
			if ez.Storage != defaultStorage {
				b.field("storage", ez.Storage)
			}
			if ez.Encryption != nil {
				b.field("encryption", ez.Encryption)
			}
			b.close()
		}
		b.close()
	}
	// The version's scalars: replicationMode before the safety profile,
	// as import always wrote them, then the others in the table's order.
	mode := model.Lookup(model.VersionProperties, "replicationMode")
	b.scalar(mode, v)
	if s := v.Safety; s != nil && (!s.AllowDeletionOfReplicatedLocations || s.BlockDeletionBeforeEndOfLife) {
		b.field("safety", s)
	}
	for _, p := range model.VersionProperties {
		if p.Scalar() && p.CUE != mode.CUE {
			b.scalar(p, v)
		}
	}
	if v.UEFI != nil {
		b.open("securityProfile")
		b.field("uefiSettings", v.UEFI)
		b.close()
	}
	e.tags(model.VersionAddress(gname, iname, name), v.Tags)
	b.close()
	b.close()
}

// plainRegion reports whether a region holds only the version's common
// replica count and storage.
func plainRegion(r model.TargetRegion, replicas int, storage string) bool {
	return r.Replicas == replicas && (r.Storage == "" || r.Storage == storage) && !r.ExcludeFromLatest && r.Encryption == nil
}

// observed writes what the service reports about a version as comments.
func (e *encoder) observed(v *model.ImageVersion) {
	o := v.Observed
	if o == nil {
		return
	}
	if o.PublishedDate != "" {
		e.b.comment("published %s", o.PublishedDate)
	}
	if o.CreatedBy != "" {
		e.b.comment("created by %s at %s", o.CreatedBy, o.CreatedAt)
	}
	if len(o.Replication) > 0 {
		var parts []string
		for _, r := range slices.Sorted(maps.Keys(o.Replication)) {
			st := o.Replication[r]
			s := r + " " + st.State
			if st.State != "Completed" && st.Progress > 0 {
				s += fmt.Sprintf(" %d%%", st.Progress)
			}
			parts = append(parts, s)
		}
		e.b.comment("replication: %s", strings.Join(parts, ", "))
	}
}

// replicationPolicy recognises versions whose newest N (not excluded from
// latest) share one set of regions and whose others share another, smaller
// one, and writes the `replication:` policy that says so ("" when they do
// not follow the pattern).
func replicationPolicy(versions map[string]*model.ImageVersion) string {
	names := sortedVersions(versions)
	var order []string
	for i := len(names) - 1; i >= 0; i-- {
		if !versions[names[i]].ExcludeFromLatest {
			order = append(order, names[i])
		}
	}
	if len(order) < 3 {
		return ""
	}
	key := func(v *model.ImageVersion) string {
		data, _ := json.Marshal(v.Regions)
		return string(data)
	}
	wide := key(versions[order[0]])
	n := 1
	for n < len(order) && key(versions[order[n]]) == wide {
		n++
	}
	if n == len(order) {
		return ""
	}
	narrow := key(versions[order[n]])
	for _, name := range order[n:] {
		if key(versions[name]) != narrow {
			return ""
		}
	}
	w, nw := versions[order[0]].Regions, versions[order[n]].Regions
	if len(nw) >= len(w) {
		return ""
	}
	regions := func(rs map[string]model.TargetRegion) string {
		var parts []string
		for _, r := range slices.Sorted(maps.Keys(rs)) {
			parts = append(parts, fmt.Sprintf("%s: replicas: %d", r, rs[r].Replicas))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprintf("replication: {newest: %d, wide: %s, narrow: %s}", n, regions(w), regions(nw))
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

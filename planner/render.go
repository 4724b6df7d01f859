package planner

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/curator-dev/curator/schema"
)

// Symbol is how the text rendering shows an action.
func (a Action) Symbol() string {
	switch a {
	case Replace:
		return "-/+"
	case Adopt:
		return "<="
	case NoOp:
		return " "
	}
	return string(rune(a))
}

func (a Action) String() string { return strings.Join(a.Names(), "-then-") }

const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
	ansiCyan    = "\x1b[36m"
)

func color(a Action) string {
	switch a {
	case Create:
		return ansiGreen
	case Update:
		return ansiYellow
	case Replace:
		return ansiMagenta
	case Delete:
		return ansiRed
	case Adopt:
		return ansiCyan
	}
	return ""
}

// SummaryLine is the plan's one-line summary, e.g. "Plan: 2 to create, 1 to
// update, 0 to replace, 0 to delete. Replication: +3 regions, +5 replicas.
// Shares: +1, -0. Cost: +$12.40/month, $3.10 egress."
func SummaryLine(p *Plan) string {
	s := p.Summary
	if !p.HasChanges() {
		return fmt.Sprintf("No changes. %d %s match the configuration.", s.NoOp, pluralize(s.NoOp, "resource", "resources"))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to replace, %d to delete", s.Create, s.Update, s.Replace, s.Delete)
	if s.Adopt > 0 {
		fmt.Fprintf(&b, ", %d to adopt", s.Adopt)
	}
	b.WriteString(". Replication: ")
	b.WriteString(plusMinus(s.RegionsAdded, s.RegionsRemoved, "regions"))
	b.WriteString(", ")
	b.WriteString(plusMinus(s.ReplicasAdded, s.ReplicasRemoved, "replicas"))
	fmt.Fprintf(&b, ". Shares: +%d, -%d. Cost: %s/month, %s egress.", s.SharesAdded, s.SharesRemoved, signedDollars(p.Cost.MonthlyStorageDelta), dollars(p.Cost.OneTimeEgress))
	return b.String()
}

func plusMinus(add, remove int, what string) string {
	if remove == 0 {
		return fmt.Sprintf("+%d %s", add, what)
	}
	return fmt.Sprintf("+%d/-%d %s", add, remove, what)
}

func dollars(f float64) string { return fmt.Sprintf("$%.2f", f) }

func signedDollars(f float64) string {
	if f < 0 {
		return "-" + dollars(-f)
	}
	return "+" + dollars(f)
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// value renders a field value compactly, as JSON.
func value(v any) string {
	data, err := json.Marshal(canonical(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// changeLines renders one change: its header and its details.
func changeLines(c *Change) (header string, details []string) {
	header = c.Action.Symbol() + " " + string(c.Address)
	switch {
	case c.Action == Replace && len(c.ForcedBy) > 0:
		header += fmt.Sprintf(" (forced by %s)", strings.Join(c.ForcedBy, ", "))
	case c.Action == Replace && c.Reason == ReasonParentReplaced:
		header += " (its parent is replaced)"
	case c.Action == Delete && c.Reason == ReasonParentDeleted:
		header += " (its parent is deleted)"
	case c.Action == Delete && c.Reason == ReasonParentReplaced:
		header += " (goes with its replaced parent)"
	case c.Action == Adopt:
		header += " (exists unmanaged: adopt)"
	}
	if c.Action == Create {
		details = append(details, createDetails(c)...)
	}
	for _, f := range c.Fields {
		if f.Path == "regions" {
			continue // shown per region below
		}
		details = append(details, fmt.Sprintf("%s: %s → %s", f.Path, value(f.Before), value(f.After)))
	}
	for _, op := range c.Sharing {
		line := "sharing " + op.Operation
		if len(op.Subscriptions) > 0 {
			line += " subscriptions " + strings.Join(op.Subscriptions, ", ")
		}
		if len(op.Tenants) > 0 {
			line += " tenants " + strings.Join(op.Tenants, ", ")
		}
		details = append(details, line)
	}
	if r := c.Replication; r != nil && c.Action != Delete {
		for _, x := range r.Removed {
			details = append(details, fmt.Sprintf("- region %s: %d × %s%s", x.Region, x.BeforeReplicas, x.BeforeStorage, note(x.Note)))
		}
		for _, x := range r.Added {
			details = append(details, fmt.Sprintf("+ region %s: %d × %s%s", x.Region, x.AfterReplicas, x.AfterStorage, note(x.Note)))
		}
		for _, x := range r.Changed {
			details = append(details, fmt.Sprintf("~ region %s: replicas %d → %d", x.Region, x.BeforeReplicas, x.AfterReplicas))
		}
	}
	return header, details
}

func note(n string) string {
	if n == "" {
		return ""
	}
	return " (" + n + ")"
}

func createDetails(c *Change) []string {
	switch v := c.After.(type) {
	case *schema.Gallery:
		out := []string{"location: " + value(v.Location)}
		if v.Description != "" {
			out = append(out, "description: "+value(v.Description))
		}
		return out
	case *schema.ImageDefinition:
		return []string{fmt.Sprintf("identifier: %s/%s/%s, %s %s, Hyper-V %s", v.Publisher, v.Offer, v.SKU, v.OSType, v.OSState, v.HyperVGeneration)}
	case *schema.ImageVersion:
		out := []string{"source region: " + v.Location}
		if v.Source != nil {
			out = append(out, "source: "+value(v.Source))
		}
		return out
	case *schema.Share:
		return []string{fmt.Sprintf("role %s for %s %s", v.Role, orDefault(v.PrincipalType, "principal"), v.PrincipalID)}
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// RenderText renders the plan for a terminal; colour adds ANSI colours.
func RenderText(p *Plan, colour bool) string {
	var b strings.Builder
	paint := func(code, s string) string {
		if !colour || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	fmt.Fprintf(&b, "curator plan for %q on %s", p.Configuration, p.Target)
	if p.SourceRevision != "" {
		fmt.Fprintf(&b, " at %s", p.SourceRevision)
	}
	b.WriteString("\n\n")
	if p.HasChanges() {
		for _, c := range p.Changes {
			header, details := changeLines(c)
			b.WriteString("  " + paint(color(c.Action), header) + "\n")
			for _, d := range details {
				b.WriteString("      " + d + "\n")
			}
		}
		b.WriteString("\n")
	}
	if len(p.Latest) > 0 {
		b.WriteString(paint(ansiBold, "Latest changes:") + "\n")
		for _, l := range p.Latest {
			fmt.Fprintf(&b, "  %s: latest %s → %s\n", l.Image, orDefault(l.Before, "(none)"), orDefault(l.After, "(none)"))
		}
		b.WriteString("\n")
	}
	if len(p.Unmanaged) > 0 {
		fmt.Fprintf(&b, "%s\n", paint(ansiBold, fmt.Sprintf("Unmanaged (%d, never touched):", len(p.Unmanaged))))
		for _, u := range p.Unmanaged {
			fmt.Fprintf(&b, "  %s: %s\n", u.Address, u.Reason)
		}
		b.WriteString("\n")
	}
	if len(p.Warnings) > 0 {
		b.WriteString(paint(ansiYellow, "Warnings:") + "\n")
		for _, w := range p.Warnings {
			fmt.Fprintf(&b, "  %s\n", w)
		}
		b.WriteString("\n")
	}
	b.WriteString(paint(ansiBold, SummaryLine(p)) + "\n")
	return b.String()
}

// MarkdownLimit is GitHub's limit on the length of a comment.
const MarkdownLimit = 65536

// RenderMarkdown renders the plan for a pull-request comment: summary
// first, warnings (replaces, deletes, latest changes) next, then one
// collapsible section per gallery; it stays under MarkdownLimit, saying how
// much it left out.
func RenderMarkdown(p *Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### curator plan for `%s`\n\n", p.Configuration)
	fmt.Fprintf(&b, "**%s**\n\n", SummaryLine(p))
	if p.SourceRevision != "" {
		fmt.Fprintf(&b, "Revision `%s` · target `%s`\n\n", p.SourceRevision, p.Target)
	}
	var alerts []string
	for _, c := range p.Changes {
		switch {
		case c.Action == Replace && c.Reason == ReasonCannotUpdate:
			alerts = append(alerts, fmt.Sprintf("`%s` is **replaced** (forced by %s)", c.Address, strings.Join(c.ForcedBy, ", ")))
		case c.Action == Delete && c.Kind != KindShare && c.Reason == ReasonNoConfig:
			alerts = append(alerts, fmt.Sprintf("`%s` is **deleted**", c.Address))
		}
	}
	for _, l := range p.Latest {
		alerts = append(alerts, fmt.Sprintf("`latest` of `%s` moves from %s to %s", l.Image, orDefault(l.Before, "(none)"), orDefault(l.After, "(none)")))
	}
	alerts = append(alerts, p.Warnings...)
	if len(alerts) > 0 {
		b.WriteString("> [!WARNING]\n")
		for _, a := range alerts {
			fmt.Fprintf(&b, "> - %s\n", a)
		}
		b.WriteString("\n")
	}
	// Group changes by gallery, in plan order.
	var galleries []string
	byGallery := map[string][]*Change{}
	for _, c := range p.Changes {
		if _, ok := byGallery[c.Gallery]; !ok {
			galleries = append(galleries, c.Gallery)
		}
		byGallery[c.Gallery] = append(byGallery[c.Gallery], c)
	}
	sort.Strings(galleries)
	tail := unmanagedSection(p)
	const reserve = 512
	omitted := 0
	for i, g := range galleries {
		section := gallerySection(g, byGallery[g])
		if b.Len()+len(section)+len(tail)+reserve > MarkdownLimit {
			for _, rest := range galleries[i:] {
				omitted += len(byGallery[rest])
			}
			break
		}
		b.WriteString(section)
	}
	if omitted > 0 {
		fmt.Fprintf(&b, "\n_%d more %s not shown: the plan is larger than a comment allows. See the job log or the JSON plan._\n\n", omitted, pluralize(omitted, "change", "changes"))
	}
	b.WriteString(tail)
	return b.String()
}

func gallerySection(g string, changes []*Change) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary><code>gallery/%s</code>: %d %s</summary>\n\n```diff\n", g, len(changes), pluralize(len(changes), "change", "changes"))
	for _, c := range changes {
		header, details := changeLines(c)
		prefix := map[Action]string{Create: "+", Delete: "-", Update: "!", Replace: "!", Adopt: "!"}[c.Action]
		fmt.Fprintf(&b, "%s %s\n", prefix, header)
		for _, d := range details {
			fmt.Fprintf(&b, "      %s\n", d)
		}
	}
	b.WriteString("```\n\n</details>\n\n")
	return b.String()
}

func unmanagedSection(p *Plan) string {
	if len(p.Unmanaged) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary>%d unmanaged %s (never touched)</summary>\n\n", len(p.Unmanaged), pluralize(len(p.Unmanaged), "resource", "resources"))
	for i, u := range p.Unmanaged {
		if i == 200 {
			fmt.Fprintf(&b, "- … and %d more\n", len(p.Unmanaged)-i)
			break
		}
		fmt.Fprintf(&b, "- `%s`: %s\n", u.Address, u.Reason)
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

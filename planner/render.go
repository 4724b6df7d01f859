package planner

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/curator-dev/curator/model"
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
	if !p.HasChanges() && !p.Refused() {
		return fmt.Sprintf("No changes. %d %s the configuration.", s.NoOp, pluralize(s.NoOp, "resource matches", "resources match"))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to replace, %d to delete", s.Create, s.Update, s.Replace, s.Delete)
	if s.Adopt > 0 {
		fmt.Fprintf(&b, ", %d to adopt", s.Adopt)
	}
	if p.Refused() {
		fmt.Fprintf(&b, ", %d refused (the plan cannot be applied)", s.Refused)
	}
	b.WriteString(". Replication: ")
	b.WriteString(plusMinus(s.RegionsAdded, s.RegionsRemoved, "regions"))
	b.WriteString(", ")
	b.WriteString(plusMinus(s.ReplicasAdded, s.ReplicasRemoved, "replicas"))
	fmt.Fprintf(&b, ". Shares: +%d, -%d. Cost: %s/month, %s egress", s.SharesAdded, s.SharesRemoved, signedDollars(p.Cost.MonthlyStorageDelta), dollars(p.Cost.OneTimeEgress))
	switch n := p.Cost.Unsized; {
	case n == 1:
		b.WriteString(" (1 version of unknown size not counted: give it sizeGB)")
	case n > 1:
		fmt.Fprintf(&b, " (%d versions of unknown size not counted: give them sizeGB)", n)
	}
	b.WriteString(".")
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

// changeLines renders one change: its header and its details; r is the
// refusal that refuses it, nil when none does.
func changeLines(c *Change, r *Refusal) (header string, details []string) {
	header = c.Action.Symbol() + " " + string(c.Address)
	defer func() {
		if c.Refused == "" {
			return
		}
		header += " [refused]"
		line := "refused: " + string(c.Refused)
		if r != nil {
			line = "refused: " + r.Summary
			if r.Address != "" && r.Address != c.Address {
				line += " " + string(r.Address)
			}
			if hint := allowHint(r, ""); hint != "" {
				line += "; " + hint
			}
		}
		details = append(details, line)
	}()
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

// allowHint says what would allow a refusal, quoting flag and field with
// quote; "" when nothing does.
func allowHint(r *Refusal, quote string) string {
	var ways []string
	if r.AllowFlag != "" {
		ways = append(ways, quote+r.AllowFlag+quote)
	}
	if r.AllowField != "" {
		ways = append(ways, quote+r.AllowField+quote)
	}
	if len(ways) == 0 {
		return ""
	}
	return "allowed by " + strings.Join(ways, " or ")
}

func note(n string) string {
	if n == "" {
		return ""
	}
	return " (" + n + ")"
}

// printable is s as it is when every character of it prints, else quoted
// like a value: a line break in a publisher would end the Markdown plan's
// code block (and let the rest of the string write the pull-request
// comment), and an escape sequence would drive the terminal.
func printable(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return value(s)
	}
	return s
}

func createDetails(c *Change) []string {
	switch v := c.After.(type) {
	case *model.Gallery:
		out := []string{"location: " + value(v.Location)}
		if v.Description != "" {
			out = append(out, "description: "+value(v.Description))
		}
		if v.SoftDelete {
			out = append(out, "softDelete: true")
		}
		return out
	case *model.ImageDefinition:
		out := []string{fmt.Sprintf("identifier: %s/%s/%s, %s %s, Hyper-V %s", printable(v.Publisher), printable(v.Offer), printable(v.SKU), v.OSType, v.OSState, v.HyperVGeneration)}
		if !model.Lookup(model.ImageProperties, "architecture").IsDefault(v) {
			out = append(out, "architecture: "+value(v.Architecture))
		}
		if st := v.SecurityTypeAsWritten(); st != "" {
			out = append(out, "securityType: "+value(st))
		}
		if len(v.Features) > 0 {
			out = append(out, "features: "+value(v.FeaturesAsWritten()))
		}
		if v.EndOfLife != "" {
			out = append(out, "endOfLife: "+value(v.EndOfLife))
		}
		return out
	case *model.ImageVersion:
		out := []string{"source region: " + v.Location}
		if v.Source != nil {
			out = append(out, "source: "+value(v.Source))
		}
		if !model.Lookup(model.VersionProperties, "replicationMode").IsDefault(v) {
			out = append(out, "replicationMode: "+value(v.ReplicationMode))
		}
		if v.ExcludeFromLatest {
			out = append(out, "excludeFromLatest: true")
		}
		for _, r := range slices.Sorted(maps.Keys(v.Regions)) {
			if v.Regions[r].ExcludeFromLatest {
				out = append(out, "regions."+r+".excludeFromLatest: true")
			}
			if e := v.Regions[r].Encryption; e != nil {
				out = append(out, "regions."+r+".encryption: "+value(e))
			}
		}
		for _, z := range slices.Sorted(maps.Keys(v.EdgeZones)) {
			out = append(out, "edgeZones."+z+": "+value(v.EdgeZones[z]))
		}
		if v.Safety != nil {
			out = append(out, "safety: "+value(v.Safety))
		}
		if v.UEFI != nil {
			out = append(out, "securityProfile.uefiSettings: "+value(v.UEFI))
		}
		if v.EndOfLife != "" {
			out = append(out, "endOfLife: "+value(v.EndOfLife))
		}
		return out
	case *model.Share:
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
	if len(p.Changes) > 0 {
		refusalOf := p.refusals()
		for _, c := range p.Changes {
			header, details := changeLines(c, refusalOf(c))
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
			fmt.Fprintf(&b, "  %s\n", w.Message())
		}
		b.WriteString("\n")
	}
	if p.Refused() {
		b.WriteString(paint(ansiRed, "Refused: this plan cannot be applied.") + "\n")
		for _, r := range p.Errors {
			fmt.Fprintf(&b, "  %s\n", r)
			if hint := allowHint(&r, ""); hint != "" {
				fmt.Fprintf(&b, "      %s\n", hint)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString(paint(ansiBold, SummaryLine(p)) + "\n")
	return b.String()
}

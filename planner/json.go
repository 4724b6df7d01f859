package planner

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/curator-dev/curator/diag"
	"github.com/curator-dev/curator/model"
)

// The JSON plan (format_version 1.x) is the saved-plan file and what scripts
// read. Field names are a contract:
//
//	format_version            "1.0"
//	source_revision           the configuration revision (git SHA or content hash)
//	configuration, target     the configuration name and its scope
//	created_at                RFC 3339
//	resource_changes[]        in apply order: address, kind, actions (["create"],
//	                          ["update"], ["delete","create"] for a replace, ["delete"],
//	                          ["adopt"]), reason, before, after (the model objects),
//	                          fields[] {path, before, after}, forced_by[],
//	                          replication {added[], removed[], changed[]},
//	                          sharing[] {operation, subscriptions, tenants}, depends_on[],
//	                          refused, refused_reason (the rule) on a change a safety
//	                          rule refuses
//	unmanaged[]               {address, reason}: exists, never touched
//	latest[]                  {image, before, after}: where "latest" moves
//	errors[]                  the refusals: {address ("" for the whole plan), reason (the
//	                          rule), summary, detail, allowed_by {flag, field}}; a plan
//	                          with any can never be applied
//	summary, cost             counts (refused changes only in summary.refused); monthly
//	                          storage delta and one-time egress (USD) of what is not refused
//	actual_state_fingerprint  of the cloud state the plan was computed from
//	warnings[], arm_requests
//	read_path, read_at        how and when the actual state was read: "graph" (Azure
//	                          Resource Graph) or "arm" (Resource Manager lists)
type jsonPlan struct {
	FormatVersion          string          `json:"format_version"`
	SourceRevision         string          `json:"source_revision"`
	Source                 string          `json:"source,omitempty"`
	Configuration          string          `json:"configuration"`
	Target                 string          `json:"target"`
	CreatedAt              time.Time       `json:"created_at"`
	ResourceChanges        []jsonChange    `json:"resource_changes"`
	Unmanaged              []jsonUnmanaged `json:"unmanaged"`
	Latest                 []jsonLatest    `json:"latest"`
	Errors                 []jsonRefusal   `json:"errors"`
	Summary                jsonSummary     `json:"summary"`
	Cost                   jsonCost        `json:"cost"`
	ActualStateFingerprint string          `json:"actual_state_fingerprint"`
	Warnings               []string        `json:"warnings"`
	ARMRequests            int64           `json:"arm_requests"`
	ReadPath               string          `json:"read_path,omitempty"`
	ReadAt                 *time.Time      `json:"read_at,omitempty"`
}

type jsonChange struct {
	Address       string           `json:"address"`
	Kind          Kind             `json:"kind"`
	Actions       []string         `json:"actions"`
	Reason        Reason           `json:"reason,omitempty"`
	Gallery       string           `json:"gallery"`
	Image         string           `json:"image,omitempty"`
	Version       string           `json:"version,omitempty"`
	Before        json.RawMessage  `json:"before"`
	After         json.RawMessage  `json:"after"`
	Fields        []jsonField      `json:"fields,omitempty"`
	ForcedBy      []string         `json:"forced_by,omitempty"`
	Replication   *jsonReplication `json:"replication,omitempty"`
	Sharing       []jsonSharingOp  `json:"sharing,omitempty"`
	DependsOn     []string         `json:"depends_on,omitempty"`
	Refused       bool             `json:"refused,omitempty"`
	RefusedReason Rule             `json:"refused_reason,omitempty"`
}

type jsonRefusal struct {
	Address   string     `json:"address"`
	Reason    Rule       `json:"reason"`
	Summary   string     `json:"summary"`
	Detail    string     `json:"detail"`
	AllowedBy *jsonAllow `json:"allowed_by,omitempty"`
}

// jsonAllow is what would allow a refused change: a flag of plan and
// apply, and a configuration field (CUE).
type jsonAllow struct {
	Flag  string `json:"flag,omitempty"`
	Field string `json:"field,omitempty"`
}

type jsonField struct {
	Path   string `json:"path"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

type jsonReplication struct {
	Added   []jsonRegion `json:"added,omitempty"`
	Removed []jsonRegion `json:"removed,omitempty"`
	Changed []jsonRegion `json:"changed,omitempty"`
}

type jsonRegion struct {
	Region         string `json:"region"`
	BeforeReplicas int    `json:"before_replicas,omitempty"`
	AfterReplicas  int    `json:"after_replicas,omitempty"`
	BeforeStorage  string `json:"before_storage,omitempty"`
	AfterStorage   string `json:"after_storage,omitempty"`
	Note           string `json:"note,omitempty"`
}

type jsonSharingOp struct {
	Operation     string   `json:"operation"`
	Subscriptions []string `json:"subscriptions,omitempty"`
	Tenants       []string `json:"tenants,omitempty"`
}

type jsonUnmanaged struct {
	Address string `json:"address"`
	Reason  string `json:"reason"`
}

type jsonLatest struct {
	Image  string `json:"image"`
	Before string `json:"before"`
	After  string `json:"after"`
}

type jsonSummary struct {
	Create          int `json:"create"`
	Update          int `json:"update"`
	Replace         int `json:"replace"`
	Delete          int `json:"delete"`
	Adopt           int `json:"adopt"`
	NoOp            int `json:"no_op"`
	RegionsAdded    int `json:"regions_added"`
	RegionsRemoved  int `json:"regions_removed"`
	ReplicasAdded   int `json:"replicas_added"`
	ReplicasRemoved int `json:"replicas_removed"`
	SharesAdded     int `json:"shares_added"`
	SharesRemoved   int `json:"shares_removed"`
	Refused         int `json:"refused"`
}

type jsonCost struct {
	MonthlyStorageDelta float64 `json:"monthly_storage_delta_usd"`
	OneTimeEgress       float64 `json:"one_time_egress_usd"`
	PriceTableDate      string  `json:"price_table_date"`
	PriceTableSource    string  `json:"price_table_source"`
	Unsized             int     `json:"unsized_versions,omitempty"`
}

// ActionNames are the JSON names of an action.
func (a Action) Names() []string {
	switch a {
	case Create:
		return []string{"create"}
	case Update:
		return []string{"update"}
	case Replace:
		return []string{"delete", "create"}
	case Delete:
		return []string{"delete"}
	case Adopt:
		return []string{"adopt"}
	}
	return []string{"no-op"}
}

func actionOf(names []string) (Action, error) {
	switch strings.Join(names, ",") {
	case "create":
		return Create, nil
	case "update":
		return Update, nil
	case "delete,create":
		return Replace, nil
	case "delete":
		return Delete, nil
	case "adopt":
		return Adopt, nil
	case "no-op":
		return NoOp, nil
	}
	return NoOp, fmt.Errorf("unknown actions %q", names)
}

// MarshalJSON encodes the plan in the documented JSON format.
func (p *Plan) MarshalJSON() ([]byte, error) {
	jp := jsonPlan{
		FormatVersion: p.FormatVersion, SourceRevision: p.SourceRevision, Source: p.Source, Configuration: p.Configuration,
		Target: p.Target, CreatedAt: p.CreatedAt, ActualStateFingerprint: p.ActualStateFingerprint,
		Warnings: nonNil(p.Warnings.Messages()), ARMRequests: p.ARMRequests, ReadPath: p.ReadPath,
		ResourceChanges: []jsonChange{}, Unmanaged: []jsonUnmanaged{}, Latest: []jsonLatest{}, Errors: []jsonRefusal{},
		ReadAt: optionalTime(p.ReadAt),
		Summary: jsonSummary{
			Create: p.Summary.Create, Update: p.Summary.Update, Replace: p.Summary.Replace, Delete: p.Summary.Delete,
			Adopt: p.Summary.Adopt, NoOp: p.Summary.NoOp, RegionsAdded: p.Summary.RegionsAdded, RegionsRemoved: p.Summary.RegionsRemoved,
			ReplicasAdded: p.Summary.ReplicasAdded, ReplicasRemoved: p.Summary.ReplicasRemoved,
			SharesAdded: p.Summary.SharesAdded, SharesRemoved: p.Summary.SharesRemoved, Refused: p.Summary.Refused,
		},
		Cost: jsonCost(p.Cost),
	}
	for _, r := range p.Errors {
		jr := jsonRefusal{Address: string(r.Address), Reason: r.Rule, Summary: r.Summary, Detail: r.Detail}
		if r.AllowFlag != "" || r.AllowField != "" {
			jr.AllowedBy = &jsonAllow{Flag: r.AllowFlag, Field: r.AllowField}
		}
		jp.Errors = append(jp.Errors, jr)
	}
	for _, c := range p.Changes {
		jc := jsonChange{
			Address: string(c.Address), Kind: c.Kind, Actions: c.Action.Names(), Reason: c.Reason,
			Gallery: c.Gallery, Image: c.Image, Version: c.Version, ForcedBy: c.ForcedBy,
			Refused: c.Refused != "", RefusedReason: c.Refused,
		}
		var err error
		if jc.Before, err = marshalObject(c.Before); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Address, err)
		}
		if jc.After, err = marshalObject(c.After); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Address, err)
		}
		for _, f := range c.Fields {
			jc.Fields = append(jc.Fields, jsonField{Path: f.Path, Before: canonical(f.Before), After: canonical(f.After)})
		}
		if r := c.Replication; r != nil {
			jc.Replication = &jsonReplication{Added: regions(r.Added), Removed: regions(r.Removed), Changed: regions(r.Changed)}
		}
		for _, op := range c.Sharing {
			jc.Sharing = append(jc.Sharing, jsonSharingOp(op))
		}
		for _, d := range c.DependsOn {
			jc.DependsOn = append(jc.DependsOn, string(d))
		}
		jp.ResourceChanges = append(jp.ResourceChanges, jc)
	}
	for _, u := range p.Unmanaged {
		jp.Unmanaged = append(jp.Unmanaged, jsonUnmanaged{Address: string(u.Address), Reason: u.Reason})
	}
	for _, l := range p.Latest {
		jp.Latest = append(jp.Latest, jsonLatest{Image: string(l.Image), Before: l.Before, After: l.After})
	}
	return json.Marshal(jp)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func regions(rs []RegionChange) []jsonRegion {
	var out []jsonRegion
	for _, r := range rs {
		out = append(out, jsonRegion(r))
	}
	return out
}

func marshalObject(v any) (json.RawMessage, error) {
	if v == nil || isZero(v) {
		return json.RawMessage("null"), nil
	}
	return json.Marshal(v)
}

// canonical turns a value into its generic JSON form, so that a plan read
// back from JSON renders exactly as the plan it was written from.
func canonical(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	_ = json.Unmarshal(data, &out)
	return out
}

// DecodePlan reads a JSON plan (a saved plan file). It refuses plans of an
// unknown major format version.
func DecodePlan(data []byte) (*Plan, error) {
	var jp jsonPlan
	if err := json.Unmarshal(data, &jp); err != nil {
		return nil, fmt.Errorf("not a curator plan: %w", err)
	}
	if err := controlChars(reflect.ValueOf(jp), "plan"); err != nil {
		return nil, err
	}
	major, _, _ := strings.Cut(jp.FormatVersion, ".")
	if want, _, _ := strings.Cut(FormatVersion, "."); major != want {
		return nil, fmt.Errorf("plan format version %q is not supported (this curator reads %s.x): plan again with this version", jp.FormatVersion, want)
	}
	p := &Plan{
		FormatVersion: jp.FormatVersion, SourceRevision: jp.SourceRevision, Source: jp.Source, Configuration: jp.Configuration,
		Target: jp.Target, CreatedAt: jp.CreatedAt, ActualStateFingerprint: jp.ActualStateFingerprint,
		Warnings: warningsOf(jp.Warnings), ARMRequests: jp.ARMRequests, Cost: Cost(jp.Cost), ReadPath: jp.ReadPath,
		Summary: Summary{
			Create: jp.Summary.Create, Update: jp.Summary.Update, Replace: jp.Summary.Replace, Delete: jp.Summary.Delete,
			Adopt: jp.Summary.Adopt, NoOp: jp.Summary.NoOp, RegionsAdded: jp.Summary.RegionsAdded, RegionsRemoved: jp.Summary.RegionsRemoved,
			ReplicasAdded: jp.Summary.ReplicasAdded, ReplicasRemoved: jp.Summary.ReplicasRemoved,
			SharesAdded: jp.Summary.SharesAdded, SharesRemoved: jp.Summary.SharesRemoved, Refused: jp.Summary.Refused,
		},
	}
	if jp.ReadAt != nil {
		p.ReadAt = *jp.ReadAt
	}
	for i, jr := range jp.Errors {
		if jr.Reason == "" || jr.Summary == "" {
			return nil, fmt.Errorf("errors[%d] %s: a refusal needs a reason and a summary", i, jr.Address)
		}
		r := Refusal{Address: model.Address(jr.Address), Rule: jr.Reason, Summary: jr.Summary, Detail: jr.Detail}
		if a := jr.AllowedBy; a != nil {
			if a.Flag == "" && a.Field == "" {
				return nil, fmt.Errorf("errors[%d] %s: allowed_by names neither a flag nor a field", i, jr.Address)
			}
			r.AllowFlag, r.AllowField = a.Flag, a.Field
		}
		p.Errors = append(p.Errors, r)
	}
	if len(p.Warnings) == 0 {
		p.Warnings = nil
	}
	for i, jc := range jp.ResourceChanges {
		action, err := actionOf(jc.Actions)
		if err != nil {
			return nil, fmt.Errorf("resource_changes[%d] %s: %w", i, jc.Address, err)
		}
		c := &Change{
			Address: model.Address(jc.Address), Kind: jc.Kind, Action: action, Reason: jc.Reason,
			Gallery: jc.Gallery, Image: jc.Image, Version: jc.Version, ForcedBy: jc.ForcedBy,
			Refused: jc.RefusedReason,
		}
		if jc.Refused != (jc.RefusedReason != "") {
			return nil, fmt.Errorf("resource_changes[%d] %s: refused and refused_reason go together", i, jc.Address)
		}
		if c.Before, err = unmarshalObject(jc.Kind, jc.Before); err != nil {
			return nil, fmt.Errorf("resource_changes[%d] %s before: %w", i, jc.Address, err)
		}
		if c.After, err = unmarshalObject(jc.Kind, jc.After); err != nil {
			return nil, fmt.Errorf("resource_changes[%d] %s after: %w", i, jc.Address, err)
		}
		for _, f := range jc.Fields {
			c.Fields = append(c.Fields, FieldDiff(f))
		}
		if r := jc.Replication; r != nil {
			c.Replication = &ReplicationDelta{Added: regionChanges(r.Added), Removed: regionChanges(r.Removed), Changed: regionChanges(r.Changed)}
		}
		for _, op := range jc.Sharing {
			c.Sharing = append(c.Sharing, SharingOp(op))
		}
		for _, d := range jc.DependsOn {
			c.DependsOn = append(c.DependsOn, model.Address(d))
		}
		p.Changes = append(p.Changes, c)
	}
	for _, u := range jp.Unmanaged {
		p.Unmanaged = append(p.Unmanaged, Unmanaged{Address: model.Address(u.Address), Reason: u.Reason})
	}
	for _, l := range jp.Latest {
		p.Latest = append(p.Latest, LatestChange{Image: model.Address(l.Image), Before: l.Before, After: l.After})
	}
	return p, nil
}

// controlChars refuses a control character other than a line break or a
// tab in any string of a plan file outside the resources' values (before,
// after and a field's values, which are rendered quoted): curator writes
// none there, and show would print an escape sequence from a file to the
// terminal as it is.
func controlChars(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.String:
		if i := strings.IndexFunc(v.String(), func(r rune) bool { return r != '\n' && r != '\t' && unicode.IsControl(r) }); i >= 0 {
			return fmt.Errorf("not a curator plan: %s holds the control character %U, which curator never writes there", path, []rune(v.String()[i:])[0])
		}
	case reflect.Struct:
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			if err := controlChars(v.Field(i), path+"."+name); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // json.RawMessage: a resource's value
			return nil
		}
		for i := range v.Len() {
			if err := controlChars(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return controlChars(v.Elem(), path)
		}
	}
	// Interfaces (a field's before and after values) are rendered quoted.
	return nil
}

func regionChanges(rs []jsonRegion) []RegionChange {
	var out []RegionChange
	for _, r := range rs {
		out = append(out, RegionChange(r))
	}
	return out
}

func unmarshalObject(k Kind, raw json.RawMessage) (model.Resource, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var target model.Resource
	switch k {
	case KindGallery:
		target = &model.Gallery{}
	case KindSharing:
		target = &model.Sharing{}
	case KindImage:
		target = &model.ImageDefinition{}
	case KindVersion:
		target = &model.ImageVersion{}
	case KindShare:
		target = &model.Share{}
	default:
		return nil, fmt.Errorf("unknown kind %q", k)
	}
	if err := json.Unmarshal(raw, target); err != nil {
		return nil, err
	}
	return target, nil
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// warningsOf reads a JSON plan's warnings back: each is its diagnostic's
// message, kept whole as the summary (Message gives it back unchanged).
func warningsOf(lines []string) diag.Diagnostics {
	var out diag.Diagnostics
	for _, l := range lines {
		out = append(out, diag.Diagnostic{Severity: diag.Warning, Summary: l})
	}
	return out
}

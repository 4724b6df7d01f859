package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/curator-dev/curator/planner"
	"github.com/curator-dev/curator/schema"
	"github.com/curator-dev/curator/sources"
)

// A saved plan file is untrusted input: it may have been changed after it
// was saved, by anyone who could write it. So it is never applied as it is.
// Rederive loads the configuration the user names (the file's source must
// be that one, and still be at the file's revision), plans it
// again against the cloud as it is now, with every safety gate of this
// apply's options, and hands back that fresh plan only when it is the plan in
// the file. What is applied is the fresh plan: the file only decides whether
// there is anything to apply.

// ErrStalePlan is returned when a saved plan no longer matches the source
// or the cloud.
var ErrStalePlan = errors.New("Saved plan is stale")

// StaleDetail is the model explanation of a stale plan.
const StaleDetail = "The given plan file can no longer be applied because the state was changed by another operation after the plan was created."

// ErrPlanMismatch is returned when a saved plan differs from the plan its
// own configuration revision gives against the same cloud: the file was
// changed after it was saved, or apply lacks a flag the plan was made with.
var ErrPlanMismatch = errors.New("Saved plan does not match its configuration")

// gitRevisionRE is a full git commit SHA (SHA-1 or SHA-256).
var gitRevisionRE = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

// localRevisionRE is a local folder's content revision.
var localRevisionRE = regexp.MustCompile(`^sha256:[0-9a-f]{16}$`)

// ReadSavedPlan decodes a saved plan file and checks what is later used to
// find its configuration: the configuration name, the target, the source
// and its revision. The changes in it are not trusted at all (Rederive plans
// them again).
func ReadSavedPlan(data []byte) (*planner.Plan, error) {
	plan, err := planner.DecodePlan(data)
	if err != nil {
		return nil, err
	}
	if err := plan.Err(); err != nil {
		return nil, fmt.Errorf("the plan is refused and can never be applied: %w", err)
	}
	if err := schema.CheckConfigName(plan.Configuration); err != nil {
		return nil, fmt.Errorf("the plan's %w", err)
	}
	if _, err := DecodeTarget(plan.Target); err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(plan.Source, "git+"):
		if !gitRevisionRE.MatchString(plan.SourceRevision) {
			return nil, fmt.Errorf("the plan's source revision %q is not a git commit", plan.SourceRevision)
		}
	case plan.Source == "":
		return nil, errors.New("the plan names no source: plan again with this version of curator")
	default:
		if !localRevisionRE.MatchString(plan.SourceRevision) {
			return nil, fmt.Errorf("the plan's source revision %q is not a folder's content revision", plan.SourceRevision)
		}
	}
	return plan, nil
}

// ErrOtherSource refuses a saved plan made from a configuration other than
// the one the user names.
var ErrOtherSource = errors.New("the plan file was made from another configuration")

// CheckSavedPlanSource refuses a saved plan whose source is not named, the
// configuration the user named on the command line. It reads nothing: a
// plan file only has to match the user's configuration, and nothing it
// names (a folder, a repository, an endpoint or lock blob of its
// configuration) is ever opened, so that a file cannot make curator read
// a configuration of its choosing or send a credential to a host of its
// choosing.
func CheckSavedPlanSource(plan *planner.Plan, named sources.Source) error {
	if sources.SameOrigin(named, plan.Source) {
		return nil
	}
	return fmt.Errorf("%w: it was planned from %q, and you named %s; a plan file is applied only to the configuration it was planned from, named on the command line as for plan (a folder, or --git URL --ref REF --path SUB; without them, the current folder)", ErrOtherSource, plan.Source, named)
}

// Rederive plans the saved plan's configuration again (its source must still
// be at the plan's revision) and returns the fresh
// plan when it is the saved one, under the target's apply lock (released by
// release; the returned plan is applied with ApplyPlanned before that). The
// Reconciler's Source is the configuration the user named: a plan made
// from another is refused before anything is read. The configuration's
// name and target (with its lock blob) must be the plan's before the lock
// is taken or the cloud is read. Every safety rule runs on the fresh plan
// with this Reconciler's planner options.
func (r *Reconciler) Rederive(ctx context.Context, saved *planner.Plan) (p *Planned, release func(), err error) {
	if err := CheckSavedPlanSource(saved, r.opts.Source); err != nil {
		return nil, nil, err
	}
	snap, desired, warnings, err := r.Load(ctx)
	var invalid *InvalidConfigError
	if errors.As(err, &invalid) {
		return nil, nil, err
	}
	if snap == nil || desired == nil {
		return nil, nil, fmt.Errorf("the configuration it was planned from cannot be read: %w", err)
	}
	if err != nil {
		// Only a source read now can say whether the plan's revision is
		// still its revision: a last good snapshot does not do.
		return nil, nil, fmt.Errorf("read the plan's configuration from %s: %w", r.opts.Source, err)
	}
	if snap.Revision != saved.SourceRevision {
		return nil, nil, fmt.Errorf("%w: %s The configuration is now at revision %s, the plan was made at %s.", ErrStalePlan, StaleDetail, snap.Revision, saved.SourceRevision)
	}
	if desired.Name != saved.Configuration {
		return nil, nil, fmt.Errorf("%w: the plan is for configuration %q, its source declares %q", ErrPlanMismatch, saved.Configuration, desired.Name)
	}
	if got := EncodeTarget(desired.Target); got != saved.Target {
		return nil, nil, fmt.Errorf("%w: the plan targets %s, its configuration targets %s", ErrPlanMismatch, saved.Target, got)
	}
	unlock, err := r.LockTarget(ctx, desired.Target)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	p, err = r.PlanState(ctx, snap, desired)
	if err != nil {
		return nil, nil, err
	}
	p.Warnings = warnings.Warnings()
	p.Plan.Source = saved.Source
	if err := planner.Refused(p.Refusals); err != nil {
		p.Close()
		return nil, nil, fmt.Errorf("%w: planned again, it is refused: %v", ErrPlanMismatch, err)
	}
	if p.Plan.ActualStateFingerprint != saved.ActualStateFingerprint {
		p.Close()
		return nil, nil, fmt.Errorf("%w: %s", ErrStalePlan, StaleDetail)
	}
	if diff := comparePlans(saved, p.Plan); diff != "" {
		p.Close()
		return nil, nil, fmt.Errorf("%w: %s", ErrPlanMismatch, diff)
	}
	return p, unlock, nil
}

// comparePlans says how a saved plan differs from the fresh one, "" when it
// does not: by change for the changes, by top-level field for the rest, all
// compared in their JSON form (the saved-plan format). Values that differ
// between two runs of the same plan (when it was made, how many requests
// reading took, how the source was opened) do not count.
func comparePlans(saved, fresh *planner.Plan) string {
	sj, err := planFields(saved)
	if err != nil {
		return err.Error()
	}
	fj, err := planFields(fresh)
	if err != nil {
		return err.Error()
	}
	sc, sorder, err := planChanges(sj)
	if err != nil {
		return "the file's resource_changes cannot be read: " + err.Error()
	}
	fc, forder, _ := planChanges(fj)
	var extra, missing, differ []string
	flags := map[string]bool{}
	for _, addr := range sorder {
		f, ok := fc[addr]
		switch {
		case !ok:
			extra = append(extra, addr)
			for _, flag := range allowingFlags(saved, addr) {
				flags[flag] = true
			}
		case !bytes.Equal(f, sc[addr]):
			differ = append(differ, addr)
		}
	}
	for _, addr := range forder {
		if _, ok := sc[addr]; !ok {
			missing = append(missing, addr)
		}
	}
	var parts []string
	if len(extra) > 0 {
		parts = append(parts, "the file has changes that a fresh plan does not ("+list(extra)+")")
	}
	if len(missing) > 0 {
		parts = append(parts, "a fresh plan has changes that the file does not ("+list(missing)+")")
	}
	if len(differ) > 0 {
		parts = append(parts, "changes differ ("+list(differ)+")")
	}
	if len(parts) == 0 && strings.Join(sorder, "\n") != strings.Join(forder, "\n") {
		parts = append(parts, "the order of the changes differs")
	}
	var fields []string
	for k := range sj {
		if !bytes.Equal(sj[k], fj[k]) {
			fields = append(fields, k)
		}
	}
	for k := range fj {
		if _, ok := sj[k]; !ok {
			fields = append(fields, k)
		}
	}
	if len(fields) > 0 {
		parts = append(parts, "its "+list(fields)+" differ")
	}
	if len(parts) == 0 {
		return ""
	}
	if len(fields) == 1 && fields[0] == "cost" && len(extra)+len(missing)+len(differ) == 0 {
		return "its cost differs: it was priced with another price table; pass apply the same --prices FILE as plan (or none), or plan again"
	}
	hint := "The file was changed after it was saved"
	if len(flags) > 0 {
		names := make([]string, 0, len(flags))
		for f := range flags {
			names = append(names, f)
		}
		sort.Strings(names)
		hint = "If it was planned with " + strings.Join(names, " or ") + ", pass the same to apply; otherwise the file was changed after it was saved"
	}
	return strings.Join(parts, "; ") + ". " + hint + ": plan again and review the new plan."
}

// planFields is a plan's JSON by top-level field, without the fields that
// differ between two runs of one plan.
func planFields(p *planner.Plan) (map[string]json.RawMessage, error) {
	data, err := p.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	for _, volatile := range []string{"created_at", "arm_requests", "source", "read_path", "read_at"} {
		delete(m, volatile)
	}
	return m, nil
}

// planChanges takes the resource_changes out of a plan's fields, by
// address and in order.
func planChanges(fields map[string]json.RawMessage) (map[string][]byte, []string, error) {
	var changes []json.RawMessage
	if raw, ok := fields["resource_changes"]; ok && !bytes.Equal(raw, []byte("null")) {
		if err := json.Unmarshal(raw, &changes); err != nil {
			return nil, nil, err
		}
	}
	delete(fields, "resource_changes")
	byAddr := map[string][]byte{}
	order := make([]string, 0, len(changes))
	for i, c := range changes {
		var head struct {
			Address string `json:"address"`
		}
		if err := json.Unmarshal(c, &head); err != nil {
			return nil, nil, fmt.Errorf("change %d: %w", i, err)
		}
		byAddr[head.Address] = c
		order = append(order, head.Address)
	}
	return byAddr, order, nil
}

// allowingFlags names the apply options that could have let a plan hold the
// change at addr, from its action as the saved plan states it.
func allowingFlags(p *planner.Plan, addr string) []string {
	for _, c := range p.Changes {
		if string(c.Address) != addr {
			continue
		}
		switch c.Action {
		case planner.Delete:
			return []string{"--prune", "--allow-mass-delete"}
		case planner.Replace:
			return []string{"--allow-replace"}
		case planner.Adopt:
			return []string{"--adopt"}
		}
	}
	return nil
}

func list(items []string) string {
	sort.Strings(items)
	if len(items) > 5 {
		return strings.Join(items[:5], ", ") + fmt.Sprintf(" and %d more", len(items)-5)
	}
	return strings.Join(items, ", ")
}

package emulator

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
)

const roleAssignmentType = "Microsoft.Authorization/roleAssignments"

// tenantID is the directory of the emulated estate.
const tenantID = "00000000-0000-0000-0000-000000000000"

var (
	guidRE    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	roleDefRE = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/providers/Microsoft\.Authorization/roleDefinitions/([0-9a-f-]{36})$|^/providers/Microsoft\.Authorization/roleDefinitions/([0-9a-f-]{36})$`)
)

var principalTypes = []string{"User", "Group", "ServicePrincipal", "ForeignGroup", "Device"}

// scopeExists reports whether an assignment scope names an existing
// resource: a subscription, resource group, gallery or image definition.
func (s *Server) scopeExists(scope string) bool {
	parts := strings.Split(strings.Trim(scope, "/"), "/")
	if len(parts) == 2 && strings.EqualFold(parts[0], "subscriptions") {
		return true
	}
	return s.st.Resources[strings.ToLower(scope)] != nil
}

func roleAssignmentKey(scope, name string) string {
	return strings.ToLower(strings.TrimRight(scope, "/") + "/providers/Microsoft.Authorization/roleAssignments/" + name)
}

func (s *Server) serveRoleAssignment(w http.ResponseWriter, r *http.Request, scope, name string) *armError {
	key := roleAssignmentKey(scope, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	existing := s.st.Resources[key]
	switch r.Method {
	case http.MethodGet:
		if existing == nil {
			return errorf(http.StatusNotFound, "RoleAssignmentNotFound", "The role assignment '%s' is not found.", name)
		}
		writeJSON(w, http.StatusOK, shapeRoleAssignment(r, existing.Body))
		return nil
	case http.MethodDelete:
		if existing == nil {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		s.st.deleteResource(key)
		if e := s.save(); e != nil {
			return e
		}
		writeJSON(w, http.StatusOK, shapeRoleAssignment(r, existing.Body))
		return nil
	case http.MethodPut:
	default:
		return methodNotAllowed(r)
	}
	if !guidRE.MatchString(name) {
		return errorf(http.StatusBadRequest, "InvalidRoleAssignmentId", "The role assignment ID '%s' is not valid. The role assignment ID must be a GUID.", name)
	}
	var body struct {
		Properties struct {
			RoleDefinitionID string `json:"roleDefinitionId"`
			PrincipalID      string `json:"principalId"`
			PrincipalType    string `json:"principalType"`
			Description      string `json:"description"`
		} `json:"properties"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return errorf(http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: %v", err)
	}
	p := body.Properties
	m := roleDefRE.FindStringSubmatch(p.RoleDefinitionID)
	if m == nil {
		return errorf(http.StatusBadRequest, "InvalidRoleDefinitionId", "The role definition ID '%s' is not valid.", p.RoleDefinitionID)
	}
	roleGUID := strings.ToLower(m[1] + m[2])
	if !guidRE.MatchString(p.PrincipalID) {
		return errorf(http.StatusBadRequest, "InvalidPrincipalId", "A valid principal ID must be provided for role assignment.")
	}
	if p.PrincipalType == "" {
		// A principal created moments ago may not have replicated to
		// every directory replica yet; ARM tolerates that only when the
		// caller names the principal's type.
		if s.fault.principalNotYetReplicated(p.PrincipalID) {
			return errorf(http.StatusBadRequest, "PrincipalNotFound", "Principal %s does not exist in the directory %s. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype", strings.ReplaceAll(p.PrincipalID, "-", ""), tenantID)
		}
		p.PrincipalType = "User"
	}
	if !oneOf(p.PrincipalType, principalTypes) {
		return errorf(http.StatusBadRequest, "InvalidParameter", "The principal type '%s' is not valid.", p.PrincipalType)
	}
	if !s.scopeExists(scope) {
		return errorf(http.StatusNotFound, "ResourceNotFound", "The scope '%s' does not exist.", scope)
	}
	for k := range s.st.keysOfType(roleAssignmentType) {
		if k == key {
			continue
		}
		o := s.st.Resources[k]
		op := props(o)
		if strings.EqualFold(str(op["scope"]), scope) && strings.EqualFold(str(op["principalId"]), p.PrincipalID) &&
			strings.HasSuffix(strings.ToLower(str(op["roleDefinitionId"])), roleGUID) {
			return errorf(http.StatusConflict, "RoleAssignmentExists", "The role assignment already exists. The ID of the existing role assignment is %s.", lastSeg(o.ID))
		}
	}
	if existing != nil {
		ep := props(existing)
		if !strings.EqualFold(str(ep["principalId"]), p.PrincipalID) || !strings.HasSuffix(strings.ToLower(str(ep["roleDefinitionId"])), roleGUID) {
			return errorf(http.StatusBadRequest, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
		}
		return errorf(http.StatusConflict, "RoleAssignmentExists", "The role assignment already exists.")
	}
	sub := subscriptionOf(strings.ToLower(scope))
	if sub == "" {
		sub = "00000000-0000-0000-0000-000000000000"
	}
	now := s.opts.Now().UTC().Format(time.RFC3339Nano)
	id := strings.TrimRight(scope, "/") + "/providers/Microsoft.Authorization/roleAssignments/" + name
	res := &resource{ID: id, Type: roleAssignmentType, Body: map[string]any{
		"id": id, "name": name, "type": roleAssignmentType,
		"properties": map[string]any{
			"roleDefinitionId": "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + roleGUID,
			"principalId":      p.PrincipalID,
			"principalType":    p.PrincipalType,
			"scope":            scope,
			"description":      p.Description,
			"createdOn":        now,
			"updatedOn":        now,
		},
	}}
	s.st.putResource(key, res)
	if e := s.save(); e != nil {
		return e
	}
	writeJSON(w, http.StatusCreated, shapeRoleAssignment(r, res.Body))
	return nil
}

// shapeRoleAssignment returns an assignment as the request's api-version
// returns it: 2015-07-01 knows only scope, roleDefinitionId and
// principalId.
func shapeRoleAssignment(r *http.Request, body map[string]any) map[string]any {
	if v := r.URL.Query().Get("api-version"); v == "" || apiAtLeast(v, "2018-01-01-preview") {
		return body
	}
	out := make(map[string]any, len(body))
	for k, v := range body {
		out[k] = v
	}
	p, _ := body["properties"].(map[string]any)
	out["properties"] = map[string]any{"scope": p["scope"], "roleDefinitionId": p["roleDefinitionId"], "principalId": p["principalId"]}
	return out
}

// listRoleAssignments lists the assignments that apply at scope. With
// $filter=atScope() only those at the scope or above it; without a filter,
// also those below it (as ARM's list-for-scope does).
func (s *Server) listRoleAssignments(w http.ResponseWriter, r *http.Request, scope string) *armError {
	filter := r.URL.Query().Get("$filter")
	atScope := strings.Contains(strings.ToLower(filter), "atscope()")
	if filter != "" && !atScope && !strings.HasPrefix(strings.ToLower(filter), "principalid") {
		return errorf(http.StatusBadRequest, "UnsupportedQuery", "The filter '%s' is not supported.", filter)
	}
	var principal string
	if strings.HasPrefix(strings.ToLower(filter), "principalid") {
		principal = strings.Trim(strings.TrimSpace(filter[strings.Index(filter, "eq")+2:]), "' ")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.scopeExists(scope) {
		return errorf(http.StatusNotFound, "ResourceNotFound", "The scope '%s' does not exist.", scope)
	}
	ls := strings.ToLower(strings.TrimRight(scope, "/"))
	var items []map[string]any
	for k := range s.st.keysOfType(roleAssignmentType) {
		o := s.st.Resources[k]
		as := strings.ToLower(str(props(o)["scope"]))
		above := ls == as || strings.HasPrefix(ls, as+"/")
		below := strings.HasPrefix(as, ls+"/")
		if !(above || (!atScope && below)) {
			continue
		}
		if principal != "" && !strings.EqualFold(principal, str(props(o)["principalId"])) {
			continue
		}
		items = append(items, shapeRoleAssignment(r, o.Body))
	}
	s.page(w, r, items)
	return nil
}

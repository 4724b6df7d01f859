package emulator

import (
	"net/http"
	"sort"
	"strings"
)

// roleDefinition is a built-in role: its actions, notActions and
// dataActions exactly as Microsoft documents them ("Azure built-in roles",
// learn.microsoft.com/azure/role-based-access-control/built-in-roles:
// the Privileged, General and Compute categories).
type roleDefinition struct {
	GUID, Name, Description          string
	Actions, NotActions, DataActions []string
}

var builtinRoles = []roleDefinition{
	{GUID: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", Name: "Owner",
		Description: "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
		Actions:     []string{"*"}},
	{GUID: "b24988ac-6180-42a0-ab88-20f7382dd24c", Name: "Contributor",
		Description: "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
		Actions:     []string{"*"},
		NotActions: []string{
			"Microsoft.Authorization/*/Delete",
			"Microsoft.Authorization/*/Write",
			"Microsoft.Authorization/elevateAccess/Action",
			"Microsoft.Blueprint/blueprintAssignments/write",
			"Microsoft.Blueprint/blueprintAssignments/delete",
			"Microsoft.Compute/galleries/share/action",
			"Microsoft.Purview/consents/write",
			"Microsoft.Purview/consents/delete",
			"Microsoft.Resources/deploymentStacks/manageDenySetting/action",
			"Microsoft.Subscription/cancel/action",
			"Microsoft.Subscription/enable/action",
		}},
	{GUID: "acdd72a7-3385-48ef-bd42-f606fba81ae7", Name: "Reader",
		Description: "View all resources, but does not allow you to make any changes.",
		Actions:     []string{"*/read"}},
	{GUID: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", Name: "User Access Administrator",
		Description: "Lets you manage user access to Azure resources.",
		Actions:     []string{"*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"}},
	{GUID: "1ef6a3be-d0ac-425d-8c01-acb62866290b", Name: "Compute Gallery Sharing Admin",
		Description: "This role allows user to share gallery to another subscription/tenant or share it to the public.",
		Actions:     []string{"Microsoft.Compute/galleries/share/action"}},
	{GUID: "cf7c76d2-98a3-4358-a134-615aa78bf44d", Name: "Compute Gallery Image Reader",
		Description: "This is the role for reading gallery images.",
		Actions:     []string{"Microsoft.Compute/galleries/images/read", "Microsoft.Compute/galleries/images/versions/read"}},
	{GUID: "85a2d0d9-2eba-4c9c-b355-11c2cc0788ab", Name: "Compute Gallery Artifacts Publisher",
		Description: "This is the role for publishing gallery artifacts.",
		Actions: []string{
			"Microsoft.Compute/galleries/*",
			"Microsoft.Compute/locations/capsOperations/read",
			"Microsoft.Compute/locations/communityGalleries/*",
			"Microsoft.Compute/locations/sharedGalleries/*",
			"Microsoft.Compute/images/*",
			"Microsoft.Compute/virtualMachines/write",
			"Microsoft.Compute/disks/write",
			"Microsoft.Authorization/*/read",
			"Microsoft.Insights/alertRules/*",
			"Microsoft.Resources/deployments/*",
			"Microsoft.Resources/subscriptions/resourceGroups/read",
		},
		NotActions: []string{"Microsoft.Compute/galleries/share/action"}},
}

func builtinRole(guid string) *roleDefinition {
	for i := range builtinRoles {
		if strings.EqualFold(builtinRoles[i].GUID, guid) {
			return &builtinRoles[i]
		}
	}
	return nil
}

// permits reports whether the role grants action: an action pattern
// matches and no notActions pattern does.
func (d *roleDefinition) permits(action string) bool {
	granted := false
	for _, a := range d.Actions {
		if matchAction(a, action) {
			granted = true
			break
		}
	}
	if !granted {
		return false
	}
	for _, n := range d.NotActions {
		if matchAction(n, action) {
			return false
		}
	}
	return true
}

// matchAction matches an operation against a role's pattern, where '*'
// stands for any run of characters; case is ignored, as ARM does.
func matchAction(pattern, action string) bool {
	p, a := strings.ToLower(pattern), strings.ToLower(action)
	for {
		i := strings.IndexByte(p, '*')
		if i < 0 {
			return p == a
		}
		if !strings.HasPrefix(a, p[:i]) {
			return false
		}
		a, p = a[i:], p[i+1:]
		if p == "" {
			return true
		}
		// The '*' takes the shortest run after which the rest matches.
		for j := 0; j <= len(a); j++ {
			if matchAction(p, a[j:]) {
				return true
			}
		}
		return false
	}
}

func (d *roleDefinition) body(scope string) map[string]any {
	// A built-in role's ID is at the subscription of the scope it is read
	// at (or at the root), whatever scope lists it, as ARM returns it.
	id := "/providers/Microsoft.Authorization/roleDefinitions/" + d.GUID
	if parts := strings.Split(strings.Trim(scope, "/"), "/"); len(parts) >= 2 && strings.EqualFold(parts[0], "subscriptions") {
		id = "/subscriptions/" + parts[1] + id
	}
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return map[string]any{
		"id": id, "name": d.GUID, "type": "Microsoft.Authorization/roleDefinitions",
		"properties": map[string]any{
			"roleName": d.Name, "type": "BuiltInRole", "description": d.Description,
			"assignableScopes": []string{"/"},
			"permissions": []any{map[string]any{
				"actions": nonNil(d.Actions), "notActions": nonNil(d.NotActions),
				"dataActions": nonNil(d.DataActions), "notDataActions": []string{},
			}},
		},
	}
}

// serveRoleDefinitions answers GET of a built-in role definition, or the
// list of them (with $filter=roleName eq '…').
func (s *Server) serveRoleDefinitions(w http.ResponseWriter, r *http.Request, scope, guid string) *armError {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	if guid != "" {
		d := builtinRole(guid)
		if d == nil {
			return errorf(http.StatusNotFound, "RoleDefinitionDoesNotExist", "The specified role definition with ID '%s' does not exist.", guid)
		}
		writeJSON(w, http.StatusOK, d.body(scope))
		return nil
	}
	var name string
	if f := r.URL.Query().Get("$filter"); f != "" {
		k, v, ok := strings.Cut(f, " eq ")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "roleName") {
			return errorf(http.StatusBadRequest, "UnsupportedQuery", "The filter '%s' is not supported. Use roleName eq '<name>'.", f)
		}
		name = strings.Trim(strings.TrimSpace(v), "'")
	}
	var items []map[string]any
	for i := range builtinRoles {
		if name == "" || strings.EqualFold(builtinRoles[i].Name, name) {
			items = append(items, builtinRoles[i].body(scope))
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i]["name"].(string) < items[j]["name"].(string) })
	s.page(w, r, items)
	return nil
}

package emulator

import (
	"net/http"
	"slices"
	"sort"
	"strings"
)

// Subscriptions, tenants and resource groups as Resource Manager serves
// them (Microsoft.Resources): what the az CLI reads at login (GET
// /subscriptions, GET /tenants) and calls in `az group`, and what SDKs'
// subscription clients list.

// defaultSubscription is the local estate's subscription when nothing names
// another (model.DefaultSubscription).
const defaultSubscription = "00000000-0000-0000-0000-000000000000"

// The api-versions of Microsoft.Resources that the emulator accepts: the
// stable versions of subscriptions.json (subscriptions, tenants) and of
// resources.json (resource groups) in Azure/azure-rest-api-specs
// (specification/resources/resource-manager/Microsoft.Resources/stable/…,
// as the package tags of specification/resources/resource-manager/readme.md
// list them). 2016-06-01 is the oldest that a client sends: the az CLI's
// Azure Stack profiles (azure/cli/core/profiles/_shared.py) list
// subscriptions with it.
var (
	subscriptionsAPIVersions = []string{
		"2016-06-01", "2018-06-01", "2019-06-01", "2019-11-01", "2020-01-01",
		"2021-01-01", "2022-12-01",
	}
	resourcesAPIVersions = []string{
		"2016-07-01", "2016-09-01", "2017-05-10", "2018-02-01", "2018-05-01",
		"2019-03-01", "2019-05-01", "2019-05-10", "2019-07-01", "2019-08-01",
		"2019-10-01", "2020-06-01", "2020-08-01", "2020-10-01", "2021-01-01",
		"2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01",
		"2024-11-01", "2025-03-01", "2025-04-01",
	}
)

// resourcesAPIVersionsFor returns the api-versions of the Microsoft.Resources
// path segs addresses: subscriptions and tenants, or resource groups.
func resourcesAPIVersionsFor(segs []string) []string {
	if len(segs) <= 2 {
		return subscriptionsAPIVersions
	}
	return resourcesAPIVersions
}

// route of the Microsoft.Resources paths: /subscriptions, /tenants,
// /subscriptions/{id}, /subscriptions/{id}/resourcegroups. ok is false
// for other paths.
func (s *Server) routeResources(w http.ResponseWriter, r *http.Request, low []string) (e *armError, ok bool) {
	switch {
	case len(low) == 1 && low[0] == "subscriptions":
		ok = true
	case len(low) == 1 && low[0] == "tenants":
		if r.Method != http.MethodGet {
			return methodNotAllowed(r), true
		}
		s.page(w, r, []map[string]any{{
			"id": "/tenants/" + tenantID, "tenantId": tenantID,
			"tenantCategory": "Home", "displayName": "curator emulator",
			"defaultDomain": "curator.localhost", "domains": []string{"curator.localhost"},
			"tenantType": "AAD", "countryCode": "US",
		}})
		return nil, true
	case len(low) == 2 && low[0] == "subscriptions":
		ok = true
	case len(low) == 3 && low[0] == "subscriptions" && low[2] == "resourcegroups":
		if r.Method != http.MethodGet {
			return methodNotAllowed(r), true
		}
		return s.listResourceGroups(w, r, low[1]), true
	default:
		return nil, false
	}
	if r.Method != http.MethodGet {
		return methodNotAllowed(r), true
	}
	subs := s.visibleSubscriptions(principalOf(r))
	if len(low) == 1 {
		items := make([]map[string]any, len(subs))
		for i, id := range subs {
			items[i] = subscriptionBody(id)
		}
		s.page(w, r, items)
		return nil, true
	}
	if !slices.Contains(subs, low[1]) {
		return errorf(http.StatusNotFound, "SubscriptionNotFound", "The subscription '%s' could not be found.", low[1]), true
	}
	writeJSON(w, http.StatusOK, subscriptionBody(low[1]))
	return nil, true
}

// subscriptionBody is a subscription as GET /subscriptions answers it
// (the 2022-12-01 example GetSubscriptions.json's properties).
func subscriptionBody(id string) map[string]any {
	name := "curator emulator"
	if id != defaultSubscription {
		name = "curator emulator " + id
	}
	return map[string]any{
		"id": "/subscriptions/" + id, "subscriptionId": id, "tenantId": tenantID,
		"displayName": name, "state": "Enabled", "authorizationSource": "RoleBased",
		"managedByTenants": []any{},
		"subscriptionPolicies": map[string]any{
			"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off",
		},
	}
}

// visibleSubscriptions are the subscriptions principal can see, in lower
// case and sorted: for the owner, the default subscription and every one
// the estate holds resources or role assignments in; for another
// principal, those in which it has a role assignment (at the subscription
// or below it), as Resource Manager lists them.
func (s *Server) visibleSubscriptions(principal string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	if principal == "" {
		seen[defaultSubscription] = true
	}
	for key, res := range s.st.Resources {
		if principal == "" {
			if sub := subscriptionOf(key); sub != "" {
				seen[sub] = true
			}
			continue
		}
		if res.Type != roleAssignmentType {
			continue
		}
		p := props(res)
		if !strings.EqualFold(str(p["principalId"]), principal) {
			continue
		}
		if sub := subscriptionOf(strings.ToLower(str(p["scope"]))); sub != "" {
			seen[sub] = true
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// listResourceGroups lists the subscription's resource groups that the
// caller may read (Resource Manager filters the list; it does not refuse
// it).
func (s *Server) listResourceGroups(w http.ResponseWriter, r *http.Request, sub string) *armError {
	principal := principalOf(r)
	prefix := "/subscriptions/" + strings.ToLower(sub) + "/resourcegroups/"
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []map[string]any
	for key, res := range s.st.Resources {
		if !strings.HasPrefix(key, prefix) || strings.Contains(key[len(prefix):], "/") {
			continue
		}
		if principal != "" && !s.granted(principal, permission{"Microsoft.Resources/subscriptions/resourceGroups/read", res.ID}) {
			continue
		}
		items = append(items, res.Body)
	}
	s.page(w, r, items)
	return nil
}

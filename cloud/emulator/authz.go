package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// Identities. A bearer token is an unsigned JWT (header.payload.signature,
// base64url) whose "oid" claim names the calling principal, as Entra ID's
// access tokens do. The emulator verifies no signature: it is a local
// estate, and what it proves is what a principal may do, not who it is. A
// token without "oid", or one that is not a JWT at all, is the estate's
// owner, who may do everything (so a plain static token keeps working).

// principalOf returns the caller's object ID, or "" for the estate's owner.
func principalOf(r *http.Request) string {
	tok := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		OID string `json:"oid"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.OID
}

// Token returns an unsigned JWT naming principal (an object ID) as the
// caller, for tests and for `curator emulator token`. An empty principal
// gives the estate owner's token.
func Token(principal string) string {
	claims := map[string]any{
		"aud": "https://management.azure.com/",
		"iss": "https://sts.windows.net/" + tenantID + "/",
		"tid": tenantID,
	}
	if principal != "" {
		claims["oid"] = principal
		claims["sub"] = principal
	}
	return jwt(claims)
}

// permission is what a request needs: an operation (ARM's action name) at
// a scope (the resource ID the request addresses).
type permission struct {
	Action, Scope string
}

// permissionFor classifies a request the way ARM authorizes it before the
// resource provider sees it. ok is false for requests that need no
// permission beyond authentication (polls of an operation's status) or
// that address nothing the emulator serves (they get their 404 from route).
func permissionFor(r *http.Request, segs []string) (permission, bool) {
	low := make([]string, len(segs))
	for i, p := range segs {
		low[i] = strings.ToLower(p)
	}
	verb := map[string]string{http.MethodGet: "read", http.MethodHead: "read", http.MethodPut: "write", http.MethodPatch: "write", http.MethodDelete: "delete"}[r.Method]
	join := func(n int) string { return "/" + strings.Join(segs[:n], "/") }
	for i := 0; i+2 < len(low); i++ {
		if low[i] == "providers" && low[i+1] == "microsoft.authorization" {
			scope := join(i)
			if scope == "/" || len(segs) > i+3 {
				scope = join(len(segs))
			}
			switch low[i+2] {
			case "roleassignments":
				return permission{"Microsoft.Authorization/roleAssignments/" + verb, scope}, verb != ""
			case "roledefinitions":
				return permission{"Microsoft.Authorization/roleDefinitions/" + verb, scope}, verb != ""
			}
			return permission{}, false
		}
	}
	if len(low) < 2 || low[0] != "subscriptions" || verb == "" && r.Method != http.MethodPost {
		return permission{}, false
	}
	rest := low[2:]
	switch {
	case len(rest) == 3 && rest[0] == "providers" && rest[1] == "microsoft.compute" && rest[2] == "galleries":
		return permission{"Microsoft.Compute/galleries/read", join(2)}, verb == "read"
	case len(rest) == 2 && rest[0] == "resourcegroups":
		return permission{"Microsoft.Resources/subscriptions/resourceGroups/" + verb, join(len(segs))}, verb != ""
	case len(rest) < 5 || rest[0] != "resourcegroups" || rest[2] != "providers" || rest[3] != "microsoft.compute" || rest[4] != "galleries":
		return permission{}, false
	}
	gal := rest[5:]
	n := 7 // segments up to and including "galleries"
	switch {
	case len(gal) == 0:
		return permission{"Microsoft.Compute/galleries/read", join(n - 3)}, verb == "read"
	case len(gal) == 1:
		return permission{"Microsoft.Compute/galleries/" + verb, join(n + 1)}, verb != ""
	case len(gal) == 2 && gal[1] == "share":
		return permission{"Microsoft.Compute/galleries/share/action", join(n + 1)}, r.Method == http.MethodPost
	case len(gal) == 2 && gal[1] == "images":
		return permission{"Microsoft.Compute/galleries/images/read", join(n + 1)}, verb == "read"
	case len(gal) == 3 && gal[1] == "images":
		return permission{"Microsoft.Compute/galleries/images/" + verb, join(n + 3)}, verb != ""
	case len(gal) == 4 && gal[1] == "images" && gal[3] == "versions":
		return permission{"Microsoft.Compute/galleries/images/versions/read", join(n + 3)}, verb == "read"
	case len(gal) == 5 && gal[1] == "images" && gal[3] == "versions":
		return permission{"Microsoft.Compute/galleries/images/versions/" + verb, join(n + 5)}, verb != ""
	}
	return permission{}, false
}

// authorize checks that principal may perform p: one of its role
// assignments at p.Scope or above grants the action (its role's actions
// match and none of its notActions do). The estate owner may do anything.
func (s *Server) authorize(principal string, p permission) *armError {
	if principal == "" {
		return nil
	}
	s.mu.Lock()
	granted := s.granted(principal, p)
	s.mu.Unlock()
	if granted {
		return nil
	}
	return errorf(http.StatusForbidden, "AuthorizationFailed", "The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.", principal, principal, p.Action, p.Scope)
}

// granted reports whether an assignment of principal at p.Scope or above
// grants p.Action. s.mu is held.
func (s *Server) granted(principal string, p permission) bool {
	scope := strings.ToLower(strings.TrimRight(p.Scope, "/"))
	for k := range s.st.keysOfType(roleAssignmentType) {
		ap := props(s.st.Resources[k])
		if !strings.EqualFold(str(ap["principalId"]), principal) {
			continue
		}
		as := strings.ToLower(strings.TrimRight(str(ap["scope"]), "/"))
		if as != "" && as != scope && !strings.HasPrefix(scope, as+"/") {
			continue
		}
		if d := builtinRole(lastSeg(str(ap["roleDefinitionId"]))); d != nil && d.permits(p.Action) {
			return true
		}
	}
	return false
}

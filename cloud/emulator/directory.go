package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The local cloud's directory: what a client needs before it has a token.
//
//   - GET /metadata/endpoints — the endpoint document Resource Manager
//     serves, so that `az cloud register --endpoint-resource-manager URL`
//     (and an SDK's cloud discovery) learns the authority and audiences
//     from the emulator alone.
//   - /adfs/… — a token service with an AD FS-style authority, as Azure
//     Stack Hub clouds have: MSAL treats an authority whose first path
//     segment is "adfs" as known to the developer and calls no public
//     instance-discovery service (msal/authority.py: is_adfs). It issues
//     the unsigned JWTs the emulator reads (authz.go) to service
//     principals with the client-credentials grant.
//
// Neither needs a token, and neither reveals anything: the estate's
// secrets are not kept here, a client secret is not checked (the
// emulator proves what a principal may do, not who it is), and the
// emulator serves loopback only.

// OwnerID is the client (object) ID of the estate's owner: a token issued
// to it carries no oid claim, so it may do everything, as any token
// without one does.
const OwnerID = "00000000-0000-0000-0000-000000000001"

// TenantID is the emulated estate's directory (tenant).
const TenantID = tenantID

// tokenLifetime is how long an issued token is valid: an hour, as Entra ID
// issues access tokens to applications by default.
const tokenLifetime = time.Hour

// audiences are the resource identifiers tokens for Resource Manager are
// requested for: the public cloud's, so that a client configured for it
// asks for a token the emulator accepts (the emulator accepts any).
var audiences = []string{"https://management.core.windows.net/", "https://management.azure.com/"}

// serveDirectory answers the cloud metadata and token service paths, which
// need no token. It reports whether it handled the request.
func (s *Server) serveDirectory(w http.ResponseWriter, r *http.Request) bool {
	segs := splitPath(r.URL.Path) // a leading "//" (az with an endpoint ending in "/") is one more empty segment
	switch {
	case len(segs) == 2 && strings.EqualFold(segs[0], "metadata") && strings.EqualFold(segs[1], "endpoints"):
		s.countRequest(r.Method + " metadata")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, methodNotAllowed(r))
			return true
		}
		writeJSON(w, http.StatusOK, s.cloudMetadata(r))
		return true
	case len(segs) >= 1 && strings.EqualFold(segs[0], "adfs"):
		s.countRequest(r.Method + " token")
		s.serveTokenService(w, r, strings.ToLower(strings.Join(segs[1:], "/")))
		return true
	}
	return false
}

func (s *Server) countRequest(key string) {
	s.mu.Lock()
	s.stats[key]++
	s.mu.Unlock()
}

// cloudMetadata is the endpoint document of this cloud, in the shape the
// caller's api-version has: before 2019-05-01 one object (the 2015-01-01
// document that msrestazure's _populate_from_metadata_endpoint reads, as
// `az cloud register` sends it), from 2019-05-01 on a list of clouds (the
// document azure-cli-core's cloud.py _arm_to_cli_mapper reads).
func (s *Server) cloudMetadata(r *http.Request) any {
	base := s.baseURL(r)
	auth := map[string]any{
		"loginEndpoint":    base + "/adfs",
		"audiences":        audiences,
		"tenant":           "adfs",
		"identityProvider": "ADFS",
	}
	if v := r.URL.Query().Get("api-version"); v == "" || v < "2019-05-01" {
		return map[string]any{
			"galleryEndpoint": base + "/",
			"graphEndpoint":   base + "/",
			"portalEndpoint":  base + "/",
			"authentication":  auth,
		}
	}
	return []any{map[string]any{
		"name":            "CuratorEmulator",
		"resourceManager": base + "/",
		"authentication":  auth,
		"portal":          base + "/",
		"gallery":         base + "/",
		// Graph is not emulated; clients that insist on a Graph endpoint
		// (the az CLI does, at registration) are given the emulator's,
		// which answers 404 to Graph calls.
		"graph":                    base + "/",
		"graphAudience":            base + "/",
		"microsoftGraphResourceId": base + "/",
		"suffixes":                 map[string]any{},
	}}
}

// serveTokenService serves the AD FS-style authority at /adfs: its OpenID
// configuration, its (empty) signing keys, and its token endpoint.
func (s *Server) serveTokenService(w http.ResponseWriter, r *http.Request, path string) {
	base := s.baseURL(r) + "/adfs"
	switch path {
	case ".well-known/openid-configuration":
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                base,
			"authorization_endpoint":                base + "/oauth2/authorize",
			"token_endpoint":                        base + "/oauth2/token",
			"jwks_uri":                              base + "/discovery/keys",
			"response_types_supported":              []string{"token"},
			"grant_types_supported":                 []string{"client_credentials"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic", "private_key_jwt"},
			"subject_types_supported":               []string{"pairwise"},
			// The tokens are not signed: the emulator reads them, nothing
			// verifies them.
			"id_token_signing_alg_values_supported": []string{"none"},
			"scopes_supported":                      []string{"openid"},
		})
	case "discovery/keys":
		writeJSON(w, http.StatusOK, map[string]any{"keys": []any{}})
	case "oauth2/token":
		s.serveToken(w, r, base)
	case "oauth2/authorize", "oauth2/devicecode":
		oauthError(w, http.StatusBadRequest, "unsupported_response_type", "The emulator's token service signs in service principals only (the client credentials grant): log in with a client ID (the principal's object ID) and any secret, e.g. az login --service-principal -u <object id> -p <anything> --tenant "+tenantID+".")
	default:
		oauthError(w, http.StatusNotFound, "invalid_request", "The token service has no endpoint /adfs/"+path+"; its OpenID configuration is at /adfs/.well-known/openid-configuration.")
	}
}

// serveToken is the token endpoint: the client-credentials grant, with a
// client secret (in the form or HTTP Basic) or a client assertion (a
// certificate's JWT, whose signature is not checked).
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, issuer string) {
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "The token endpoint accepts POST only.")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request body must be application/x-www-form-urlencoded: "+err.Error())
		return
	}
	f := r.PostForm
	if gt := f.Get("grant_type"); gt != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "The grant type '"+gt+"' is not supported: the emulator's token service issues tokens to service principals with grant_type=client_credentials.")
		return
	}
	client, secret, basic := r.BasicAuth()
	if !basic {
		client, secret = f.Get("client_id"), f.Get("client_secret")
	}
	if secret == "" && f.Get("client_assertion") != "" {
		if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.")
			return
		}
		secret = f.Get("client_assertion")
	}
	if !guidRE.MatchString(client) {
		oauthError(w, http.StatusBadRequest, "invalid_client", "client_id '"+client+"' is not an object ID: the client ID is the principal's object ID (a GUID), or "+OwnerID+" for the estate's owner.")
		return
	}
	if secret == "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The request has no client credential: send a client_secret (any value) or a client_assertion.")
		return
	}
	aud := audiences[0]
	if res := f.Get("resource"); res != "" {
		aud = res
	} else if sc := f.Get("scope"); sc != "" {
		for _, one := range strings.Fields(sc) {
			if strings.HasSuffix(one, "/.default") {
				// The resource is what precedes "/.default", as Entra ID
				// reads a scope.
				aud = strings.TrimSuffix(one, "/.default")
				break
			}
		}
	}
	now := s.opts.Now().UTC()
	principal := strings.ToLower(client)
	if principal == OwnerID {
		principal = ""
	}
	tok := issueToken(principal, client, aud, issuer, now, tokenLifetime)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	body := map[string]any{
		"token_type":     "Bearer",
		"access_token":   tok,
		"expires_in":     int(tokenLifetime.Seconds()),
		"ext_expires_in": int(tokenLifetime.Seconds()),
	}
	if f.Get("resource") != "" {
		body["resource"] = aud
		body["expires_on"] = strconv.FormatInt(now.Add(tokenLifetime).Unix(), 10)
	}
	writeJSON(w, http.StatusOK, body)
}

// oauthError writes an OAuth 2.0 error response (RFC 6749 §5.2).
func oauthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]any{"error": code, "error_description": description})
}

// issueToken is an access token for principal ("" for the owner) issued to
// client: Token's claims plus the audience asked for, the issuer, the
// application, and its validity (iat, nbf, exp).
func issueToken(principal, client, aud, issuer string, now time.Time, life time.Duration) string {
	claims := map[string]any{
		"aud":   aud,
		"iss":   issuer,
		"tid":   tenantID,
		"appid": strings.ToLower(client),
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(life).Unix(),
		"ver":   "1.0",
	}
	if principal != "" {
		claims["oid"] = principal
		claims["sub"] = principal
	}
	return jwt(claims)
}

// jwt encodes claims as an unsigned JWT (alg "none", empty signature).
func jwt(claims map[string]any) string {
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(claims)
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + "."
}

// tokenExpired reports whether the request's bearer token is a JWT whose
// exp claim has passed. Tokens without exp (Token's, static strings) do
// not expire.
func tokenExpired(r *http.Request, now time.Time) bool {
	tok := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil {
		return false
	}
	exp, err := claims.Exp.Int64()
	return err == nil && now.Unix() >= exp
}

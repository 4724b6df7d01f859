package emulator

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// serveShare implements POST …/galleries/{g}/share: the gallery sharing
// profile update (Add, Remove, Reset, EnableCommunity).
func (s *Server) serveShare(w http.ResponseWriter, r *http.Request, base, gallery string) *armError {
	if r.Method != http.MethodPost {
		return methodNotAllowed(r)
	}
	var body struct {
		OperationType string `json:"operationType"`
		Groups        []struct {
			Type string   `json:"type"`
			IDs  []string `json:"ids"`
		} `json:"groups"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return errorf(http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(computeID(base, kindGallery, []string{gallery}))
	res := s.st.Resources[key]
	if res == nil {
		return notFound(kindGallery, []string{gallery}, base)
	}
	p := props(res)
	sp, _ := p["sharingProfile"].(map[string]any)
	if sp == nil {
		sp = map[string]any{"permissions": "Private"}
	}
	groups := map[string]map[string]bool{"Subscriptions": {}, "AADTenants": {}}
	if gs, ok := sp["groups"].([]any); ok {
		for _, g := range gs {
			gm := g.(map[string]any)
			set := groups[str(gm["type"])]
			if set == nil {
				continue
			}
			for _, id := range gm["ids"].([]any) {
				set[strings.ToLower(str(id))] = true
			}
		}
	}
	switch strings.ToLower(body.OperationType) {
	case "add", "remove":
		if str(sp["permissions"]) == "Community" {
			return errorf(http.StatusConflict, "OperationNotAllowed", "Gallery '%s' is shared with the community; reset its sharing profile before sharing it with groups.", gallery)
		}
		for _, g := range body.Groups {
			set := groups[g.Type]
			if set == nil {
				return errorf(http.StatusBadRequest, "InvalidParameter", "The sharing group type '%s' is not valid. Allowed values are: Subscriptions, AADTenants.", g.Type)
			}
			for _, id := range g.IDs {
				if !guidRE.MatchString(id) {
					return errorf(http.StatusBadRequest, "InvalidParameter", "The sharing group id '%s' is not a GUID.", id)
				}
				set[strings.ToLower(id)] = strings.EqualFold(body.OperationType, "add")
			}
		}
	case "reset":
		groups = map[string]map[string]bool{"Subscriptions": {}, "AADTenants": {}}
		sp = map[string]any{"permissions": "Private"}
	case "enablecommunity":
		// Only a gallery created as a community gallery goes public
		// ("For a gallery to be shared publicly, it needs to be created
		// as a community gallery"; an existing private gallery cannot be
		// converted).
		if str(sp["permissions"]) != "Community" {
			return errorf(http.StatusConflict, "OperationNotAllowed", "Gallery '%s' was not created as a community gallery (sharingProfile.permissions is '%s'); an existing gallery cannot be converted to a community gallery: create a gallery with sharingProfile.permissions 'Community' and its communityGalleryInfo.", gallery, orDefault(str(sp["permissions"]), "Private"))
		}
		sp["permissions"] = "Community"
		groups = map[string]map[string]bool{"Subscriptions": {}, "AADTenants": {}}
		if ci, ok := p["sharingProfile"].(map[string]any); ok {
			if info, ok := ci["communityGalleryInfo"]; ok {
				sp["communityGalleryInfo"] = info
			}
		}
	default:
		return errorf(http.StatusBadRequest, "InvalidParameter", "The value '%s' of parameter 'operationType' is not allowed. Allowed values are: Add, Remove, Reset, EnableCommunity.", body.OperationType)
	}
	if op := strings.ToLower(body.OperationType); op == "add" || op == "remove" {
		count := func(t string) int {
			n := 0
			for _, in := range groups[t] {
				if in {
					n++
				}
			}
			return n
		}
		if e := checkSharingGroups(gallery, str(sp["permissions"]), count("Subscriptions"), count("AADTenants")); e != nil {
			return e
		}
	}
	var out []any
	for _, t := range []string{"Subscriptions", "AADTenants"} {
		var ids []string
		for id, in := range groups[t] {
			if in {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		sort.Strings(ids)
		anyIDs := make([]any, len(ids))
		for i, id := range ids {
			anyIDs[i] = id
		}
		out = append(out, map[string]any{"type": t, "ids": anyIDs})
	}
	// A gallery created for direct sharing stays so when its last group is
	// removed; only Reset makes it private.
	if len(out) > 0 {
		sp["groups"] = out
	} else {
		delete(sp, "groups")
	}
	p["sharingProfile"] = sp
	s.st.putResource(key, res)
	op := s.newOperation(res, false)
	op.Resource = ""
	if e := s.save(); e != nil {
		return e
	}
	s.asyncHeaders(w, r, op, true)
	writeJSON(w, http.StatusAccepted, map[string]any{"operationType": body.OperationType, "groups": body.Groups})
	return nil
}

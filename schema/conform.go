package schema

import (
	"bytes"
	"encoding/json"
	"iter"
	"maps"
	"regexp"
	"slices"
)

// The fast path of Load. Most configurations are plain data (see
// plainJSON), and for plain data CUE's evaluation only answers one
// question: does this JSON satisfy #Config? conforms answers it in Go, from
// a mirror of curator.cue (configShape), without building a CUE instance.
//
// conforms never reports anything: it only decides "surely valid". When it
// is unsure — any field, type, value or shape it does not expect — Load
// takes the full CUE path, so that every diagnostic reads as before. The
// mirror may therefore be stricter than the schema (e.g. it refuses -0),
// never looser; TestShapeMirrorsSchema keeps it field for field with
// curator.cue, and FuzzFastPathSound checks that whatever it accepts CUE
// accepts too.
//
// The mirror is data, not Go structs decoded with DisallowUnknownFields:
// encoding/json matches field names case-insensitively (CUE does not) and
// decodes null into any field as "absent" (CUE rejects null where a bool
// or string is wanted).

// A shape is what the schema allows at one place of the configuration.
type shape struct {
	kind   shapeKind
	fields map[string]shapeField // kindStruct: a closed struct
	elem   *shape                // kindMap: [string]: elem; kindList: [...elem]
	enum   []string              // kindEnum: one of these strings
}

type shapeKind int

const (
	kindAny    shapeKind = iota // _: any value
	kindString                  // string
	kindBool                    // bool
	kindUint                    // int & >=0
	kindNumber                  // number & >=0
	kindEnum                    // "A" | "B" | …
	kindStruct                  // a closed struct of fields
	kindMap                     // [string]: elem
	kindList                    // [...elem]
)

// presence says whether a struct's field may be left out.
type presence int

const (
	optional  presence = iota // f?: T
	defaulted                 // f: *D | T: left out, the schema's default applies
	required                  // f: T: must be written
)

type shapeField struct {
	shape *shape
	presence
}

func opt(s *shape) shapeField { return shapeField{s, optional} }
func def(s *shape) shapeField { return shapeField{s, defaulted} }
func req(s *shape) shapeField { return shapeField{s, required} }

func closed(fields map[string]shapeField) *shape { return &shape{kind: kindStruct, fields: fields} }
func mapOf(elem *shape) *shape                   { return &shape{kind: kindMap, elem: elem} }
func listOf(elem *shape) *shape                  { return &shape{kind: kindList, elem: elem} }
func oneOf(values ...string) *shape              { return &shape{kind: kindEnum, enum: values} }

var (
	anyShape    = &shape{kind: kindAny}
	stringShape = &shape{kind: kindString}
	boolShape   = &shape{kind: kindBool}
	uintShape   = &shape{kind: kindUint}
	numberShape = &shape{kind: kindNumber}
)

// configShape mirrors #Config, and definitionShapes each definition of
// curator.cue, field by field.
var configShape, definitionShapes = mirror()

func mirror() (*shape, map[string]*shape) {
	lock := closed(map[string]shapeField{"blob": req(stringShape)})
	target := closed(map[string]shapeField{
		"local": opt(closed(map[string]shapeField{
			"endpoint":      opt(stringShape),
			"subscription":  opt(stringShape),
			"resourceGroup": opt(stringShape),
			"lock":          opt(lock),
		})),
		"azure": opt(closed(map[string]shapeField{
			"subscription":  req(stringShape),
			"resourceGroup": req(stringShape),
			"cloud":         opt(oneOf("AzurePublic", "AzureChina", "AzureGovernment")),
			"lock":          opt(lock),
			"read":          opt(oneOf("graph", "arm")),
		})),
	})
	tags := mapOf(stringShape)
	sharing := closed(map[string]shapeField{
		"permission":    req(oneOf("Private", "Groups", "Community")),
		"subscriptions": opt(listOf(stringShape)),
		"tenants":       opt(listOf(stringShape)),
		"community": opt(closed(map[string]shapeField{
			"publisherUri":   req(stringShape),
			"publisherEmail": req(stringShape),
			"eula":           req(stringShape),
			"prefix":         req(stringShape),
		})),
	})
	share := closed(map[string]shapeField{
		"principalId":   req(stringShape),
		"principalType": opt(oneOf("User", "Group", "ServicePrincipal", "ForeignGroup")),
		"role":          req(stringShape),
	})
	rng := closed(map[string]shapeField{"min": opt(uintShape), "max": opt(uintShape)})
	storage := stringShape
	replicas := anyShape
	encryption := closed(map[string]shapeField{
		"osDisk": opt(stringShape),
		"dataDisks": opt(listOf(closed(map[string]shapeField{
			"lun":               req(uintShape),
			"diskEncryptionSet": req(stringShape),
		}))),
		"confidentialVM":              opt(stringShape),
		"confidentialVMEncryptionSet": opt(stringShape),
	})
	regions := mapOf(closed(map[string]shapeField{
		"replicas":          opt(replicas),
		"storage":           opt(storage),
		"excludeFromLatest": opt(boolShape),
		"encryption":        opt(encryption),
	}))
	vhd := closed(map[string]shapeField{"uri": req(stringShape), "storageAccount": req(stringShape)})
	dataDisk := closed(map[string]shapeField{
		"lun":         req(uintShape),
		"snapshot":    opt(stringShape),
		"disk":        opt(stringShape),
		"vhd":         opt(vhd),
		"hostCaching": opt(stringShape),
	})
	version := closed(map[string]shapeField{
		"adopt":        opt(boolShape),
		"allowReplace": opt(boolShape),
		"source": opt(closed(map[string]shapeField{
			"managedImage":     opt(stringShape),
			"snapshot":         opt(stringShape),
			"disk":             opt(stringShape),
			"vhd":              opt(vhd),
			"virtualMachine":   opt(stringShape),
			"version":          opt(stringShape),
			"communityVersion": opt(stringShape),
			"hostCaching":      opt(stringShape),
			"dataDisks":        opt(listOf(dataDisk)),
		})),
		"location": opt(stringShape),
		"replicas": opt(replicas),
		"storage":  opt(storage),
		"regions":  opt(regions),
		"edgeZones": opt(mapOf(closed(map[string]shapeField{
			"region":     req(stringShape),
			"replicas":   opt(replicas),
			"storage":    opt(stringShape),
			"encryption": opt(encryption),
		}))),
		"replicationMode": opt(stringShape),
		"safety": opt(closed(map[string]shapeField{
			"allowDeletionOfReplicatedLocations": opt(boolShape),
			"blockDeletionBeforeEndOfLife":       opt(boolShape),
		})),
		"excludeFromLatest": opt(boolShape),
		"endOfLife":         opt(stringShape),
		"tags":              opt(tags),
		"sizeGB":            opt(numberShape),
		"shares":            opt(mapOf(share)),
	})
	image := closed(map[string]shapeField{
		"adopt":               opt(boolShape),
		"allowReplace":        opt(boolShape),
		"publisher":           req(stringShape),
		"offer":               req(stringShape),
		"sku":                 req(stringShape),
		"osType":              req(oneOf("Linux", "Windows")),
		"osState":             req(oneOf("Generalized", "Specialized")),
		"hyperVGeneration":    def(oneOf("V1", "V2")),
		"architecture":        opt(oneOf("x64", "Arm64")),
		"securityType":        opt(oneOf("TrustedLaunch", "TrustedLaunchSupported", "ConfidentialVM", "ConfidentialVmSupported", "TrustedLaunchAndConfidentialVmSupported")),
		"features":            opt(mapOf(stringShape)),
		"allowUpdateImage":    opt(boolShape),
		"description":         opt(stringShape),
		"eula":                opt(stringShape),
		"privacyStatementUri": opt(stringShape),
		"releaseNoteUri":      opt(stringShape),
		"endOfLife":           opt(stringShape),
		"recommended": opt(closed(map[string]shapeField{
			"vCPUs":    opt(rng),
			"memoryGB": opt(rng),
		})),
		"disallowedDiskTypes": opt(listOf(stringShape)),
		"purchasePlan": opt(closed(map[string]shapeField{
			"publisher": req(stringShape),
			"name":      req(stringShape),
			"product":   req(stringShape),
		})),
		"tags":   opt(tags),
		"shares": opt(mapOf(share)),
		"replication": opt(closed(map[string]shapeField{
			"newest": req(uintShape),
			"wide":   req(regions),
			"narrow": req(regions),
		})),
		"versions": opt(mapOf(version)),
	})
	gallery := closed(map[string]shapeField{
		"location":     req(stringShape),
		"adopt":        opt(boolShape),
		"allowReplace": opt(boolShape),
		"description":  opt(stringShape),
		"softDelete":   opt(boolShape),
		"tags":         opt(tags),
		"sharing":      opt(sharing),
		"shares":       opt(mapOf(share)),
		"images":       opt(mapOf(image)),
	})
	config := closed(map[string]shapeField{
		"name":       def(stringShape),
		"target":     opt(target),
		"prune":      def(boolShape),
		"maxDeletes": def(uintShape),
		"galleries":  opt(mapOf(gallery)),
	})
	return config, map[string]*shape{
		"#Config": config, "#Target": target, "#Lock": lock, "#Tags": tags,
		"#Gallery": gallery, "#Sharing": sharing, "#Share": share, "#Range": rng,
		"#Storage": storage, "#Replicas": replicas, "#Regions": regions,
		"#Encryption": encryption, "#VHD": vhd, "#DataDisk": dataDisk,
		"#Image": image, "#Version": version,
	}
}

// uintRE is a JSON number CUE reads as an int >= 0: no sign (not even
// -0), no fraction, no exponent.
var uintRE = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

// numberRE is a JSON number that is >= 0 without a doubt: no sign.
var numberRE = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// conforms reports whether data, the JSON of a plain-data configuration,
// surely satisfies #Config. It is the whole of the schema's validation on
// the fast path: false only means "let CUE decide".
func conforms(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return false
	}
	return configShape.accepts(v)
}

// accepts reports whether the shape surely allows v, a value decoded by
// encoding/json with UseNumber.
// acceptsEach reports whether every value of seq is of the shape.
func (s *shape) acceptsEach(seq iter.Seq[any]) bool {
	for e := range seq {
		if !s.accepts(e) {
			return false
		}
	}
	return true
}

func (s *shape) accepts(v any) bool {
	switch s.kind {
	case kindAny:
		return true
	case kindString:
		_, ok := v.(string)
		return ok
	case kindBool:
		_, ok := v.(bool)
		return ok
	case kindUint:
		n, ok := v.(json.Number)
		return ok && uintRE.MatchString(string(n))
	case kindNumber:
		n, ok := v.(json.Number)
		return ok && numberRE.MatchString(string(n))
	case kindEnum:
		str, ok := v.(string)
		return ok && slices.Contains(s.enum, str)
	case kindList:
		list, ok := v.([]any)
		return ok && s.elem.acceptsEach(slices.Values(list))
	case kindMap:
		m, ok := v.(map[string]any)
		return ok && s.elem.acceptsEach(maps.Values(m))
	case kindStruct:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for name, e := range m {
			f, known := s.fields[name]
			if !known || !f.shape.accepts(e) {
				return false
			}
		}
		for name, f := range s.fields {
			if _, ok := m[name]; !ok && f.presence == required {
				return false
			}
		}
		return true
	}
	return false
}

package emulator

import "strings"

// The service's defaults that depend on the request's api-version.
//
//   - Security type. A new image definition that names no SecurityType
//     feature and no hyperVGeneration is created Generation 2 with the
//     feature SecurityType = TrustedLaunchSupported, and a Generation 2
//     one without a SecurityType likewise gets TrustedLaunchSupported
//     ("Trusted launch as default": new Gen2 Azure Compute Gallery image
//     definitions default to TrustedLaunchSupported; New-AzGalleryImage-
//     Definition: "defaults to 'HyperVGeneration: V2' and 'SecurityType:
//     TrustedLaunchSupported' if -HyperVGeneration and -Feature
//     @{Name: SecurityType} is not set explicitly"), from api-version
//     2025-03-03 on. Before it a definition without hyperVGeneration is V1
//     and gets no feature. A SecurityType written explicitly (e.g. the
//     opt-out value Standard) is kept as written.
//   - Storage account strategy. An image version that names neither
//     publishingProfile.storageAccountType nor storageAccountStrategy gets
//     storageAccountStrategy PreferStandard_ZRS from api-version
//     2025-03-03 on (GalleryRP 2025-03-03 spec, StorageAccountStrategy:
//     "If no storageAccountStrategy is specified, this is the default
//     strategy (from API version 2025-03-03 onwards)"): each region without
//     its own storageAccountType stores Standard_ZRS where the region
//     offers zone-redundant storage, else Standard_LRS. The two cannot be
//     given together ("Cannot be specified along with storageAccountType")
//     and the strategy is not updatable. Before 2025-03-03 the default is
//     storageAccountType Standard_LRS.
const defaultsFrom = "2025-03-03"

var storageStrategies = []string{"DefaultStandard_LRS", "PreferStandard_ZRS"}

// zrsRegions offer zone-redundant storage for standard accounts ("Azure
// regions that support zone-redundant storage (ZRS)",
// learn.microsoft.com/azure/storage/common/redundancy-regions-zrs,
// Standard storage accounts).
var zrsRegions = map[string]bool{
	"southafricanorth": true, "australiaeast": true, "centralindia": true, "chinanorth3": true,
	"eastasia": true, "japaneast": true, "koreacentral": true, "southeastasia": true,
	"francecentral": true, "germanywestcentral": true, "italynorth": true, "northeurope": true,
	"norwayeast": true, "polandcentral": true, "spaincentral": true, "swedencentral": true,
	"switzerlandnorth": true, "uksouth": true, "westeurope": true, "israelcentral": true,
	"qatarcentral": true, "uaenorth": true, "canadacentral": true, "centralus": true,
	"eastus": true, "eastus2": true, "mexicocentral": true, "southcentralus": true,
	"usgovvirginia": true, "westus2": true, "westus3": true, "brazilsouth": true,
}

// imageDefaults fills in an image definition's hyperVGeneration and
// security type as the service does for the request's api-version. An
// update keeps the generation the definition has.
func imageDefaults(p map[string]any, existing *resource, apiVersion string) {
	if existing != nil {
		if str(p["hyperVGeneration"]) == "" {
			p["hyperVGeneration"] = props(existing)["hyperVGeneration"]
		}
		return
	}
	if apiVersion != "" && !apiAtLeast(apiVersion, defaultsFrom) {
		if str(p["hyperVGeneration"]) == "" {
			p["hyperVGeneration"] = "V1"
		}
		return
	}
	if str(p["hyperVGeneration"]) == "" {
		p["hyperVGeneration"] = "V2"
	}
	if securityType(p) != "" || !strings.EqualFold(str(p["hyperVGeneration"]), "V2") {
		return
	}
	fs, _ := p["features"].([]any)
	p["features"] = append(fs, map[string]any{"name": "SecurityType", "value": "TrustedLaunchSupported"})
}

// storageDefaults fills in a version's storage account type or strategy
// as the service does for the request's api-version; an update that names
// neither keeps the version's.
func storageDefaults(pp map[string]any, existing *resource, apiVersion string) *armError {
	typ, strategy := str(pp["storageAccountType"]), str(pp["storageAccountStrategy"])
	if typ != "" && strategy != "" {
		return invalid("The parameters 'storageAccountStrategy' and 'storageAccountType' cannot be specified together; name one, and override it per region with targetRegions[].storageAccountType.")
	}
	if existing != nil {
		oldPP, _ := props(existing)["publishingProfile"].(map[string]any)
		oldStrategy := str(oldPP["storageAccountStrategy"])
		if typ == "" && strategy == "" {
			strategy = oldStrategy
			typ = str(oldPP["storageAccountType"])
		}
		if strategy != oldStrategy && (strategy != "" || oldStrategy != "") {
			return changeNotAllowed("galleryImageVersion.properties.publishingProfile.storageAccountStrategy")
		}
	}
	if typ == "" && strategy == "" {
		if apiVersion == "" || apiAtLeast(apiVersion, defaultsFrom) {
			strategy = "PreferStandard_ZRS"
		} else {
			typ = "Standard_LRS"
		}
	}
	if strategy != "" && !oneOf(strategy, storageStrategies) {
		return invalid("The value '%s' of parameter 'storageAccountStrategy' is not allowed. Allowed values are: %s.", strategy, strings.Join(storageStrategies, ", "))
	}
	if typ != "" && !oneOf(typ, storages) {
		return invalid("The value '%s' of parameter 'storageAccountType' is not allowed. Allowed values are: %s.", typ, strings.Join(storages, ", "))
	}
	delete(pp, "storageAccountType")
	delete(pp, "storageAccountStrategy")
	if typ != "" {
		pp["storageAccountType"] = typ
		canonicalize(pp, "storageAccountType", storages)
	}
	if strategy != "" {
		pp["storageAccountStrategy"] = strategy
		canonicalize(pp, "storageAccountStrategy", storageStrategies)
	}
	return nil
}

// regionStorage is the storage account type of a target region that names
// none: the version's type, or what its strategy chooses for the region.
func regionStorage(pp map[string]any, region string) string {
	if t := str(pp["storageAccountType"]); t != "" {
		return t
	}
	if strings.EqualFold(str(pp["storageAccountStrategy"]), "PreferStandard_ZRS") && zrsRegions[region] {
		return "Standard_ZRS"
	}
	return "Standard_LRS"
}

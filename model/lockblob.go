package model

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// containerRE is Azure Storage's rule for container names: 3-63 lowercase
// letters, digits and single hyphens, starting and ending with a letter or
// digit.
var containerRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)

// LockBlob is a parsed lock blob URL.
type LockBlob struct {
	// Service is the account's blob endpoint, e.g.
	// https://acme.blob.core.windows.net/.
	Service   string
	Account   string
	Container string
	Name      string
}

// ParseLockBlob reads a lock blob URL,
// https://<account>.blob.core.windows.net/<container>/<name> (or the blob
// endpoint of another Azure cloud); the name may contain '/'.
func ParseLockBlob(s string) (LockBlob, error) {
	const want = "the form is https://<account>.blob.core.windows.net/<container>/<name>"
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse's error repeats the string, which may hold a secret.
		return LockBlob{}, fmt.Errorf("lock blob is not a URL (not repeated here, in case it holds a secret): %s", want)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// A password or SAS token is not repeated into a terminal or a CI
		// log.
		bare := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
		return LockBlob{}, fmt.Errorf("lock blob %q (its user, query or fragment not repeated here) is not an https URL of a blob without a user, port or query (a SAS token does not belong here: give the lock's credential in %s, or let curator use your Azure identity): %s", bare.String(), "CURATOR_LOCK_CONNECTION_STRING", want)
	}
	if u.Scheme != "https" || u.Host == "" || u.Port() != "" {
		return LockBlob{}, fmt.Errorf("lock blob %q is not an https URL of a blob without a user, port or query (a SAS token does not belong here): %s", s, want)
	}
	account, _, ok := strings.Cut(u.Hostname(), ".blob.")
	if !ok || account == "" {
		return LockBlob{}, fmt.Errorf("lock blob %q: the host %s is not a storage account's blob endpoint: %s", s, u.Host, want)
	}
	container, name, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if !containerRE.MatchString(container) {
		return LockBlob{}, fmt.Errorf("lock blob %q: container %q: use 3-63 lowercase letters, digits and single hyphens: %s", s, container, want)
	}
	if name == "" || len(name) > 1024 || strings.HasSuffix(name, "/") {
		return LockBlob{}, fmt.Errorf("lock blob %q names no blob after the container %q: %s", s, container, want)
	}
	return LockBlob{Service: u.Scheme + "://" + u.Host + "/", Account: account, Container: container, Name: name}, nil
}

// CheckLockBlob reports whether s is a valid lock blob URL.
func CheckLockBlob(s string) error {
	_, err := ParseLockBlob(s)
	return err
}

// blobSuffixes are the host suffixes of the Blob service's endpoints in each
// Azure cloud, after "<account>.": the standard endpoint
// (StorageEndpointSuffix of each environment, as Get-AzEnvironment lists it
// in "Use Azure Storage in independent clouds", docs.azure.cn) and, in the
// public cloud, the Azure DNS zone endpoints
// (<account>.z[00-99].blob.storage.azure.net, "Query for a Blob Storage
// endpoint using the Azure Storage management library", Microsoft Learn).
var blobSuffixes = map[string][]string{
	"AzurePublic":     {".blob.core.windows.net"},
	"AzureChina":      {".blob.core.chinacloudapi.cn"},
	"AzureGovernment": {".blob.core.usgovcloudapi.net"},
}

// accountRE is a storage account name: 3-24 lowercase letters and digits.
var accountRE = regexp.MustCompile(`^[a-z0-9]{3,24}$`)

// dnsZoneRE is the host of a public-cloud Azure DNS zone blob endpoint.
var dnsZoneRE = regexp.MustCompile(`^[a-z0-9]{3,24}\.z[0-9]{2}\.blob\.storage\.azure\.net$`)

// InCloud reports whether the blob's host is a Blob service endpoint of the
// Azure cloud named cloud ("" is AzurePublic): the host a lock's
// credential (a token of the user's identity) may be sent to. A lock blob
// on any other host is refused, so a configuration cannot send that token
// elsewhere; with a storage connection string the blob is reached at the
// string's endpoint instead, and this check does not apply.
func (b LockBlob) InCloud(cloud string) error {
	if cloud == "" {
		cloud = "AzurePublic"
	}
	suffixes, ok := blobSuffixes[cloud]
	if !ok {
		return fmt.Errorf("lock blob %s: unknown Azure cloud %q", b.Service, cloud)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(b.Service, "https://"), "/")
	for _, suffix := range suffixes {
		if account, ok := strings.CutSuffix(host, suffix); ok && accountRE.MatchString(account) {
			return nil
		}
	}
	if cloud == "AzurePublic" && dnsZoneRE.MatchString(host) {
		return nil
	}
	return fmt.Errorf("lock blob %s: %s is not a storage account's blob endpoint in %s (<account>%s, the account 3-24 lowercase letters and digits): curator sends your Azure credential only there; to use another endpoint (Azurite), set CURATOR_LOCK_CONNECTION_STRING",
		b.Service, host, cloud, suffixes[0])
}

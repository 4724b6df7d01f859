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
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return LockBlob{}, fmt.Errorf("lock blob %q is not an https URL of a blob without a query (a SAS token does not belong here): %s", s, want)
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

package estateview

import (
	"os"
	"regexp"
	"strings"
)

// secretForms are credentials as they appear in error text: a SAS
// signature, a storage account key or a whole connection string's key, a
// bearer token, a URL's password.
var secretForms = regexp.MustCompile(`(?i)(\bsig=)[^&\s"']+|(\bAccountKey=)[^;\s"']+|(\bSharedAccessSignature=)[^;\s"']+|(\bBearer\s+)[A-Za-z0-9\-._~+/]+=*|(://[^/\s:@]+:)[^@/\s]+(@)`)

// secretEnv are the environment variables whose values are credentials.
var secretEnv = []string{"CURATOR_LOCK_CONNECTION_STRING", "CURATOR_ARM_TOKEN", "CURATOR_GIT_TOKEN", "CURATOR_GIT_SSH_KEY_PASSPHRASE", "AZURE_CLIENT_SECRET"}

// scrub removes credentials from text the page shows (errors and the
// service's messages): the known forms by pattern, and the values of the
// credential variables of the environment wherever they appear.
func scrub(s string) string {
	if s == "" {
		return s
	}
	s = secretForms.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretForms.FindStringSubmatch(m)
		for i := 1; i < len(sub); i++ {
			if sub[i] == "" {
				continue
			}
			if i == 5 { // a URL's user:password@
				return sub[5] + "REDACTED" + sub[6]
			}
			return sub[i] + "REDACTED"
		}
		return "REDACTED"
	})
	for _, name := range secretEnv {
		if v := os.Getenv(name); len(v) >= 8 {
			s = strings.ReplaceAll(s, v, "REDACTED")
		}
	}
	return s
}

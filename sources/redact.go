package sources

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// redactURL removes credentials from a URL for people to read: the
// password, and except for ssh the user too (a token is often given as the
// user). An ssh user (git@…) is kept: it is not a secret, and the URL needs
// it. A URL that does not parse (a bad percent-escape, a space or a control
// character in the password) is redacted by its text: everything between
// "://" and the last "@" is credentials. Control characters are escaped, so
// the result is one line.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && (u.User != nil || !strings.Contains(raw, "@")) {
		if u.User != nil {
			if sshScheme(u.Scheme) {
				u.User = url.User(u.User.Username())
			} else {
				u.User = nil
			}
		}
		return u.String()
	}
	// url.Parse failed, or it parsed an "@" into the path: a password
	// with an unescaped "/" (https://user:ab/cd@host/x) does that.
	prefix, userinfo, rest, ok := splitUserinfo(raw)
	if !ok {
		return escapeControl(raw)
	}
	scheme, hasScheme := strings.CutSuffix(prefix, "://")
	if hasScheme && !sshScheme(strings.ToLower(scheme)) {
		return escapeControl(prefix + rest)
	}
	user, _, _ := strings.Cut(userinfo, ":")
	return escapeControl(prefix + user + "@" + rest)
}

// sshScheme reports whether a URL scheme is ssh, whose user is kept.
func sshScheme(scheme string) bool {
	switch scheme {
	case "ssh", "git+ssh", "ssh+git":
		return true
	}
	return false
}

// splitUserinfo finds the credentials of a URL by its text alone: after
// "scheme://" (or, for scp-like addresses such as user@host:path, from the
// start), up to the last "@". ok is false when there is no "@".
func splitUserinfo(raw string) (prefix, userinfo, rest string, ok bool) {
	after := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, after = raw[:i+3], raw[i+3:]
	}
	at := strings.LastIndex(after, "@")
	if at < 0 {
		return "", "", "", false
	}
	return prefix, after[:at], after[at+1:], true
}

// escapeControl percent-encodes control characters, so that a URL never
// breaks a log line or an error message in two.
func escapeControl(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// urlSecrets are the credentials in a URL, found both by url.Parse (decoded)
// and by text (as written, also when the URL does not parse).
func urlSecrets(raw string) []string {
	var s []string
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			s = append(s, p, u.User.String())
		} else if !sshScheme(u.Scheme) {
			s = append(s, u.User.Username()) // a token given as the user
		}
	}
	prefix, userinfo, _, ok := splitUserinfo(raw)
	if !ok {
		return s
	}
	scheme, hasScheme := strings.CutSuffix(prefix, "://")
	var texts []string
	if _, password, found := strings.Cut(userinfo, ":"); found {
		texts = append(texts, userinfo, password)
	} else if hasScheme && !sshScheme(strings.ToLower(scheme)) {
		texts = append(texts, userinfo)
	}
	for _, t := range texts {
		s = append(s, t)
		if d, err := url.PathUnescape(t); err == nil && d != t {
			s = append(s, d)
		}
	}
	return s
}

// secrets are the credential strings that must never be shown.
func (g *Git) secrets() []string {
	s := []string{os.Getenv(EnvGitToken), os.Getenv(EnvGitSSHKeyPass)}
	s = append(s, urlSecrets(g.URL)...)
	if b, ok := g.Auth.(*githttp.BasicAuth); ok {
		s = append(s, b.Password)
	}
	if t, ok := g.Auth.(*githttp.TokenAuth); ok {
		s = append(s, t.Token)
	}
	return s
}

// redactedError is an error whose text has the secrets removed. errors.Is
// still sees the original chain (a sentinel has no secret in it), but
// errors.Unwrap does not hand out text that may hold one.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }

// escapeAll percent-encodes every byte of s but letters, digits and
// "-._~", as the most careful URL encoders do.
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// redact removes every secret, also in its URL-escaped forms, from err's
// text.
func redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	// Longest first, so that no part of a longer secret is left behind.
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, s := range secrets {
		if len(s) < 4 {
			continue // too short to be a credential, and would mangle the text
		}
		var forms []string
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s), url.UserPassword("", s).String()[1:], escapeAll(s), strings.Trim(strconv.Quote(s), `"`)} {
			forms = append(forms, regexp.QuoteMeta(form))
		}
		// Percent-escapes may be in either case.
		msg = regexp.MustCompile("(?i)"+strings.Join(forms, "|")).ReplaceAllString(msg, "REDACTED")
	}
	return &redactedError{msg: msg, err: err}
}

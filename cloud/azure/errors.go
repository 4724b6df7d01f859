package azure

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/curator-dev/curator/model"
)

// ErrorKind classifies what went wrong with a request.
type ErrorKind int

const (
	Other     ErrorKind = iota
	NotFound            // the resource (or its parent) does not exist
	Conflict            // the request conflicts with the resource's state
	Throttled           // too many requests, even after retries
	Transient           // a server error or broken connection, even after retries
	Invalid             // the request was refused as invalid
	Forbidden           // the caller lacks a permission (403 AuthorizationFailed)
)

func (k ErrorKind) String() string {
	return [...]string{"error", "not found", "conflict", "throttled", "transient failure", "invalid request", "permission denied"}[k]
}

// Error is a failed Resource Manager request, with ARM's code and message
// kept verbatim and the address of the resource it concerned.
type Error struct {
	Kind       ErrorKind
	Address    model.Address
	Op         string
	StatusCode int
	Code       string
	Message    string
	// Action and Scope are, for Forbidden, the permission the caller
	// lacks (e.g. Microsoft.Compute/galleries/images/versions/write) and
	// where, as Resource Manager named them.
	Action, Scope string
	Err           error
}

func (e *Error) Error() string {
	if e.Kind == Forbidden && e.Action != "" {
		return fmt.Sprintf("%s %s: permission denied: the caller lacks the permission %s over %s; assign it a role that grants %s at that scope or above (%s: %s)", e.Op, e.Address, e.Action, e.Scope, e.Action, e.Code, e.Message)
	}
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Code != "" {
		return fmt.Sprintf("%s %s: %s (%s): %s", e.Op, e.Address, e.Kind, e.Code, msg)
	}
	return fmt.Sprintf("%s %s: %s: %s", e.Op, e.Address, e.Kind, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err, Other when it is not an *Error.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Other
}

// IsNotFound reports whether err says the resource does not exist.
func IsNotFound(err error) bool { return KindOf(err) == NotFound }

// IsTransient reports whether retrying later may succeed: throttling,
// server errors and broken connections.
func IsTransient(err error) bool {
	k := KindOf(err)
	return k == Transient || k == Throttled
}

// wrap classifies err from an operation on addr.
func wrap(op string, addr model.Address, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Op: op, Address: addr, Err: err, Kind: Other}
	var re *azcore.ResponseError
	var ne net.Error
	switch {
	case errors.As(err, &re):
		e.StatusCode, e.Code = re.StatusCode, re.ErrorCode
		e.Message = armMessage(re)
		switch {
		case re.StatusCode == http.StatusNotFound:
			e.Kind = NotFound
		case re.StatusCode == http.StatusConflict:
			e.Kind = Conflict
		case re.StatusCode == http.StatusTooManyRequests:
			e.Kind = Throttled
		case re.StatusCode >= 500 || re.StatusCode == http.StatusRequestTimeout:
			e.Kind = Transient
		case re.StatusCode == http.StatusBadRequest:
			e.Kind = Invalid
		case re.StatusCode == http.StatusForbidden:
			e.Kind = Forbidden
			if m := authFailedRE.FindStringSubmatch(e.Message); m != nil {
				e.Action, e.Scope = m[1], m[2]
			}
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Kind = Other
	case untrustedCertificate(err):
		// Not transient: retrying meets the same certificate.
		e.Kind = Other
		e.Message = err.Error() + ": the endpoint's TLS certificate is not trusted; for `curator emulator serve`, trust the CA file it prints (SSL_CERT_FILE=…/tls/ca.pem), or serve with --tls=false"
	case errors.As(err, &ne), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		e.Kind = Transient
	}
	return e
}

// authFailedRE finds the action and scope in ARM's AuthorizationFailed
// message: "… does not have authorization to perform action '<action>'
// over scope '<scope>' or the scope is invalid. …".
var authFailedRE = regexp.MustCompile(`perform action '([^']+)' over scope '([^']+)'`)

// armMessage extracts ARM's own error message from a response error.
func armMessage(re *azcore.ResponseError) string {
	if re.RawResponse != nil && re.RawResponse.Body != nil {
		if body, err := io.ReadAll(re.RawResponse.Body); err == nil {
			var wire struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if json.Unmarshal(body, &wire) == nil && wire.Error.Message != "" {
				return wire.Error.Message
			}
		}
	}
	// The body may have been read before (a pager's error is wrapped
	// where it surfaces); the SDK's message keeps a copy of it.
	if i := strings.Index(re.Error(), "{"); i >= 0 {
		var wire struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.NewDecoder(strings.NewReader(re.Error()[i:])).Decode(&wire) == nil && wire.Error.Message != "" {
			return wire.Error.Message
		}
	}
	return http.StatusText(re.StatusCode)
}

// untrustedCertificate reports whether err is a TLS certificate that did
// not verify.
func untrustedCertificate(err error) bool {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) || errors.As(err, &verify)
}

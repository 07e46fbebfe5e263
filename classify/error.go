package classify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"reflect"
	"sync"
	"syscall"
)

// maxDepth bounds the walk down an error chain.
const maxDepth = 32

// Error classifies a failed upstream round trip from the error Go returned:
// the error of http.Transport.RoundTrip (or http.Client.Do, a *url.Error),
// of net.Dialer, net.Resolver, crypto/tls or crypto/x509, or of reading the
// response body. phase is the phase the capture saw the failure in, or
// PhaseUnknown.
//
// The error's types are looked at first, down its whole Unwrap chain:
// context.Canceled (the client went away: CDC), *net.DNSError (IsNotFound,
// IsTimeout, "server misbehaving" = SERVFAIL), x509.CertificateInvalidError,
// x509.HostnameError, x509.UnknownAuthorityError, x509.SystemRootsError,
// *tls.CertificateVerificationError, tls.RecordHeaderError, tls.AlertError,
// the alerts crypto/tls returns as *net.OpError{Op: "remote error"},
// syscall.Errno (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH,
// ENETUNREACH, EPIPE, ECONNABORTED, ENETRESET, EADDRNOTAVAIL, EMFILE,
// ENFILE, EACCES, EPERM) and the Op ("dial", "read", "write") of the
// outermost *net.OpError. Errors net/http only makes as unexported types or
// sentinels ("net/http: TLS handshake timeout", "net/http: timeout awaiting
// response headers", "http: server closed idle connection", "malformed HTTP
// response …", io.EOF, io.ErrUnexpectedEOF, context.DeadlineExceeded) are
// then recognised from their text, as Message does; what is left is
// classified by net.Error's Timeout() and errors.Is against
// context.DeadlineExceeded, io.EOF and io.ErrUnexpectedEOF.
//
// The error decides the phase where it proves it (a DNS error is PhaseDNS, a
// dial error PhaseConnect, a certificate error PhaseTLS …); otherwise phase
// decides, so that the same error gets a different Detail by phase (e.g.
// ECONNRESET is "connection_reset_before_response" in
// PhaseResponseHeaders and "connection_reset_during_body" in
// PhaseResponseBody; an i/o timeout is UCT in PhaseConnect). When phase is
// PhaseUnknown the error's wording decides where it can (a "write" is
// PhaseRequestWrite).
//
// Error(nil, phase) returns the zero Result. An unrecognised error returns
// FlagUPE with Detail "upstream_error", as Tyk; so does a broken one (a typed
// nil pointer, a method that panics), without panicking. Error never
// allocates for the errors it recognises.
func Error(err error, phase Phase) (r Result) {
	if err == nil {
		return Result{}
	}
	defer func() {
		// A broken error value (a typed nil pointer, an Error or Unwrap
		// method that panics) is not the gateway's to crash on.
		if recover() != nil {
			ev := evidence{kind: kUnknown}
			r = ev.result(phase)
		}
	}()
	var ev evidence
	ev.inspect(err)
	return ev.result(phase)
}

// inspect fills ev from err.
func (ev *evidence) inspect(err error) {
	if errors.Is(err, context.Canceled) {
		ev.kind = kCanceled
		ev.where(err)
		return
	}
	var textRoot error // the first error in the chain that is not a known typed wrapper
	e := err
	for depth := 0; e != nil && depth < maxDepth; depth++ {
		switch x := e.(type) {
		case *url.Error:
			e = x.Err
			continue
		case *net.OpError:
			if ev.op == opNone {
				ev.op = opOf(x.Op)
			}
			if code, ok := alertCode(x.Err); ok {
				if x.Op == "local error" {
					ev.kind = kTLSProtocol
					if code == alertProtocolVersion {
						ev.kind = kTLSVersion
					}
					return
				}
				ev.kind, ev.alert = kTLSAlert, code
				return
			}
			e = x.Err
			continue
		case *os.SyscallError:
			e = x.Err
			continue
		case syscall.Errno:
			if k := errnoKind(x, ev.op); k != kNone {
				ev.kind = k
				return
			}
		case *net.DNSError:
			ev.kind = dnsKind(x)
			ev.lookup = true
			return
		case x509.CertificateInvalidError:
			ev.kind = kTLSInvalid
			if x.Reason == x509.Expired {
				ev.kind = kTLSExpired
				if hasFold(x.Detail, "is before") {
					ev.kind = kTLSNotYetValid
				}
			}
			return
		case x509.HostnameError:
			ev.kind = kTLSHostname
			return
		case x509.UnknownAuthorityError:
			ev.kind = kTLSUnknownAuthority
			return
		case x509.SystemRootsError:
			ev.kind = kTLSSystemRoots
			return
		case *tls.CertificateVerificationError:
			ev.certVerify = true
			e = x.Err
			continue
		case tls.RecordHeaderError:
			ev.kind = kTLSRecordHeader
			return
		case tls.AlertError:
			ev.kind = kTLSLocalAlert
			return
		case textproto.ProtocolError:
			ev.kind = kMalformed
			return
		}
		if code, ok := alertCode(e); ok { // a bare alert
			ev.kind, ev.alert = kTLSAlert, code
			return
		}
		if k := h2Kind(e); k != kNone {
			ev.kind = k
			return
		}
		if isWrapError(e) {
			// "net/http: HTTP/1.x transport connection broken: %w" and
			// the like: note what the wrapper's words imply.
			ev.strip(e.Error())
		}
		if textRoot == nil {
			textRoot = e
		}
		e = unwrap(e)
	}

	switch textRoot {
	case io.EOF:
		ev.kind = kEOF
		return
	case io.ErrUnexpectedEOF:
		ev.kind = kUnexpectedEOF
		return
	case context.DeadlineExceeded:
		ev.kind = kDeadline
		return
	}
	if textRoot != nil {
		if t := ev.strip(textRoot.Error()); t != "" {
			ev.text(t)
		}
	}
	if ev.kind != kNone && ev.kind != kUnknown {
		return
	}
	switch {
	case ev.certVerify:
		ev.kind = kTLSInvalid
	case isTimeout(err):
		ev.kind = kTimeout
		if ev.op == opDial {
			ev.kind = kConnectTimeout
		}
	case errors.Is(err, context.DeadlineExceeded):
		ev.kind = kDeadline
	case errors.Is(err, io.ErrUnexpectedEOF):
		ev.kind = kUnexpectedEOF
	case errors.Is(err, io.EOF):
		ev.kind = kEOF
	default:
		ev.kind = kUnknown
	}
}

// where notes, for a failure classified without walking its chain, the op
// of its outermost *net.OpError and whether it happened in a DNS lookup.
func (ev *evidence) where(err error) {
	for e, depth := err, 0; e != nil && depth < maxDepth; e, depth = unwrap(e), depth+1 {
		switch x := e.(type) {
		case *net.OpError:
			if ev.op == opNone {
				ev.op = opOf(x.Op)
			}
		case *net.DNSError:
			ev.lookup = true
			return
		}
	}
}

func opOf(s string) op {
	switch s {
	case "dial":
		return opDial
	case "read":
		return opRead
	case "write":
		return opWrite
	case "readfrom":
		return opReadFrom
	}
	return opNone
}

// errnoKind maps the errnos of a failed connection; kNone for others.
func errnoKind(errno syscall.Errno, o op) kind {
	switch errno {
	case syscall.ECONNREFUSED:
		return kRefused
	case syscall.ECONNRESET:
		return kReset
	case syscall.EPIPE:
		return kBrokenPipe
	case syscall.ETIMEDOUT:
		return kTimedOut
	case syscall.EHOSTUNREACH:
		return kHostUnreachable
	case syscall.ENETUNREACH:
		return kNetUnreachable
	case syscall.ECONNABORTED:
		return kAborted
	case syscall.ENETRESET:
		return kNetReset
	case syscall.EADDRNOTAVAIL:
		return kAddrNotAvail
	case syscall.EMFILE, syscall.ENFILE:
		return kTooManyFiles
	case syscall.EACCES, syscall.EPERM:
		if o == opDial {
			return kNotPermitted
		}
	}
	return kNone
}

func dnsKind(e *net.DNSError) kind {
	switch {
	case e.IsNotFound:
		return kDNSNotFound
	case e.IsTimeout:
		return kDNSTimeout
	case e.Err == "server misbehaving":
		return kDNSServFail
	}
	return kDNSOther
}

// alertCode reports whether e is crypto/tls's unexported alert type (a
// uint8, which is how crypto/tls returns alerts, wrapped in *net.OpError
// with Op "remote error" or "local error"), and its code. Reading the code
// through reflect avoids alert.Error(), which allocates.
func alertCode(e error) (uint8, bool) {
	if e == nil {
		return 0, false
	}
	t := reflect.TypeOf(e)
	if t.Kind() != reflect.Uint8 || t.Name() != "alert" || t.PkgPath() != "crypto/tls" {
		return 0, false
	}
	return uint8(reflect.ValueOf(e).Uint()), true
}

// h2Kind recognises the HTTP/2 errors of net/http's bundled HTTP/2
// transport (http2StreamError, http2GoAwayError) and of
// golang.org/x/net/http2 (StreamError, GoAwayError), whose Error()
// allocates: a stream reset by the upstream (Cause "received from peer") is
// kStreamReset, another stream error kMalformed, a GOAWAY kGoAway.
// causeFields caches, per HTTP/2 stream error type, the index of its Cause
// field (-1: none): looking a field up by reflection allocates, reading it by
// index does not.
var causeFields sync.Map // reflect.Type -> int

func causeIndex(t reflect.Type) int {
	if v, ok := causeFields.Load(t); ok {
		return v.(int)
	}
	i := -1
	if f, ok := t.FieldByName("Cause"); ok && len(f.Index) == 1 {
		i = f.Index[0]
	}
	causeFields.Store(t, i)
	return i
}

func h2Kind(e error) kind {
	t := reflect.TypeOf(e)
	if t.Kind() != reflect.Struct {
		return kNone
	}
	switch pkg, name := t.PkgPath(), t.Name(); {
	case pkg == "net/http" && name == "http2GoAwayError", pkg == "golang.org/x/net/http2" && name == "GoAwayError":
		return kGoAway
	case pkg == "net/http" && name == "http2StreamError", pkg == "golang.org/x/net/http2" && name == "StreamError":
	default:
		return kNone
	}
	if i := causeIndex(t); i >= 0 {
		// Cause is http2errFromPeer, an *errors.errorString.
		c := reflect.ValueOf(e).Field(i)
		if c.Kind() == reflect.Interface && !c.IsNil() {
			if c = c.Elem(); c.Kind() == reflect.Pointer && !c.IsNil() {
				if c = c.Elem(); c.Kind() == reflect.Struct && c.NumField() == 1 && c.Field(0).Kind() == reflect.String &&
					c.Field(0).String() == "received from peer" {
					return kStreamReset
				}
			}
		}
	}
	return kMalformed
}

// The types of fmt.Errorf's %w wrappers, whose Error() returns a stored
// string (no allocation).
var (
	wrapErrorType  = reflect.TypeOf(fmt.Errorf("%w", io.EOF))
	wrapErrorsType = reflect.TypeOf(fmt.Errorf("%w%w", io.EOF, io.EOF))
)

func isWrapError(e error) bool {
	t := reflect.TypeOf(e)
	return t == wrapErrorType || t == wrapErrorsType
}

// unwrap returns the next error in the chain: Unwrap() error, or the first
// non-nil error of Unwrap() []error.
func unwrap(e error) error {
	switch u := e.(type) {
	case interface{ Unwrap() error }:
		return u.Unwrap()
	case interface{ Unwrap() []error }:
		for _, x := range u.Unwrap() {
			if x != nil {
				return x
			}
		}
	}
	return nil
}

// isTimeout reports whether the first error in the chain that has a
// Timeout method (net.Error) says it timed out.
func isTimeout(err error) bool {
	for e, depth := err, 0; e != nil && depth < maxDepth; e, depth = unwrap(e), depth+1 {
		if t, ok := e.(interface{ Timeout() bool }); ok {
			return t.Timeout()
		}
	}
	return false
}

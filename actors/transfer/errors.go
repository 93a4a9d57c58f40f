package transfer

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// ErrStopped ends a transfer that its parent stopped (pause, cancel, shutdown).
var ErrStopped = errors.New("download stopped")

// Error is a failed attempt, classified as PROTOCOL.md orders: network errors,
// timeouts, 408, 429 and 5xx may be retried; everything else (other 4xx, a bad
// checksum, TLS certificate errors, redirect loops, local disk errors) fails
// at once.
type Error struct {
	Msg        string
	Retryable  bool
	RetryAfter time.Duration // from the origin's Retry-After, 0 if none
}

func (e *Error) Error() string { return e.Msg }

func retryable(format string, a ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, a...), Retryable: true}
}

func fatal(format string, a ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, a...)}
}

// statusError classifies an HTTP answer that carries no file.
func statusError(resp *http.Response) *Error {
	code := resp.StatusCode
	msg := fmt.Sprintf("origin answered %s", resp.Status)
	if code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 {
		return &Error{Msg: msg, Retryable: true, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	return &Error{Msg: msg}
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		if s > int64(math.MaxInt64/time.Second) { // would wrap, maybe to a short wait
			return math.MaxInt64
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// requestError classifies an error of the client: a certificate the client
// does not trust and a redirect loop will fail the same way again.
func requestError(err error) *Error {
	err = unwrapURLError(err)
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid):
		return fatal("TLS certificate: %v", err)
	case errors.Is(err, errRedirectLoop):
		return fatal("%v", err)
	}
	return retryable("request failed: %v", err)
}

package client

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
)

// UnreachableError is a request that never got an HTTP answer.
type UnreachableError struct {
	Server string
	Err    error
}

func (e *UnreachableError) Unwrap() error { return e.Err }

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %s", e.Server, e.Reason())
}

// Refused reports whether nothing listens at Server.
func (e *UnreachableError) Refused() bool { return errors.Is(e.Err, syscall.ECONNREFUSED) }

// Reason says in a few words why the daemon could not be reached.
func (e *UnreachableError) Reason() string {
	var dns *net.DNSError
	var nerr net.Error
	var op *net.OpError
	var ue *url.Error
	switch {
	case e.Refused():
		return "connection refused"
	case errors.As(e.Err, &dns):
		return "cannot resolve " + dns.Name
	case errors.As(e.Err, &nerr) && nerr.Timeout():
		return "timed out"
	case errors.As(e.Err, &op):
		return op.Err.Error()
	case errors.As(e.Err, &ue):
		return ue.Err.Error()
	}
	return e.Err.Error()
}

// StatusError is an answer with an error status. Code and Message are the
// daemon's {"error", "message"}, empty when the body was not the daemon's.
type StatusError struct {
	Status        int
	Code, Message string
	Method, URL   string
}

func (e *StatusError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Status, msg)
}

// FromDaemon reports whether the answer carried the daemon's own error body.
func (e *StatusError) FromDaemon() bool { return e.Code != "" && e.Message != "" }

// Package apierr is the one shape of an API error, {"error":code,"message":text}.
// It sits below the REST handlers and the WebSocket upgrade so both answer
// with it.
package apierr

import (
	"encoding/json"
	"net/http"
)

// Error is a refused request: the status, the code and the message it answers with.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"error"`
	Message string `json:"message"`
}

// New returns an Error.
func New(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

func (e *Error) Error() string { return e.Message }

// Write answers the request with e.
func (e *Error) Write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(e)
}

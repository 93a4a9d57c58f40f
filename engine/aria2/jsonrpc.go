package aria2

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// JSON-RPC's own error codes; aria2 answers every failed method with 1.
const (
	codeParse          = -32700
	codeInvalidRequest = -32600
	codeInvalidParams  = -32602
	codeFailed         = 1
)

// rpcError is an error answer, in aria2's words where aria2 has them.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return e.Message }

func failed(msg string) *rpcError { return &rpcError{Code: codeFailed, Message: msg} }

var (
	errParse          = &rpcError{Code: codeParse, Message: "Parse error."}
	errInvalidRequest = &rpcError{Code: codeInvalidRequest, Message: "Invalid Request."}
	errInvalidParams  = &rpcError{Code: codeInvalidParams, Message: "Invalid params."}
	errUnauthorized   = failed("Unauthorized")
)

// call is one request. Clients differ in the version key ("jsonrpc", or
// aria2.js's "json-rpc") and in id (aria2p sends -1): neither is checked,
// and id comes back exactly as sent.
type call struct {
	ID     json.RawMessage `json:"id"`
	Method *string         `json:"method"`
	Params json.RawMessage `json:"params"`
}

// response keeps aria2's key order: id, jsonrpc, then result or error.
type response struct {
	ID      json.RawMessage `json:"id"`
	JSONRPC string          `json:"jsonrpc"`
	Result  any             `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

var null = json.RawMessage("null")

// Answer answers one message: a call, or a batch of calls answered in
// order. Whatever it is sent, it answers, and nothing it is sent can harm
// the connection it came on.
func (s *Server) Answer(msg []byte) []byte {
	out, _ := s.answer(msg)
	return out
}

// answer also gives the HTTP status aria2 sends with it: 200 for a result or
// a batch, 400 for a failed method or an invalid request, 500 for a body
// that cannot be read as a call.
func (s *Server) answer(msg []byte) ([]byte, int) {
	msg = bytes.TrimSpace(msg)
	if !json.Valid(msg) || len(msg) == 0 {
		return encode(response{ID: null, Error: errParse}), http.StatusInternalServerError
	}
	if msg[0] != '[' {
		r := s.one(msg)
		return encode(r), statusOfAnswer(r.Error)
	}
	var batch []json.RawMessage
	if err := json.Unmarshal(msg, &batch); err != nil {
		return encode(response{ID: null, Error: errParse}), http.StatusInternalServerError
	}
	out := make([]response, len(batch))
	for i, m := range batch {
		out[i] = s.one(m)
	}
	return encode(out), http.StatusOK
}

func statusOfAnswer(e *rpcError) int {
	switch {
	case e == nil:
		return http.StatusOK
	case e.Code == codeFailed || e.Code == codeInvalidRequest:
		return http.StatusBadRequest
	default:
		return http.StatusInternalServerError
	}
}

// one answers a single call.
func (s *Server) one(raw json.RawMessage) response {
	var c call
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' || json.Unmarshal(raw, &c) != nil {
		return response{ID: null, Error: errInvalidRequest}
	}
	id := c.ID
	if len(id) == 0 {
		id = null
	}
	if c.Method == nil {
		return response{ID: id, Error: errInvalidRequest}
	}
	var params []json.RawMessage
	if p := bytes.TrimSpace(c.Params); len(p) > 0 && !bytes.Equal(p, null) {
		if p[0] != '[' || json.Unmarshal(p, &params) != nil {
			return response{ID: id, Error: errInvalidParams}
		}
	}
	result, err := s.dispatch(*c.Method, params, false)
	if err != nil {
		return response{ID: id, Error: err}
	}
	return response{ID: id, Result: result}
}

func encode(v any) []byte {
	switch r := v.(type) {
	case response:
		r.JSONRPC = "2.0"
		v = r
	case []response:
		for i := range r {
			r[i].JSONRPC = "2.0"
		}
	}
	b, err := json.Marshal(v)
	if err != nil { // every answer is plain data
		b, _ = json.Marshal(response{ID: null, JSONRPC: "2.0", Error: failed(err.Error())})
	}
	return b
}

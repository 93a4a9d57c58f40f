package wsconn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// MaxSubscriptions bounds one connection's subscription set.
const MaxSubscriptions = 1000

// request is a client's subscribe or unsubscribe, the same in both dialects.
type request struct {
	subscribe  bool
	downloadID string
}

// parseRequest validates a client message; its error is what the client is told.
func parseRequest(raw []byte) (request, error) {
	var msg struct {
		Event *string         `json:"event"`
		Data  json.RawMessage `json:"data"`
	}
	if !json.Valid(raw) {
		return request{}, errors.New("message is not valid JSON")
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return request{}, errors.New("message must be a JSON object")
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		return request{}, fmt.Errorf("message has the wrong shape: %v", err)
	}
	if msg.Event == nil {
		return request{}, errors.New(`message has no "event"`)
	}
	var r request
	switch *msg.Event {
	case "subscribe:download":
		r.subscribe = true
	case "unsubscribe:download":
	default:
		return request{}, fmt.Errorf("unknown event %q: expected subscribe:download or unsubscribe:download", *msg.Event)
	}
	if d := bytes.TrimSpace(msg.Data); len(d) == 0 || d[0] != '{' {
		return request{}, errors.New(`"data" must be an object`)
	}
	var data struct {
		DownloadID any `json:"downloadId"`
	}
	if err := json.Unmarshal(msg.Data, &data); err != nil {
		return request{}, fmt.Errorf(`"data" is malformed: %v`, err)
	}
	id, _ := data.DownloadID.(string)
	if id == "" {
		return request{}, errors.New(`"data.downloadId" must be a non-empty string`)
	}
	if len(id) > 256 {
		return request{}, errors.New(`"data.downloadId" is longer than 256 bytes`)
	}
	r.downloadID = id
	return r, nil
}

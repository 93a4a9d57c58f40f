package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/fetchd/fetchd/engine/task"
)

type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Error: code, Message: msg})
}

// writeErr maps the model's errors to statuses, in this one place.
func writeErr(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, task.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, task.ErrInvalidTransition), errors.Is(err, task.ErrDuplicate):
		writeError(w, http.StatusConflict, "conflict", err.Error())
	case errors.Is(err, task.ErrInvalid):
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "request body is larger than 1 MiB")
	case errors.Is(err, task.ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
	default:
		writeError(w, http.StatusInternalServerError, "internal", err.Error())
	}
}

// decodeBody reads one JSON object into v and says what was wrong with it.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	err := dec.Decode(v)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
	case errors.As(err, &tooLarge):
		return err
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: request body is empty; expected a JSON object", task.ErrInvalid)
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: malformed JSON at byte %d: %v", task.ErrInvalid, syntax.Offset, err)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Errorf("%w: expected a JSON object, got %s", task.ErrInvalid, typ.Value)
		}
		return fmt.Errorf("%w: field %q must be %s, got %s", task.ErrInvalid, typ.Field, typ.Type, typ.Value)
	default:
		return fmt.Errorf("%w: malformed JSON: %v", task.ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: unexpected data after the JSON object", task.ErrInvalid)
	}
	return nil
}

package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"syscall"

	"github.com/fetchd/fetchd/engine/apierr"
	"github.com/fetchd/fetchd/engine/task"
)

// handlerFunc is a REST handler; an error it returns is the answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle answers with h's error, mapped by apiError.
func handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			apiError(err).Write(w)
		}
	}
}

var errTooLarge = apierr.New(http.StatusRequestEntityTooLarge, "too_large", "request body is larger than 1 MiB")

// apiError maps the model's errors to statuses, in this one place.
func apiError(err error) *apierr.Error {
	var e *apierr.Error
	var tooLarge *http.MaxBytesError
	status, code := http.StatusInternalServerError, "internal"
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &tooLarge):
		return errTooLarge
	case errors.Is(err, task.ErrNotFound):
		status, code = http.StatusNotFound, "not_found"
	case errors.Is(err, task.ErrInvalidTransition), errors.Is(err, task.ErrDuplicate):
		status, code = http.StatusConflict, "conflict"
	case errors.Is(err, task.ErrInvalid):
		status, code = http.StatusBadRequest, "bad_request"
	case errors.Is(err, task.ErrClosed):
		status, code = http.StatusServiceUnavailable, "unavailable"
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		// The change was not applied; it can be sent again once there is room.
		status, code = http.StatusInsufficientStorage, "insufficient_storage"
	}
	return apierr.New(status, code, err.Error())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
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
	case errors.As(err, &tooLarge), errors.Is(err, task.ErrInvalid): // a field's own check says what is wrong
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

package task

import "errors"

// Sentinel errors of the model; the REST layer maps each to one status code.
var (
	ErrNotFound          = errors.New("not found")
	ErrInvalidTransition = errors.New("invalid transition")
	ErrDuplicate         = errors.New("duplicate")
	ErrInvalid           = errors.New("invalid request")
	ErrClosed            = errors.New("engine is closed")
)

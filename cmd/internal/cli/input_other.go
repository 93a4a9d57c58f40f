//go:build !linux

package cli

import (
	"errors"
	"os"
)

// keyInput is not written for this system: watch there only shows.
func keyInput(*os.File) (restore func(), err error) {
	return nil, errors.New("keys are read on Linux only")
}

package persistence

import (
	"strings"

	"github.com/rs/zerolog"
)

// badgerLogger routes badger's printf-style logs into the daemon's zerolog stream.
type badgerLogger struct{ log zerolog.Logger }

func (l badgerLogger) Errorf(f string, a ...any) { l.log.Error().Msgf(trim(f), a...) }
func (l badgerLogger) Warningf(f string, a ...any) {
	l.log.Warn().Msgf(trim(f), a...)
}
func (l badgerLogger) Infof(f string, a ...any)  { l.log.Debug().Msgf(trim(f), a...) }
func (l badgerLogger) Debugf(f string, a ...any) { l.log.Trace().Msgf(trim(f), a...) }

// badger ends its formats with a newline; zerolog adds its own.
func trim(f string) string { return strings.TrimRight(f, "\n") }

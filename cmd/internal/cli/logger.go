package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"
)

// newLogger is the daemon's log: JSON lines, or console lines for people.
func newLogger(level, format string, w io.Writer) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Logger{}, fmt.Errorf("--log-level must be trace, debug, info, warn or error, got %q", level)
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	if format == "console" {
		// Colours are escape codes: only a terminal shows them as colours.
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly, NoColor: !isTerminal(w)}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

package engine

import (
	"context"
	"log/slog"

	"github.com/rs/zerolog"
)

// actorLogger routes the actor system's slog output into the daemon's
// zerolog stream. Its routine chatter (dead letters of stopped actors, actor
// starts) is debug material; operators see its warnings and errors.
func actorLogger(log zerolog.Logger) *slog.Logger {
	l := log.With().Str("component", "actor").Logger()
	if log.GetLevel() > zerolog.DebugLevel {
		l = l.Level(zerolog.WarnLevel)
	}
	return slog.New(renameReserved{zerolog.NewSlogHandler(l)})
}

// renameReserved keeps the actor system's attributes from overwriting the
// fields every line has: it logs a "message" attribute of its own.
type renameReserved struct{ slog.Handler }

func (h renameReserved) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(rename(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h renameReserved) WithAttrs(attrs []slog.Attr) slog.Handler {
	renamed := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		renamed[i] = rename(a)
	}
	return renameReserved{h.Handler.WithAttrs(renamed)}
}

func (h renameReserved) WithGroup(name string) slog.Handler {
	return renameReserved{h.Handler.WithGroup(name)}
}

func rename(a slog.Attr) slog.Attr {
	switch a.Key {
	case zerolog.MessageFieldName, zerolog.LevelFieldName, zerolog.TimestampFieldName, "component":
		a.Key = "actor_" + a.Key
	}
	return a
}

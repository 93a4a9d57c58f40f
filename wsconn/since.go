package wsconn

import (
	"strconv"
	"strings"

	"github.com/fetchd/fetchd/actors/hub"
)

// parseSince reads ?since=<epoch>:<seq>, a resuming client's last applied
// message. Anything else is nil: the client gets a fresh SYNC_ALL, never an
// error (PROTOCOL.md, "Resuming a stream").
func parseSince(v string) *hub.Position {
	epoch, seq, ok := strings.Cut(v, ":")
	if !ok || epoch == "" || len(epoch) > 64 || strings.IndexFunc(epoch, notAlphanumeric) >= 0 {
		return nil
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil {
		return nil
	}
	return &hub.Position{Epoch: epoch, Seq: n}
}

func notAlphanumeric(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
}

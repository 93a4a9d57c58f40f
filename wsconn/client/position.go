package client

import "strconv"

// Position is where a client is in the server's stream: the epoch of the
// last SYNC_ALL and the seq of the last message applied.
type Position struct {
	Epoch string
	Seq   uint64
}

// Advance moves the position past m, a message the client has applied.
func (p *Position) Advance(m Message) {
	switch {
	case m.Type == "SYNC_ALL":
		p.Epoch, p.Seq = m.Epoch, m.Seq
	case p.Epoch != "" && m.Seq > p.Seq:
		p.Seq = m.Seq
	}
}

// Since is the position as ?since= takes it, or "" before any SYNC_ALL.
func (p Position) Since() string {
	if p.Epoch == "" {
		return ""
	}
	return p.Epoch + ":" + strconv.FormatUint(p.Seq, 10)
}

package wsconn

import (
	"net/http"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/engine/task"
)

// RPC is a dialect whose client speaks first: each client message is a call
// (or a batch of them) that Answer answers, and Notify turns events of the
// one ordered stream into notifications. Both return a JSON text, nil for
// nothing to send. aria2's JSON-RPC is one.
type RPC interface {
	Answer(msg []byte) []byte
	Notify(ev task.Event) []byte
}

// RPCMaxMessage bounds one client message of an RPC dialect: a batch of calls
// may be as big as a REST body.
const RPCMaxMessage = 1 << 20

// rpcCodec frames an RPC's notifications for the hub. One value per RPC, so
// the hub encodes each event once for all of its connections.
type rpcCodec struct{ rpc RPC }

func (c rpcCodec) Encode(ev task.Event, _ hub.Position, _ task.Subscriptions) []byte {
	if p := c.rpc.Notify(ev); p != nil {
		return textFrame(p)
	}
	return nil
}

// RPCHandler upgrades requests to connections of rpc's dialect. It checks no
// Origin: the caller applies the dialect's own rule before it.
func (s *Server) RPCHandler(rpc RPC) http.Handler {
	codec := rpcCodec{rpc: rpc}
	limits := s.cfg.Limits
	limits.MaxMessage = max(limits.MaxMessage, RPCMaxMessage)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, &s.rpcUp, limits, codec, rpc.Answer)
	})
}

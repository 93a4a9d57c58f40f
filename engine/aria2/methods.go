package aria2

import (
	"crypto/subtle"
	"encoding/json"
	"slices"
	"strings"
)

// method answers one aria2 method with its parameters.
type method func(s *Server, p params) (any, *rpcError)

// methods is the contract's table; the names are aria2's.
var methods = map[string]method{
	"aria2.addUri":               (*Server).addURI,
	"aria2.remove":               (*Server).remove,
	"aria2.forceRemove":          (*Server).remove,
	"aria2.pause":                (*Server).pause,
	"aria2.forcePause":           (*Server).pause,
	"aria2.pauseAll":             (*Server).pauseAll,
	"aria2.forcePauseAll":        (*Server).pauseAll,
	"aria2.unpause":              (*Server).unpause,
	"aria2.unpauseAll":           (*Server).unpauseAll,
	"aria2.tellStatus":           (*Server).tellStatus,
	"aria2.getUris":              (*Server).getURIs,
	"aria2.getFiles":             (*Server).getFiles,
	"aria2.getPeers":             (*Server).getPeers,
	"aria2.getServers":           (*Server).getServers,
	"aria2.tellActive":           (*Server).tellActive,
	"aria2.tellWaiting":          (*Server).tellWaiting,
	"aria2.tellStopped":          (*Server).tellStopped,
	"aria2.changePosition":       (*Server).changePosition,
	"aria2.getOption":            (*Server).getOption,
	"aria2.changeOption":         (*Server).changeOption,
	"aria2.getGlobalOption":      (*Server).getGlobalOption,
	"aria2.changeGlobalOption":   (*Server).changeGlobalOption,
	"aria2.getGlobalStat":        (*Server).getGlobalStat,
	"aria2.purgeDownloadResult":  (*Server).purgeDownloadResult,
	"aria2.removeDownloadResult": (*Server).removeDownloadResult,
	"aria2.getVersion":           (*Server).getVersion,
	"aria2.getSessionInfo":       (*Server).getSessionInfo,
	"aria2.shutdown":             (*Server).shutdown,
	"aria2.forceShutdown":        (*Server).shutdown,
	"aria2.saveSession":          (*Server).saveSession,
}

// unsupported are aria2 methods for what fetchd does not download: they are
// not listed, and a call gets an error that says why.
var unsupported = map[string]string{
	"aria2.addTorrent":  "BitTorrent",
	"aria2.addMetalink": "Metalink",
}

// listMethods is every method a client may call, as aria2 lists them.
func listMethods() []string {
	return slices.Clone(methodOrder)
}

// methodOrder is aria2's order of system.listMethods.
var methodOrder = []string{
	"aria2.addUri", "aria2.getPeers", "aria2.remove", "aria2.pause", "aria2.forcePause",
	"aria2.pauseAll", "aria2.forcePauseAll", "aria2.unpause", "aria2.unpauseAll",
	"aria2.forceRemove", "aria2.changePosition", "aria2.tellStatus", "aria2.getUris",
	"aria2.getFiles", "aria2.getServers", "aria2.tellActive", "aria2.tellWaiting",
	"aria2.tellStopped", "aria2.getOption", "aria2.changeOption", "aria2.getGlobalOption",
	"aria2.changeGlobalOption", "aria2.purgeDownloadResult", "aria2.removeDownloadResult",
	"aria2.getVersion", "aria2.getSessionInfo", "aria2.shutdown", "aria2.forceShutdown",
	"aria2.getGlobalStat", "aria2.saveSession", "system.multicall", "system.listMethods",
	"system.listNotifications",
}

var notifications = []string{
	"aria2.onDownloadStart", "aria2.onDownloadPause", "aria2.onDownloadStop",
	"aria2.onDownloadComplete", "aria2.onDownloadError",
}

// dispatch checks the token and runs a method; inMulticall forbids nesting,
// as aria2 does.
func (s *Server) dispatch(name string, raw []json.RawMessage, inMulticall bool) (any, *rpcError) {
	p, authorized := s.takeToken(raw)
	switch name {
	case "system.listMethods":
		return listMethods(), nil
	case "system.listNotifications":
		return notifications, nil
	case "system.multicall":
		if inMulticall {
			return nil, failed("Recursive system.multicall forbidden.")
		}
		return s.multicall(p)
	}
	m, ok := methods[name]
	if !ok {
		if what, known := unsupported[name]; known {
			return nil, failed(name + " is not supported: fetchd downloads over HTTP and HTTPS, not " + what)
		}
		return nil, failed("No such method: " + name)
	}
	if !authorized {
		return nil, errUnauthorized
	}
	return m(s, p)
}

// takeToken takes a leading "token:..." parameter off, as aria2 does whether
// or not a secret is set, and says whether the call may run.
func (s *Server) takeToken(raw []json.RawMessage) (params, bool) {
	given, has := "", false
	if len(raw) > 0 {
		var first string
		if json.Unmarshal(raw[0], &first) == nil && strings.HasPrefix(first, "token:") {
			given, has = strings.TrimPrefix(first, "token:"), true
			raw = raw[1:]
		}
	}
	if s.cfg.Token == "" {
		return raw, true
	}
	return raw, has && subtle.ConstantTimeCompare([]byte(given), []byte(s.cfg.Token)) == 1
}

// multicall runs each {methodName, params} and answers each with a
// one-element array of its result, or its error.
func (s *Server) multicall(raw params) (any, *rpcError) {
	var calls []json.RawMessage
	if len(raw) != 1 || json.Unmarshal(raw[0], &calls) != nil {
		return nil, wrongType(0)
	}
	out := make([]any, len(calls))
	for i, c := range calls {
		var mc struct {
			MethodName *string           `json:"methodName"`
			Params     []json.RawMessage `json:"params"`
		}
		if json.Unmarshal(c, &mc) != nil || mc.MethodName == nil {
			out[i] = errInvalidRequest
			continue
		}
		res, err := s.dispatch(*mc.MethodName, mc.Params, true)
		if err != nil {
			out[i] = err
			continue
		}
		out[i] = []any{res}
	}
	return out, nil
}

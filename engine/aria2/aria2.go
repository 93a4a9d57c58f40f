// Package aria2 speaks aria2's JSON-RPC (PROTOCOL.md, "aria2 JSON-RPC") so
// that AriaNg, aria2p and the browser extensions drive fetchd unchanged. It
// is a codec over the engine's Go API and its ordered event stream: it keeps
// no task model of its own, only the mapping between task ids and gids.
//
// It imports no part of fetchd but the model: the engine hands it itself as
// an Engine, and mounts it behind the same guard and access log as the REST
// API, so the engine can wire it like the WebSocket dialects.
package aria2

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine/task"
)

// Engine is the part of the engine's Go API that the methods map onto.
type Engine interface {
	Add(r task.AddRequest) (task.Task, error)
	Get(id string) (task.Task, error)
	List(q task.Query) (task.Page, error)
	Act(id string, a task.Action) (task.Task, error)
	Delete(id string, withFiles bool) error
	PauseAll() (int, error)
	ResumeAll() (int, error)
	Stats() (task.Stats, error)
	Settings() (task.Settings, error)
	UpdateSettings(p task.SettingsPatch) (task.Settings, error)
}

// Config is what the server needs from the daemon.
type Config struct {
	Engine      Engine
	Token       string // aria2's --rpc-secret: "token:T" as every call's first parameter
	DownloadDir string // absolute; a task's dir must lie inside it
	// Shutdown stops the daemon gracefully; nil refuses aria2.shutdown.
	Shutdown func()
	Log      zerolog.Logger
}

// Server answers aria2 calls over HTTP and a WebSocket, and turns the
// stream's events into aria2's notifications.
type Server struct {
	cfg     Config
	log     zerolog.Logger
	session string // getSessionInfo: new for each run, as aria2's
	gids    *gidIndex
	states  *stateMemo
}

// New builds the server.
func New(cfg Config) *Server {
	id := make([]byte, 20)
	rand.Read(id)
	return &Server{
		cfg:     cfg,
		log:     cfg.Log.With().Str("component", "aria2").Logger(),
		session: hex.EncodeToString(id),
		gids:    newGIDIndex(),
		states:  newStateMemo(),
	}
}

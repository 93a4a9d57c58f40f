// Package manager is the manager actor: it owns the task registry and the
// queue, starts transfer actors up to max_concurrent, applies the user's
// actions and writes every change to the store. Everything that mutates a
// task happens in its mailbox, one message at a time.
package manager

import (
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/actors/tick"
	"github.com/fetchd/fetchd/actors/transfer"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/engine/telemetry"
	"github.com/fetchd/fetchd/persistence"
)

// Config is what the manager needs from the engine that wires it.
type Config struct {
	Store         *persistence.Store
	DownloadDir   string // absolute
	Settings      task.Settings
	Log           zerolog.Logger
	HTTPClient    *http.Client
	UserAgent     string
	RetryBase     time.Duration // first back-off; doubles per retry
	RetryCap      time.Duration
	StallTimeout  time.Duration
	Checkpoint    time.Duration      // how often progress is written to the store
	ProgressEvery time.Duration      // how often a transfer reports bytes
	Metrics       *telemetry.Metrics // may be nil
	// Notify, when set, is told every change (a task.Change or a
	// task.LibraryChange), in order, from the mailbox.
	Notify func(any)
}

// Manager is the actor. Create it with New and spawn it with Props.
type Manager struct {
	cfg      Config
	log      zerolog.Logger
	settings task.Settings
	env      *transfer.Env

	tasks   map[string]*task.Task
	queued  map[string]*task.Task            // QUEUED tasks, so scheduling never scans the rest
	batches map[string]map[string]*task.Task // batch id -> its tasks
	running map[string]*runningTransfer      // tasks whose transfer actor has not reported Finished
	dirty   map[string]struct{}              // progress not yet checkpointed
	timers  map[string]*time.Timer
	cleanup map[string]func() // work to do once a stopped transfer has let go of its files
	names   names             // the file names tasks hold

	library     map[string]*task.LibraryItem
	shelved     map[string]string // download id -> library item id
	libraryURLs map[string]string // source url -> library item id

	lastStamp time.Time // the newest created_at handed out

	self     *actor.PID
	root     *actor.RootContext
	stopTick func()
	closing  *actor.PID // who asked for Shutdown, once asked
}

// New builds a manager over the tasks and library loaded from the store.
func New(cfg Config, tasks []task.Task, library []task.LibraryItem) *Manager {
	m := &Manager{
		cfg:      cfg,
		log:      cfg.Log.With().Str("component", "manager").Logger(),
		settings: cfg.Settings,
		tasks:    make(map[string]*task.Task, len(tasks)),
		queued:   map[string]*task.Task{},
		batches:  map[string]map[string]*task.Task{},
		running:  map[string]*runningTransfer{},
		dirty:    map[string]struct{}{},
		timers:   map[string]*time.Timer{},
		cleanup:  map[string]func(){},
		names:    newNames(),

		library:     map[string]*task.LibraryItem{},
		shelved:     map[string]string{},
		libraryURLs: map[string]string{},
	}
	m.env = &transfer.Env{
		Client:        transfer.LimitRedirects(cfg.HTTPClient),
		Limiter:       transfer.NewLimiter(),
		StallTimeout:  cfg.StallTimeout,
		ProgressEvery: cfg.ProgressEvery,
		UserAgent:     cfg.UserAgent,
		Metrics:       cfg.Metrics,
	}
	m.applySpeedLimit()
	for _, t := range tasks {
		m.insert(t)
		m.lastStamp = later(m.lastStamp, t.CreatedAt)
	}
	for _, item := range library {
		m.shelve(item)
	}
	m.sweep()
	return m
}

// insert adds t to the registry and its indexes.
func (m *Manager) insert(t task.Task) {
	p := &t
	m.tasks[t.ID] = p
	m.names.hold(m.dirOf(p), t.Filename, t.ID)
	if t.State == task.Queued {
		m.queued[t.ID] = p
	}
	if t.BatchID != nil {
		if m.batches[*t.BatchID] == nil {
			m.batches[*t.BatchID] = map[string]*task.Task{}
		}
		m.batches[*t.BatchID][t.ID] = p
	}
}

// forget removes a task from the registry and its indexes.
func (m *Manager) forget(id string) {
	t, ok := m.tasks[id]
	if !ok {
		return
	}
	delete(m.tasks, id)
	m.names.release(m.dirOf(t), t.Filename, id)
	delete(m.queued, id)
	delete(m.dirty, id)
	if t.BatchID != nil {
		delete(m.batches[*t.BatchID], id)
		if len(m.batches[*t.BatchID]) == 0 {
			delete(m.batches, *t.BatchID)
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Props returns the props that spawn m.
func Props(m *Manager) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return m })
}

// Receive dispatches the manager's messages.
func (m *Manager) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		m.started(ctx)
	case *actor.Stopping:
		m.stopTimers()
	case Add:
		ctx.Respond(reply(m.add(msg.Request)))
	case Get:
		ctx.Respond(reply(m.get(msg.ID)))
	case Act:
		ctx.Respond(reply(m.act(ctx, msg)))
	case ActAll:
		ctx.Respond(reply(m.actAll(ctx, msg.Action)))
	case List:
		ctx.Respond(reply(m.query(msg.Query), nil))
	case AddBatch:
		ctx.Respond(reply(m.addBatch(msg.Request)))
	case ListBatches:
		ctx.Respond(reply(m.listBatches(msg.Query), nil))
	case BatchItems:
		ctx.Respond(reply(m.batchItems(msg.ID)))
	case ActBatch:
		ctx.Respond(reply(m.actBatch(ctx, msg)))
	case ListLibrary:
		ctx.Respond(reply(m.listLibrary(), nil))
	case GetLibraryItem:
		ctx.Respond(reply(m.getLibraryItem(msg.ID)))
	case PatchLibraryItem:
		ctx.Respond(reply(m.patchLibraryItem(msg)))
	case DeleteLibraryItem:
		ctx.Respond(reply(m.deleteLibraryItem(msg)))
	case GetStats:
		ctx.Respond(reply(m.stats(), nil))
	case GetSettings:
		ctx.Respond(reply(m.settings, nil))
	case UpdateSettings:
		ctx.Respond(reply(m.updateSettings(ctx, msg.Patch)))
	case Shutdown:
		m.shutdown(ctx)
	case transfer.ClaimName:
		ctx.Respond(transfer.Named{Filename: m.claimName(msg)})
	case transfer.Plan:
		ctx.Respond(transfer.Planned{OK: m.transferPlanned(msg)})
	case transfer.Started:
		m.transferStarted(msg)
	case transfer.Restarted:
		m.transferRestarted(msg)
	case transfer.Progress:
		m.transferProgress(msg)
	case transfer.Finished:
		m.transferFinished(ctx, msg)
	case wake:
		m.wake(msg.id)
	case checkpointTick:
		m.checkpoint()
	}
	if m.closing == nil {
		m.schedule(ctx)
	}
	m.cfg.Metrics.ActiveDownloads(len(m.running))
}

func (m *Manager) started(ctx actor.Context) {
	m.self, m.root = ctx.Self(), ctx.ActorSystem().Root
	// Transfers that were running when the daemon stopped, even by kill -9,
	// go back in the queue and resume from their part files.
	var recovered []task.Task
	for _, t := range m.tasks {
		switch t.State {
		case task.Starting, task.Downloading:
			m.setState(t, task.Queued)
			t.Speed, t.ETA = 0, 0
			recovered = append(recovered, *t)
		case task.Waiting:
			m.armRetry(t)
		}
		m.notify(task.Loaded, t)
	}
	if err := m.cfg.Store.SaveTasks(recovered...); err != nil {
		m.log.Error().Err(err).Msg("persist recovered tasks")
	}
	m.stopTick = tick.Every(m.root, m.self, m.cfg.Checkpoint, checkpointTick{})
	m.log.Info().Int("tasks", len(m.tasks)).Int("requeued", len(recovered)).Msg("manager started")
}

func (m *Manager) stopTimers() {
	if m.stopTick != nil {
		m.stopTick()
	}
	for id, t := range m.timers {
		t.Stop()
		delete(m.timers, id)
	}
}

// dirOf is the folder a task's file lives in.
func (m *Manager) dirOf(t *task.Task) string {
	return filepath.Join(m.cfg.DownloadDir, filepath.FromSlash(t.Destination))
}

// setState moves t to s and keeps the queue index in step.
func (m *Manager) setState(t *task.Task, s task.State) {
	t.State = s
	if s != task.Downloading {
		t.Segments = 0 // connections are open only while downloading
	}
	if s == task.Queued {
		m.queued[t.ID] = t
	} else {
		delete(m.queued, t.ID)
	}
}

// save writes t now: state changes are never left to a checkpoint.
func (m *Manager) save(t *task.Task) error {
	if err := m.cfg.Store.SaveTasks(*t); err != nil {
		return fmt.Errorf("store task: %w", err)
	}
	delete(m.dirty, t.ID)
	return nil
}

// persist saves a change the user did not ask for, which has happened
// whether or not it is stored: a failed write is only logged.
func (m *Manager) persist(t *task.Task) {
	if err := m.save(t); err != nil {
		m.log.Error().Err(err).Str("task_id", t.ID).Msg("persist task")
	}
}

// checkpoint writes the progress of every task that moved since the last one,
// in one transaction.
func (m *Manager) checkpoint() {
	if len(m.dirty) == 0 {
		return
	}
	batch := make([]task.Task, 0, len(m.dirty))
	for id := range m.dirty {
		if t, ok := m.tasks[id]; ok {
			batch = append(batch, *t)
		}
	}
	clear(m.dirty)
	if err := m.cfg.Store.SaveTasks(batch...); err != nil {
		m.log.Error().Err(err).Int("tasks", len(batch)).Msg("checkpoint")
	}
}

func (m *Manager) applySpeedLimit() {
	lim := m.settings.SpeedLimit
	// A burst of a quarter second keeps the rate smooth without tiny reads.
	m.env.Limiter.Set(lim, int(min(max(lim/4, 4<<10), 256<<10)))
}

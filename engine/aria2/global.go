package aria2

import (
	"strconv"

	"github.com/fetchd/fetchd/engine/task"
)

// getOption is a task's options in aria2's names.
func (s *Server) getOption(p params) (any, *rpcError) {
	t, rerr := s.lookup(p, 0)
	if rerr != nil {
		return nil, rerr
	}
	opts := map[string]string{
		"dir":                       s.dirOf(&t),
		"split":                     num(t.Connections),
		"max-connection-per-server": num(t.Connections),
		"max-download-limit":        num(t.SpeedLimit),
	}
	if t.Filename != "" {
		opts["out"] = t.Filename
	}
	if v, ok := t.Headers["Referer"]; ok {
		opts["referer"] = v
	}
	if v, ok := t.Headers["User-Agent"]; ok {
		opts["user-agent"] = v
	}
	if t.Checksum != nil {
		opts["checksum"] = "sha-256=" + (*t.Checksum)[len("sha256:"):]
	}
	return opts, nil
}

// changeOption: a task's options are fixed when it is created. Options
// fetchd does not keep are ignored, as aria2 ignores unknown keys.
func (s *Server) changeOption(p params) (any, *rpcError) {
	if _, rerr := s.lookup(p, 0); rerr != nil {
		return nil, rerr
	}
	opts, rerr := p.options(1)
	if rerr != nil {
		return nil, rerr
	}
	for _, name := range taskOptions {
		if _, ok := opts[name]; ok {
			return nil, optionError(name, "fetchd sets it when a download is added, and cannot change it later.")
		}
	}
	return "OK", nil
}

// taskOptions are the options addUri maps onto a task.
var taskOptions = []string{"dir", "out", "header", "referer", "user-agent", "http-user", "http-passwd",
	"split", "max-connection-per-server", "max-download-limit", "checksum"}

// getGlobalOption is the settings in aria2's names.
func (s *Server) getGlobalOption(params) (any, *rpcError) {
	st, err := s.cfg.Engine.Settings()
	if err != nil {
		return nil, failed(err.Error())
	}
	return map[string]string{
		"dir":                        s.cfg.DownloadDir,
		"max-concurrent-downloads":   num(st.MaxConcurrent),
		"max-overall-download-limit": num(st.SpeedLimit),
		"max-download-limit":         "0",
		"split":                      num(st.Connections),
		"max-connection-per-server":  num(st.Connections),
		"max-tries":                  num(st.MaxRetries),
	}, nil
}

// changeGlobalOption changes the settings aria2's options name; others are
// ignored.
func (s *Server) changeGlobalOption(p params) (any, *rpcError) {
	opts, rerr := p.options(0)
	if rerr != nil {
		return nil, rerr
	}
	var patch task.SettingsPatch
	integer := func(name string, into **int) *rpcError {
		v, ok := opts[name]
		if !ok || len(v) == 0 {
			return nil
		}
		n, err := strconv.Atoi(v[len(v)-1])
		if err != nil {
			return optionError(name, "")
		}
		*into = &n
		return nil
	}
	for name, into := range map[string]**int{
		"max-concurrent-downloads": &patch.MaxConcurrent,
		"max-tries":                &patch.MaxRetries,
	} {
		if rerr := integer(name, into); rerr != nil {
			return nil, rerr
		}
	}
	conns, rerr := connections(opts)
	if rerr != nil {
		return nil, rerr
	}
	if conns > 0 {
		patch.Connections = &conns
	}
	if v, ok := opts["max-overall-download-limit"]; ok && len(v) > 0 {
		limit, err := task.ParseRate(v[len(v)-1])
		if err != nil {
			return nil, optionError("max-overall-download-limit", "")
		}
		patch.SpeedLimit = &limit
	}
	if _, err := s.cfg.Engine.UpdateSettings(patch); err != nil {
		return nil, failed(err.Error())
	}
	return "OK", nil
}

// getGlobalStat counts as aria2 does: paused tasks wait, and every task
// that ended is stopped.
func (s *Server) getGlobalStat(params) (any, *rpcError) {
	st, err := s.cfg.Engine.Stats()
	if err != nil {
		return nil, failed(err.Error())
	}
	stoppedN := st.Completed + st.Failed + st.Cancelled
	return map[string]string{
		"downloadSpeed":   num(int64(st.TotalSpeed)),
		"uploadSpeed":     "0",
		"numActive":       num(st.ActiveDownloads),
		"numWaiting":      num(st.Queued + st.Paused),
		"numStopped":      num(stoppedN),
		"numStoppedTotal": num(stoppedN),
	}, nil
}

// ariaVersion is the aria2 release whose RPC fetchd follows; clients compare
// it to decide what they may call. fetchd's own version is in /api/health.
const ariaVersion = "1.36.0"

func (s *Server) getVersion(params) (any, *rpcError) {
	return map[string]any{
		"version":         ariaVersion,
		"enabledFeatures": []string{"HTTPS", "Message Digest"},
	}, nil
}

func (s *Server) getSessionInfo(params) (any, *rpcError) {
	return map[string]string{"sessionId": s.session}, nil
}

// saveSession: fetchd stores every change as it happens.
func (s *Server) saveSession(params) (any, *rpcError) { return "OK", nil }

// shutdown stops the daemon as SIGTERM does, after answering.
func (s *Server) shutdown(params) (any, *rpcError) {
	if s.cfg.Shutdown == nil {
		return nil, failed("shutdown is not available: this engine is embedded, not run as the fetchd daemon")
	}
	s.log.Info().Msg("shutdown asked over aria2 JSON-RPC")
	go s.cfg.Shutdown()
	return "OK", nil
}

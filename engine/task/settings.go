package task

import "fmt"

// Settings are the engine's run-time knobs, persisted across restarts.
type Settings struct {
	MaxConcurrent int   `json:"max_concurrent"`
	MaxRetries    int   `json:"max_retries"`
	SpeedLimit    int64 `json:"speed_limit"` // bytes/s across all downloads, 0 = none
	Connections   int   `json:"connections"` // a new task's parallel connections
}

// DefaultSettings are what a fresh store starts with.
func DefaultSettings() Settings {
	return Settings{MaxConcurrent: 3, MaxRetries: 5, Connections: DefaultConnections}
}

// DefaultConnections is the connections setting of a fresh store: enough to
// beat a per-connection cap, few enough to stay polite to one server.
const DefaultConnections = 4

// Upgrade fills what settings stored by an earlier build lack.
func (s *Settings) Upgrade() {
	if s.Connections == 0 {
		s.Connections = DefaultConnections
	}
}

// SettingsPatch changes some settings; nil fields are left alone. It is both the
// body of PUT /api/settings and the set of overrides given at start-up.
type SettingsPatch struct {
	MaxConcurrent *int   `json:"max_concurrent,omitempty"`
	MaxRetries    *int   `json:"max_retries,omitempty"`
	SpeedLimit    *int64 `json:"speed_limit,omitempty"`
	Connections   *int   `json:"connections,omitempty"`
}

// MaxConcurrentLimit bounds max_concurrent: each running download holds a
// socket, a file and a buffer.
const MaxConcurrentLimit = 1000

// Apply returns s with p's fields applied, or an error naming the bad field.
func (p SettingsPatch) Apply(s Settings) (Settings, error) {
	if v := p.MaxConcurrent; v != nil {
		if *v < 1 || *v > MaxConcurrentLimit {
			return s, fmt.Errorf("%w: max_concurrent must be between 1 and %d, got %d", ErrInvalid, MaxConcurrentLimit, *v)
		}
		s.MaxConcurrent = *v
	}
	if v := p.MaxRetries; v != nil {
		if *v < 0 || *v > 100 {
			return s, fmt.Errorf("%w: max_retries must be between 0 and 100, got %d", ErrInvalid, *v)
		}
		s.MaxRetries = *v
	}
	if v := p.SpeedLimit; v != nil {
		if err := CheckSpeedLimit("speed_limit", *v); err != nil {
			return s, err
		}
		s.SpeedLimit = *v
	}
	if v := p.Connections; v != nil {
		if err := CheckConnections(*v); err != nil {
			return s, err
		}
		s.Connections = *v
	}
	return s, nil
}

// CheckConnections accepts a number of parallel connections: 1 to MaxConnections.
func CheckConnections(n int) error {
	if n < 1 || n > MaxConnections {
		return fmt.Errorf("%w: connections must be between 1 and %d, got %d", ErrInvalid, MaxConnections, n)
	}
	return nil
}

// CheckSpeedLimit accepts a speed limit: 0 (none) or a positive number of bytes/s.
func CheckSpeedLimit(name string, v int64) error {
	if v < 0 {
		return fmt.Errorf("%w: %s must be 0 (none) or a positive number of bytes/s, got %d", ErrInvalid, name, v)
	}
	return nil
}

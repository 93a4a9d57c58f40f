package task

import "fmt"

// Settings are the engine's run-time knobs, persisted across restarts.
type Settings struct {
	MaxConcurrent int   `json:"max_concurrent"`
	MaxRetries    int   `json:"max_retries"`
	SpeedLimit    int64 `json:"speed_limit"` // bytes/s across all downloads, 0 = none
}

// DefaultSettings are what a fresh store starts with.
func DefaultSettings() Settings {
	return Settings{MaxConcurrent: 3, MaxRetries: 5}
}

// SettingsPatch changes some settings; nil fields are left alone. It is both the
// body of PUT /api/settings and the set of overrides given at start-up.
type SettingsPatch struct {
	MaxConcurrent *int   `json:"max_concurrent,omitempty"`
	MaxRetries    *int   `json:"max_retries,omitempty"`
	SpeedLimit    *int64 `json:"speed_limit,omitempty"`
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
		if *v < 0 {
			return s, fmt.Errorf("%w: speed_limit must be 0 (none) or a positive number of bytes/s, got %d", ErrInvalid, *v)
		}
		s.SpeedLimit = *v
	}
	return s, nil
}

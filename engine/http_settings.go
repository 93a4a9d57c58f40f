package engine

import (
	"net/http"

	"github.com/fetchd/fetchd/engine/task"
)

func (e *Engine) getSettings(w http.ResponseWriter, r *http.Request) error {
	s, err := e.Settings()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

func (e *Engine) putSettings(w http.ResponseWriter, r *http.Request) error {
	var p task.SettingsPatch
	if err := decodeBody(r, &p); err != nil {
		return err
	}
	s, err := e.UpdateSettings(p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

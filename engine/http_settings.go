package engine

import (
	"net/http"

	"github.com/fetchd/fetchd/engine/task"
)

func (e *Engine) getSettings(w http.ResponseWriter, r *http.Request) {
	s, err := e.Settings()
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

func (e *Engine) putSettings(w http.ResponseWriter, r *http.Request) {
	var p task.SettingsPatch
	if err := decodeBody(r, &p); err != nil {
		writeErr(w, err)
		return
	}
	s, err := e.UpdateSettings(p)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

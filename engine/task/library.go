package task

import (
	"fmt"
	"time"
)

// LibraryItem is a finished download: a batch, or a standalone task, whose
// items have all completed.
type LibraryItem struct {
	ID          string            `json:"id"`
	BatchID     string            `json:"download_id"` // its batch, or its standalone task
	Title       string            `json:"title"`
	Files       []LibraryFile     `json:"files"`
	Size        int64             `json:"size"`
	Status      string            `json:"status"` // the user's label
	Favorite    bool              `json:"favorite"`
	Meta        map[string]string `json:"meta"`
	CompletedAt time.Time         `json:"completed_at"`
	URLs        []string          `json:"-"` // the sources, for the duplicate check
}

// LibraryFile is one file of a library item.
type LibraryFile struct {
	Filename string `json:"filename"`
	Path     string `json:"path"` // relative to the download dir
	Size     int64  `json:"size"`
}

// LibraryPatch changes the user's fields of an item; nil fields stay.
type LibraryPatch struct {
	Title    *string `json:"title"`
	Status   *string `json:"status"`
	Favorite *bool   `json:"favorite"`
}

// Apply changes item and returns what changed, keyed as PROTOCOL.md spells it.
func (p LibraryPatch) Apply(item *LibraryItem) (map[string]any, error) {
	if p.Title != nil && (*p.Title == "" || ValidateLabel("title", *p.Title, 500) != nil) {
		return nil, fmt.Errorf("%w: title must be 1 to 500 bytes of UTF-8 without control or bidirectional control characters", ErrInvalid)
	}
	if p.Status != nil && (*p.Status == "" || ValidateLabel("status", *p.Status, 64) != nil) {
		return nil, fmt.Errorf("%w: status must be 1 to 64 bytes of UTF-8 without control or bidirectional control characters", ErrInvalid)
	}
	changes := map[string]any{}
	if p.Title != nil && *p.Title != item.Title {
		item.Title, changes["title"] = *p.Title, *p.Title
	}
	if p.Status != nil && *p.Status != item.Status {
		item.Status, changes["status"] = *p.Status, *p.Status
	}
	if p.Favorite != nil && *p.Favorite != item.Favorite {
		item.Favorite, changes["favorite"] = *p.Favorite, *p.Favorite
	}
	return changes, nil
}

package engine

import (
	"github.com/fetchd/fetchd/actors/manager"
	"github.com/fetchd/fetchd/engine/task"
)

// AddBatch creates every item of b as one new batch, or none of them.
func (e *Engine) AddBatch(b task.BatchRequest) (task.BatchCreated, error) {
	return ask[task.BatchCreated](e, manager.AddBatch{Request: b})
}

// Batches summarises every batch and lists the tasks in none.
func (e *Engine) Batches(q task.Query) (task.BatchPage, error) {
	return ask[task.BatchPage](e, manager.ListBatches{Query: q})
}

// BatchItems returns the tasks of a batch, in page order.
func (e *Engine) BatchItems(id string) ([]task.Task, error) {
	return ask[[]task.Task](e, manager.BatchItems{ID: id})
}

// ActBatch applies an action to every task of a batch it is allowed for and
// returns how many that was; Delete removes the batch (withFiles: its files too).
func (e *Engine) ActBatch(id string, a task.Action, withFiles bool) (int, error) {
	return ask[int](e, manager.ActBatch{ID: id, Action: a, DeleteFiles: withFiles})
}

// Library returns every library item, newest first.
func (e *Engine) Library() ([]task.LibraryItem, error) {
	return ask[[]task.LibraryItem](e, manager.ListLibrary{})
}

// LibraryItem returns one library item.
func (e *Engine) LibraryItem(id string) (task.LibraryItem, error) {
	return ask[task.LibraryItem](e, manager.GetLibraryItem{ID: id})
}

// PatchLibraryItem changes an item's title, status or favorite.
func (e *Engine) PatchLibraryItem(id string, p task.LibraryPatch) (task.LibraryItem, error) {
	return ask[task.LibraryItem](e, manager.PatchLibraryItem{ID: id, Patch: p})
}

// DeleteLibraryItem removes an item; withFiles removes its files too.
func (e *Engine) DeleteLibraryItem(id string, withFiles bool) error {
	_, err := ask[task.LibraryItem](e, manager.DeleteLibraryItem{ID: id, DeleteFiles: withFiles})
	return err
}

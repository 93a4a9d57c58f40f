package manager

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/google/uuid"

	"github.com/fetchd/fetchd/engine/task"
)

// shelve indexes a library item.
func (m *Manager) shelve(item task.LibraryItem) *task.LibraryItem {
	p := &item
	m.library[item.ID] = p
	m.shelved[item.BatchID] = item.ID
	for _, u := range item.URLs {
		m.libraryURLs[u] = item.ID
	}
	return p
}

// unshelve forgets a library item.
func (m *Manager) unshelve(item *task.LibraryItem) {
	delete(m.library, item.ID)
	if m.shelved[item.BatchID] == item.ID {
		delete(m.shelved, item.BatchID)
	}
	for _, u := range item.URLs {
		if m.libraryURLs[u] == item.ID {
			delete(m.libraryURLs, u)
		}
	}
}

// batchTasks are the tasks of t's batch, oldest first, or t alone.
func (m *Manager) batchTasks(t *task.Task) []*task.Task {
	if t.BatchID == nil {
		return []*task.Task{t}
	}
	return m.members(*t.BatchID)
}

// shelf is a library change that a completion brings: a new item, or an
// item brought up to date.
type shelf struct {
	item  task.LibraryItem
	added bool
	prev  *task.LibraryItem // the item replaced, when not added
}

// shelfFor works out what t's download means for the library, without
// changing anything: a new item once every task of it has completed, an
// updated one when a download already there gained files, or nothing.
func (m *Manager) shelfFor(t *task.Task) *shelf {
	id := t.BatchKey()
	tasks := m.batchTasks(t)
	files, size, urls := make([]task.LibraryFile, 0, len(tasks)), int64(0), make([]string, 0, len(tasks))
	for _, member := range tasks {
		if member.State != task.Completed {
			return nil
		}
		files = append(files, task.LibraryFile{Filename: member.Filename, Path: path.Join(member.Destination, member.Filename), Size: member.Size})
		size += member.Size
		urls = append(urls, member.URL)
	}
	if itemID, shelved := m.shelved[id]; shelved {
		return updatedShelf(m.library[itemID], files, size, urls)
	}
	item := task.LibraryItem{
		ID:          uuid.NewString(),
		BatchID:     id,
		Title:       t.Filename,
		Files:       files,
		Size:        size,
		Status:      "new",
		Meta:        maps.Clone(tasks[0].Meta),
		CompletedAt: task.Now(),
		URLs:        urls,
	}
	if t.BatchName != nil {
		item.Title = *t.BatchName
	}
	if item.Meta == nil {
		item.Meta = map[string]string{}
	}
	return &shelf{item: item, added: true}
}

// updatedShelf merges a download's files into its item. Files of tasks
// deleted since stay in the item, as their URLs stay duplicates.
func updatedShelf(item *task.LibraryItem, files []task.LibraryFile, size int64, urls []string) *shelf {
	for _, f := range item.Files {
		if !slices.ContainsFunc(files, func(g task.LibraryFile) bool { return g.Path == f.Path }) {
			files = append(files, f)
			size += f.Size
		}
	}
	for _, u := range item.URLs {
		if !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
	}
	if slices.Equal(item.Files, files) {
		return nil
	}
	next := cloneItem(item)
	next.Files, next.Size, next.URLs, next.CompletedAt = files, size, urls, task.Now()
	return &shelf{item: next, prev: item}
}

// place puts a stored shelf change in the registry and announces it.
func (m *Manager) place(s *shelf) {
	if s.prev != nil {
		m.unshelve(s.prev)
	}
	item := m.shelve(s.item)
	if s.added {
		m.notifyLibrary(task.Added, item, nil)
		m.log.Info().Str("library_id", item.ID).Str("batch_id", item.BatchID).Int("files", len(item.Files)).Msg("added to the library")
		return
	}
	m.notifyLibrary(task.Updated, item, map[string]any{})
	m.log.Info().Str("library_id", item.ID).Int("files", len(item.Files)).Msg("library item updated")
}

// maybeShelve stores and announces what t's download means for the library.
func (m *Manager) maybeShelve(t *task.Task) {
	s := m.shelfFor(t)
	if s == nil {
		return
	}
	if err := m.cfg.Store.SaveLibraryItem(s.item); err != nil {
		m.log.Error().Err(err).Str("batch_id", s.item.BatchID).Msg("store library item")
		return
	}
	m.place(s)
}

func (m *Manager) listLibrary() []task.LibraryItem {
	out := make([]task.LibraryItem, 0, len(m.library))
	for _, item := range m.library {
		out = append(out, cloneItem(item))
	}
	slices.SortFunc(out, func(a, b task.LibraryItem) int {
		if c := b.CompletedAt.Compare(a.CompletedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out
}

func (m *Manager) getLibraryItem(id string) (task.LibraryItem, error) {
	item, ok := m.library[id]
	if !ok {
		return task.LibraryItem{}, fmt.Errorf("%w: no library item %q", task.ErrNotFound, id)
	}
	return cloneItem(item), nil
}

func (m *Manager) patchLibraryItem(p PatchLibraryItem) (task.LibraryItem, error) {
	item, ok := m.library[p.ID]
	if !ok {
		return task.LibraryItem{}, fmt.Errorf("%w: no library item %q", task.ErrNotFound, p.ID)
	}
	next := cloneItem(item)
	changes, err := p.Patch.Apply(&next)
	if err != nil {
		return task.LibraryItem{}, err
	}
	if len(changes) > 0 {
		if err := m.cfg.Store.SaveLibraryItem(next); err != nil {
			return task.LibraryItem{}, err
		}
		*item = next
		m.notifyLibrary(task.Updated, item, changes)
	}
	return cloneItem(item), nil
}

func (m *Manager) deleteLibraryItem(d DeleteLibraryItem) (task.LibraryItem, error) {
	item, ok := m.library[d.ID]
	if !ok {
		return task.LibraryItem{}, fmt.Errorf("%w: no library item %q", task.ErrNotFound, d.ID)
	}
	if err := m.cfg.Store.DeleteLibraryItem(item.ID); err != nil {
		return task.LibraryItem{}, err
	}
	m.unshelve(item)
	if d.DeleteFiles {
		for _, f := range item.Files {
			path := filepath.Join(m.cfg.DownloadDir, filepath.FromSlash(f.Path))
			if owner, ok := m.names.holderOf(path); ok && m.tasks[owner].BatchKey() != item.BatchID {
				// The item's own task is gone and another took the name since.
				m.log.Info().Str("library_id", item.ID).Str("file", f.Path).Str("task_id", owner).Msg("file kept: it belongs to another task")
				continue
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				m.log.Warn().Err(err).Str("library_id", item.ID).Str("file", f.Path).Msg("remove file")
			}
		}
	}
	m.notifyLibrary(task.Removed, item, nil)
	m.log.Info().Str("library_id", item.ID).Bool("delete_files", d.DeleteFiles).Msg("removed from the library")
	return cloneItem(item), nil
}

func cloneItem(item *task.LibraryItem) task.LibraryItem {
	c := *item
	c.Files = slices.Clone(item.Files)
	c.Meta = maps.Clone(item.Meta)
	if c.Meta == nil {
		c.Meta = map[string]string{}
	}
	c.URLs = slices.Clone(item.URLs)
	return c
}

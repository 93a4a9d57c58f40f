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
	m.shelved[item.DownloadID] = item.ID
	for _, u := range item.URLs {
		m.libraryURLs[u] = item.ID
	}
	return p
}

// unshelve forgets a library item.
func (m *Manager) unshelve(item *task.LibraryItem) {
	delete(m.library, item.ID)
	if m.shelved[item.DownloadID] == item.ID {
		delete(m.shelved, item.DownloadID)
	}
	for _, u := range item.URLs {
		if m.libraryURLs[u] == item.ID {
			delete(m.libraryURLs, u)
		}
	}
}

// downloadOf is the download t belongs to: its batch, oldest first, or itself.
func (m *Manager) downloadOf(t *task.Task) []*task.Task {
	if t.BatchID == nil {
		return []*task.Task{t}
	}
	return m.members(*t.BatchID)
}

// maybeShelve adds t's download to the library once every task of it has
// completed; a download already there that gained files since is brought up
// to date.
func (m *Manager) maybeShelve(t *task.Task) {
	id := t.DownloadID()
	tasks := m.downloadOf(t)
	files, size, urls := make([]task.LibraryFile, 0, len(tasks)), int64(0), make([]string, 0, len(tasks))
	for _, member := range tasks {
		if member.State != task.Completed {
			return
		}
		files = append(files, task.LibraryFile{Filename: member.Filename, Path: path.Join(member.Destination, member.Filename), Size: member.Size})
		size += member.Size
		urls = append(urls, member.URL)
	}
	if itemID, shelved := m.shelved[id]; shelved {
		m.reshelve(m.library[itemID], files, size, urls)
		return
	}
	item := task.LibraryItem{
		ID:          uuid.NewString(),
		DownloadID:  id,
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
	if err := m.cfg.Store.SaveLibraryItem(item); err != nil {
		m.log.Error().Err(err).Str("download_id", id).Msg("store library item")
		return
	}
	m.notifyLibrary(task.Added, m.shelve(item), nil)
	m.log.Info().Str("library_id", item.ID).Str("download_id", id).Int("files", len(item.Files)).Msg("added to the library")
}

// reshelve updates a library item whose download completed again with other
// files, such as a batch that gained an item after it entered the library.
func (m *Manager) reshelve(item *task.LibraryItem, files []task.LibraryFile, size int64, urls []string) {
	if slices.Equal(item.Files, files) {
		return
	}
	// Files of tasks deleted since stay in the item, as their URLs stay
	// duplicates.
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
		return
	}
	next := cloneItem(item)
	next.Files, next.Size, next.URLs, next.CompletedAt = files, size, urls, task.Now()
	if err := m.cfg.Store.SaveLibraryItem(next); err != nil {
		m.log.Error().Err(err).Str("library_id", item.ID).Msg("store library item")
		return
	}
	m.unshelve(item)
	m.notifyLibrary(task.Updated, m.shelve(next), map[string]any{})
	m.log.Info().Str("library_id", item.ID).Int("files", len(files)).Msg("library item updated")
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

func (m *Manager) getLibraryItem(id string) LibraryResult {
	item, ok := m.library[id]
	if !ok {
		return LibraryResult{Err: fmt.Errorf("%w: no library item %q", task.ErrNotFound, id)}
	}
	return LibraryResult{Item: cloneItem(item)}
}

func (m *Manager) patchLibraryItem(p PatchLibraryItem) LibraryResult {
	item, ok := m.library[p.ID]
	if !ok {
		return LibraryResult{Err: fmt.Errorf("%w: no library item %q", task.ErrNotFound, p.ID)}
	}
	next := cloneItem(item)
	changes, err := p.Patch.Apply(&next)
	if err != nil {
		return LibraryResult{Err: err}
	}
	if len(changes) > 0 {
		if err := m.cfg.Store.SaveLibraryItem(next); err != nil {
			return LibraryResult{Err: err}
		}
		*item = next
		m.notifyLibrary(task.Updated, item, changes)
	}
	return LibraryResult{Item: cloneItem(item)}
}

func (m *Manager) deleteLibraryItem(d DeleteLibraryItem) LibraryResult {
	item, ok := m.library[d.ID]
	if !ok {
		return LibraryResult{Err: fmt.Errorf("%w: no library item %q", task.ErrNotFound, d.ID)}
	}
	if err := m.cfg.Store.DeleteLibraryItem(item.ID); err != nil {
		return LibraryResult{Err: err}
	}
	m.unshelve(item)
	if d.DeleteFiles {
		for _, f := range item.Files {
			err := os.Remove(filepath.Join(m.cfg.DownloadDir, filepath.FromSlash(f.Path)))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				m.log.Warn().Err(err).Str("library_id", item.ID).Str("file", f.Path).Msg("remove file")
			}
		}
	}
	m.notifyLibrary(task.Removed, item, nil)
	m.log.Info().Str("library_id", item.ID).Bool("delete_files", d.DeleteFiles).Msg("removed from the library")
	return LibraryResult{Item: cloneItem(item)}
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

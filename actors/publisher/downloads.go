package publisher

import (
	"slices"

	"github.com/fetchd/fetchd/engine/task"
)

// download is the publisher's view of one download (a batch, or a standalone
// task), for the events that speak of downloads as a whole.
type download struct {
	id        string
	taskIDs   []string // page order once sorted
	sorted    bool
	started   bool // download:started sent since the user last (re)started it
	cancelled bool // download:cancelled sent since then
	dirty     bool // changed since the last flush
}

func (p *Publisher) downloadOf(t *task.Task) *download {
	id := t.DownloadID()
	d := p.downloads[id]
	if d == nil {
		d = &download{id: id}
		p.downloads[id] = d
	}
	return d
}

// pages are the download's tasks in creation order.
func (p *Publisher) pages(d *download) []*task.Task {
	if !d.sorted {
		slices.SortFunc(d.taskIDs, func(a, b string) int { return task.ByCreation(p.current[a], p.current[b]) })
		d.sorted = true
	}
	out := make([]*task.Task, len(d.taskIDs))
	for i, id := range d.taskIDs {
		out[i] = p.current[id]
	}
	return out
}

// describe names d for the events dialect; mangaId, chapterId and
// extensionId come from the meta of its first page.
func (p *Publisher) describe(d *download, pages []*task.Task) task.Download {
	desc := task.Download{ID: d.id, ChapterID: d.id, TaskIDs: slices.Clone(d.taskIDs)}
	if len(pages) > 0 {
		meta := pages[0].Meta
		desc.MangaID, desc.ExtensionID = meta["mangaId"], meta["extensionId"]
		if c := meta["chapterId"]; c != "" {
			desc.ChapterID = c
		}
	}
	return desc
}

// track records a task joining or leaving its download.
func (p *Publisher) track(t *task.Task, kind task.ChangeKind) {
	d := p.downloadOf(t)
	if kind == task.Loaded {
		// Known at start-up: nothing changed, but a download that ran
		// before the restart has started already.
		d.started = d.started || t.StartedAt != nil
	} else {
		d.dirty = true
	}
	if kind == task.Removed {
		d.taskIDs = slices.DeleteFunc(d.taskIDs, func(id string) bool { return id == t.ID })
		if len(d.taskIDs) == 0 {
			delete(p.downloads, d.id)
		}
		return
	}
	d.taskIDs = append(d.taskIDs, t.ID)
	d.sorted = false
}

// transition derives the download events of one state change, in order.
func (p *Publisher) transition(prev task.State, t *task.Task) []task.Event {
	d := p.downloadOf(t)
	d.dirty = true
	var out []task.Event
	switch {
	case t.State == task.Queued && (prev == task.Paused || prev == task.Failed || prev == task.Cancelled || prev == task.Completed):
		d.started, d.cancelled = false, false // the user resumed or retried it
	case t.State == task.Starting && !d.started:
		d.started = true
		out = append(out, task.DownloadStarted{Download: p.describe(d, p.pages(d))})
	case t.State == task.Completed && prev != task.Completed:
		pages := p.pages(d)
		desc := p.describe(d, pages)
		out = append(out, task.PageComplete{Download: desc, Page: slices.Index(d.taskIDs, t.ID) + 1})
		if allOf(pages, func(pg *task.Task) bool { return pg.State == task.Completed }) {
			out = append(out, task.ChapterComplete{Download: desc, TotalPages: len(pages)})
		}
	case t.State == task.Failed:
		msg := ""
		if t.ErrorMessage != nil {
			msg = *t.ErrorMessage
		}
		out = append(out, task.DownloadFailed{Download: p.describe(d, p.pages(d)), Error: msg})
	case t.State == task.Cancelled && !d.cancelled:
		pages := p.pages(d)
		if !anyOf(pages, func(pg *task.Task) bool {
			return pg.State.Active() || pg.State == task.Queued || pg.State == task.Waiting || pg.State == task.Paused
		}) {
			d.cancelled = true
			out = append(out, task.DownloadCancelled{Download: p.describe(d, pages)})
		}
	}
	return out
}

// progress is the status of every download that changed since the last flush.
func (p *Publisher) progress() (task.DownloadProgress, bool) {
	var ev task.DownloadProgress
	for _, d := range p.downloads {
		if !d.dirty {
			continue
		}
		d.dirty = false
		pages := p.pages(d)
		done := 0
		for _, pg := range pages {
			if pg.State == task.Completed {
				done++
			}
		}
		ev.Downloads = append(ev.Downloads, task.DownloadStatus{
			Download:    p.describe(d, pages),
			CurrentPage: done,
			TotalPages:  len(pages),
			Percentage:  task.Percentage(pages),
		})
	}
	return ev, len(ev.Downloads) > 0
}

func allOf(ts []*task.Task, f func(*task.Task) bool) bool {
	return !anyOf(ts, func(t *task.Task) bool { return !f(t) })
}

func anyOf(ts []*task.Task, f func(*task.Task) bool) bool {
	return slices.ContainsFunc(ts, f)
}

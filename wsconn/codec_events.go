package wsconn

import (
	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/engine/task"
)

// eventsCodec is the events dialect: {"event": ..., "data": {...}, "timestamp": <Unix ms>}.
type eventsCodec struct{}

type envelope struct {
	Event     string `json:"event"`
	Data      any    `json:"data"`
	Timestamp int64  `json:"timestamp"`
}

// downloadData is the body of every download:* event: a "download" is a
// batch, a "page" one of its tasks and a "chapter" the whole batch.
type downloadData struct {
	DownloadID  string   `json:"downloadId"`
	MangaID     *string  `json:"mangaId,omitempty"`
	ChapterID   string   `json:"chapterId"`
	CurrentPage *int     `json:"currentPage,omitempty"`
	TotalPages  *int     `json:"totalPages,omitempty"`
	Percentage  *float64 `json:"percentage,omitempty"`
	PageNumber  *int     `json:"pageNumber,omitempty"`
	Error       *string  `json:"error,omitempty"`
	Timestamp   int64    `json:"timestamp"`
}

type libraryData struct {
	LibraryID   string          `json:"libraryId"`
	MangaID     string          `json:"mangaId"`
	ExtensionID string          `json:"extensionId"`
	Title       string          `json:"title"`
	CoverURL    string          `json:"coverUrl,omitempty"`
	Status      *string         `json:"status,omitempty"`
	Favorite    *bool           `json:"favorite,omitempty"`
	Changes     *map[string]any `json:"changes,omitempty"` // a pointer: an update with no user changes still says {}
	Timestamp   int64           `json:"timestamp"`
}

// Encode implements hub.Codec. Task-level events have no form in this
// dialect, nor has a place in the stream.
func (eventsCodec) Encode(ev task.Event, _ hub.Position, subs task.Subscriptions) []byte {
	ts := now()
	frame := func(name string, data any) []byte {
		return jsonFrame(envelope{Event: name, Data: data, Timestamp: ts})
	}
	// about frames an event about one batch (a "download" in this
	// dialect), for connections that see it.
	about := func(b task.Batch, name string, fill func(*downloadData)) []byte {
		if !b.SeenBy(subs) {
			return nil
		}
		d := downloadData{DownloadID: b.ID, ChapterID: chapterID(b), Timestamp: ts}
		fill(&d)
		return frame(name, d)
	}
	switch e := ev.(type) {
	case task.SyncAll:
		if !e.Initial {
			return nil // a subscription change is answered by its ack alone
		}
		return frame("connect", map[string]string{"message": "connected to fetchd", "protocol": "events"})
	case task.BatchStarted:
		return about(e.Batch, "download:started", func(d *downloadData) { d.MangaID = ptr(e.Batch.Meta["mangaId"]) })
	case task.BatchProgress:
		// One frame per batch that changed, sent together.
		var out []byte
		for _, st := range e.Batches {
			out = append(out, about(st.Batch, "download:progress", func(d *downloadData) {
				d.CurrentPage, d.TotalPages, d.Percentage = &st.Completed, &st.Tasks, &st.Percentage
			})...)
		}
		return out
	case task.BatchTaskCompleted:
		return about(e.Batch, "download:page:complete", func(d *downloadData) { d.PageNumber = &e.Number })
	case task.BatchCompleted:
		return about(e.Batch, "download:chapter:complete", func(d *downloadData) { d.TotalPages = &e.Tasks })
	case task.BatchFailed:
		return about(e.Batch, "download:failed", func(d *downloadData) { d.Error = &e.Error })
	case task.BatchCancelled:
		return about(e.Batch, "download:cancelled", func(*downloadData) {})
	case task.LibraryAdded:
		return frame("library:item:added", libraryPayload(e.Item, true, ts))
	case task.LibraryUpdated:
		d := libraryPayload(e.Item, true, ts)
		changes := e.Changes
		if changes == nil {
			changes = map[string]any{}
		}
		d.Changes = &changes
		return frame("library:item:updated", d)
	case task.LibraryRemoved:
		return frame("library:item:removed", libraryPayload(e.Item, false, ts))
	case task.SubscriptionAck:
		action := "unsubscribed"
		if e.Subscribed {
			action = "subscribed"
		}
		return frame("subscription:ack", map[string]string{"action": action, "type": "download", "downloadId": e.ID})
	case task.ErrorEvent:
		return frame("error", map[string]string{"message": e.Message})
	}
	return nil
}

// chapterID is the batch's meta chapterId, else its id (PROTOCOL.md, events dialect).
func chapterID(b task.Batch) string {
	if c := b.Meta["chapterId"]; c != "" {
		return c
	}
	return b.ID
}

func ptr[T any](v T) *T { return &v }

// libraryPayload is JAMRA's snapshot of an item; removal carries no status.
func libraryPayload(item task.LibraryItem, full bool, ts int64) libraryData {
	d := libraryData{
		LibraryID:   item.ID,
		MangaID:     item.Meta["mangaId"],
		ExtensionID: item.Meta["extensionId"],
		Title:       item.Title,
		Timestamp:   ts,
	}
	if full {
		d.CoverURL = item.Meta["coverUrl"]
		d.Status, d.Favorite = &item.Status, &item.Favorite
	}
	return d
}

// EventsKeys are the keys of each frame the events dialect makes of ev for a
// connection that filters nothing, in order: a connection sees a frame when
// it filters nothing or is subscribed to one of the frame's keys. Nil: every
// frame is for everyone.
func EventsKeys(ev task.Event) [][]string {
	keys := func(b task.Batch) []string { return append([]string{b.ID}, b.TaskIDs...) }
	switch e := ev.(type) {
	case task.BatchProgress:
		out := make([][]string, len(e.Batches))
		for i, st := range e.Batches {
			out[i] = keys(st.Batch)
		}
		return out
	case task.BatchStarted:
		return [][]string{keys(e.Batch)}
	case task.BatchTaskCompleted:
		return [][]string{keys(e.Batch)}
	case task.BatchCompleted:
		return [][]string{keys(e.Batch)}
	case task.BatchFailed:
		return [][]string{keys(e.Batch)}
	case task.BatchCancelled:
		return [][]string{keys(e.Batch)}
	}
	return nil
}

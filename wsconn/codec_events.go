package wsconn

import (
	"github.com/fetchd/fetchd/engine/task"
)

// eventsCodec is the events dialect: {"event": ..., "data": {...}, "timestamp": <Unix ms>}.
type eventsCodec struct{}

type envelope struct {
	Event     string `json:"event"`
	Data      any    `json:"data"`
	Timestamp int64  `json:"timestamp"`
}

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

// Encode implements hub.Codec. Task-level events have no form in this dialect.
func (eventsCodec) Encode(ev task.Event, subs task.Subscriptions) []byte {
	ts := now()
	frame := func(name string, data any) []byte {
		return jsonFrame(envelope{Event: name, Data: data, Timestamp: ts})
	}
	// about frames an event about one download, for connections that see it.
	about := func(dl task.Download, name string, fill func(*downloadData)) []byte {
		if !dl.SeenBy(subs) {
			return nil
		}
		d := downloadData{DownloadID: dl.ID, ChapterID: dl.ChapterID, Timestamp: ts}
		fill(&d)
		return frame(name, d)
	}
	switch e := ev.(type) {
	case task.SyncAll:
		if !e.Initial {
			return nil // a subscription change is answered by its ack alone
		}
		return frame("connect", map[string]string{"message": "connected to fetchd", "protocol": "events"})
	case task.DownloadStarted:
		return about(e.Download, "download:started", func(d *downloadData) { d.MangaID = &e.Download.MangaID })
	case task.DownloadProgress:
		// One frame per download that changed, sent together.
		var out []byte
		for _, st := range e.Downloads {
			out = append(out, about(st.Download, "download:progress", func(d *downloadData) {
				d.CurrentPage, d.TotalPages, d.Percentage = &st.CurrentPage, &st.TotalPages, &st.Percentage
			})...)
		}
		return out
	case task.PageComplete:
		return about(e.Download, "download:page:complete", func(d *downloadData) { d.PageNumber = &e.Page })
	case task.ChapterComplete:
		return about(e.Download, "download:chapter:complete", func(d *downloadData) { d.TotalPages = &e.TotalPages })
	case task.DownloadFailed:
		return about(e.Download, "download:failed", func(d *downloadData) { d.Error = &e.Error })
	case task.DownloadCancelled:
		return about(e.Download, "download:cancelled", func(*downloadData) {})
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
		return frame("subscription:ack", map[string]string{"action": action, "type": "download", "downloadId": e.DownloadID})
	case task.ErrorEvent:
		return frame("error", map[string]string{"message": e.Message})
	}
	return nil
}

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

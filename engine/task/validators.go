package task

// Validators name the version of a file an origin sent first, so a resume
// can tell the same file from a new one of the same name. They are kept with
// the task in the store and never sent on the wire.
type Validators struct {
	ETag         string `json:"etag,omitempty"`          // as sent; a weak one (W/) is kept but not used in If-Range
	LastModified string `json:"last_modified,omitempty"` // as sent
	Size         int64  `json:"size,omitempty"`          // 0 when the origin did not say
}

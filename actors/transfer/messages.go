// Package transfer is the transfer actor: one per running task, it performs
// the HTTP transfer into "<filename>.part", resumes with Range, and reports
// progress and its outcome to its parent. It is the only package that speaks
// HTTP to origins.
package transfer

import "github.com/fetchd/fetchd/engine/task"

// Job is what a transfer actor needs to fetch one task.
type Job struct {
	TaskID   string
	URL      string
	Dir      string // absolute folder of the final file
	Filename string // "" until the first response names the file
	Checksum string // "" or "sha256:<hex>"
	Size     int64  // the size last seen, to recognise a complete part on 416
	// Validators name the version the part file holds; a resume sends them
	// in If-Range.
	Validators task.Validators
	// Headers go with every request; a User-Agent among them wins over Env's.
	Headers map[string]string
	// BufferSize is the transfer's read buffer: large for a few fast
	// downloads, smaller when many run at once.
	BufferSize int
	// Connections caps the parallel ranged connections; SpeedLimit is the
	// task's own bytes/s (0 = none), across all of them.
	Connections int
	SpeedLimit  int64
	// Ranges are the checkpoints of a segmented download to resume from.
	Ranges []task.Range
}

// Plan asks the parent to store the ranges of a segmented download before
// its first byte is written, so no crash leaves a part file of the full size
// that a resume would take for a finished one; the parent answers Planned.
type Plan struct {
	TaskID     string
	Ranges     []task.Range
	Validators task.Validators
}

// Planned answers Plan; false means the task is gone or no longer running.
type Planned struct{ OK bool }

// ClaimName asks the parent to reserve a unique file name in Dir for the task;
// the parent answers with Named.
type ClaimName struct {
	TaskID string
	Dir    string
	Want   string
}

// Named is the answer to ClaimName; an empty Filename means the task is gone
// or no longer running, and the transfer stops.
type Named struct{ Filename string }

// Started reports that the origin answered and bytes are about to flow; it
// comes again for each later range of the same transfer.
type Started struct {
	TaskID     string
	Downloaded int64           // bytes already on disk (0 unless resuming)
	Size       int64           // 0 while unknown
	Validators task.Validators // of the version the part file now holds
	Ranges     []task.Range    // a segmented download's checkpoints; nil otherwise
	Segments   int             // connections open
}

// Restarted reports that the part file was dropped because it is not a
// prefix of the origin's file any more; the transfer starts from zero.
type Restarted struct {
	TaskID string
	From   int64 // the bytes dropped
	Reason string
}

// Progress reports bytes on disk, at most every Env.ProgressEvery.
type Progress struct {
	TaskID     string
	Downloaded int64
	Size       int64
	Ranges     []task.Range // checkpoints, each covering only bytes written
	Segments   int          // connections open
	// Connections, when not 0, is the lower count the origin allows (it
	// refused more with 429 or 503).
	Connections int
}

// Finished is the last message of a transfer: the file is closed and no byte
// will be written after it. Err is nil on success, ErrStopped when the parent
// stopped the actor, or an *Error.
type Finished struct {
	TaskID     string
	Downloaded int64
	Size       int64
	Ranges     []task.Range // where a segmented download stopped
	Err        error
}

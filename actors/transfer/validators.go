package transfer

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

// ifRange is the If-Range value that names the version v: its strong ETag,
// else its Last-Modified (a weak ETag may not be used there); "" when there is
// neither, and a resume goes unchecked.
func ifRange(v task.Validators) string {
	if v.ETag != "" && !strings.HasPrefix(v.ETag, "W/") {
		return v.ETag
	}
	return v.LastModified
}

// validatorsOf reads an answer's validators; size is the whole file's, or -1.
func validatorsOf(resp *http.Response, size int64) task.Validators {
	return task.Validators{
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		Size:         max(size, 0),
	}
}

// changed says how got shows another version of the file than v, or ""
// when nothing does. A validator missing on either side proves nothing.
func changed(v, got task.Validators) string {
	switch {
	case v.ETag != "" && got.ETag != "" && v.ETag != got.ETag:
		return fmt.Sprintf("ETag changed from %s to %s", v.ETag, got.ETag)
	case v.LastModified != "" && got.LastModified != "" && v.LastModified != got.LastModified:
		return fmt.Sprintf("Last-Modified changed from %q to %q", v.LastModified, got.LastModified)
	case v.Size > 0 && got.Size > 0 && v.Size != got.Size:
		return fmt.Sprintf("size changed from %d to %d bytes", v.Size, got.Size)
	}
	return ""
}

// merged keeps v and learns what it lacks from got, the same version.
func merged(v, got task.Validators) task.Validators {
	return task.Validators{
		ETag:         cmp.Or(v.ETag, got.ETag),
		LastModified: cmp.Or(v.LastModified, got.LastModified),
		Size:         cmp.Or(v.Size, got.Size),
	}
}

//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package cli

import "io"

// termSize is the size of the terminal w writes to; here it cannot be asked.
func termSize(io.Writer) (cols, rows int) { return 80, 24 }

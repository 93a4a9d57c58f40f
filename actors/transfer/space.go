package transfer

// checkSpace fails at once when the file system of dir cannot hold need more
// bytes: better now, with a clear message, than at the last gigabyte. Where
// free space cannot be read the check is skipped.
func checkSpace(dir string, need int64) error {
	if need <= 0 {
		return nil
	}
	if free, ok := freeSpace(dir); ok && free < need {
		return fatal("not enough disk space: %d bytes still to download, %d free in %s", need, free, dir)
	}
	return nil
}

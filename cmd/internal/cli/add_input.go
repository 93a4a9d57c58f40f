package cli

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

// stdin is what --input-file - reads; tests replace it.
var stdin io.Reader = os.Stdin

// withInputFile adds the URLs of file (one a line; blank lines and lines
// starting with # skipped; - is the standard input) to urls.
func withInputFile(urls []string, file string) ([]string, error) {
	if file == "" {
		return urls, nil
	}
	var r io.Reader = stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("--input-file: %w", err)
		}
		defer f.Close()
		r = f
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			urls = append(urls, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--input-file %s: %w", file, err)
	}
	return urls, nil
}

// checkSchemes refuses a URL without http:// or https:// before anything is
// sent: guessing the scheme could fetch something else than what was meant.
func checkSchemes(urls []string) error {
	for _, u := range urls {
		if scheme, _, ok := strings.Cut(u, "://"); !ok || scheme == "" {
			return fmt.Errorf("URL needs http:// or https://: %s", u)
		}
	}
	return nil
}

// addedLine reports a new task with the name the daemon gave it; until the
// origin answers there is none yet, and the URL's last segment stands in.
func addedLine(t *task.Task) string {
	if t.Filename != "" {
		return fmt.Sprintf("added %s %s", t.ID, t.Filename)
	}
	name := t.URL
	if u, err := url.Parse(t.URL); err == nil {
		if base := path.Base(u.Path); base != "." && base != "/" {
			name = base
		}
	}
	return fmt.Sprintf("added %s %s (provisional: named when the origin answers)", t.ID, name)
}

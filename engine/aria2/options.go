package aria2

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

// optionError is aria2's answer to an option it cannot take, with fetchd's
// reason after it.
func optionError(name string, why string) *rpcError {
	msg := fmt.Sprintf("We encountered a problem while processing the option '--%s'.", name)
	if why != "" {
		msg += " " + why
	}
	return failed(msg)
}

// addURI creates a task from aria2.addUri(uris, options?, position?). The
// first URI is the download; aria2 would take the others as mirrors of the
// same file. fetchd has no queue positions, so position is not used.
func (s *Server) addURI(p params) (any, *rpcError) {
	list, rerr := p.strs(0)
	if rerr != nil || !p.has(0) {
		return nil, wrongType(0)
	}
	if len(list) == 0 {
		return nil, failed("URI is not provided.")
	}
	opts, rerr := p.options(1)
	if rerr != nil {
		return nil, rerr
	}
	req, rerr := s.addRequest(list[0], opts)
	if rerr != nil {
		return nil, rerr
	}
	t, err := s.cfg.Engine.Add(req)
	if err != nil {
		return nil, failed(err.Error())
	}
	return s.gids.of(t.ID), nil
}

// addRequest maps aria2's options onto a task; options aria2 has and fetchd
// does not use are ignored, as aria2 ignores unknown keys.
func (s *Server) addRequest(uri string, opts map[string][]string) (task.AddRequest, *rpcError) {
	// A client that adds a URL twice means it: aria2 has no duplicate check.
	req := task.AddRequest{URL: uri, Force: true, Headers: map[string]string{}}
	one := func(name string) (string, bool) {
		v, ok := opts[name]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[len(v)-1], true
	}
	if dir, ok := one("dir"); ok {
		dest, err := s.destination(dir)
		if err != nil {
			return req, optionError("dir", err.Error())
		}
		req.Destination = dest
	}
	if out, ok := one("out"); ok {
		if strings.Contains(out, "..") || path.IsAbs(out) || filepath.IsAbs(out) {
			return req, optionError("out", "It must be a path inside dir without \"..\".")
		}
		// A sub-folder in out lands under dir, as in aria2.
		if sub, name := path.Split(strings.ReplaceAll(out, `\`, "/")); sub != "" {
			req.Destination = path.Join(req.Destination, sub)
			out = name
		}
		req.Filename = out
	}
	for _, line := range opts["header"] {
		name, value, err := task.ParseHeaderLine(line)
		if err != nil {
			return req, optionError("header", err.Error())
		}
		req.Headers[http.CanonicalHeaderKey(name)] = value
	}
	if v, ok := one("referer"); ok {
		req.Headers["Referer"] = v
	}
	if v, ok := one("user-agent"); ok {
		req.Headers["User-Agent"] = v
	}
	req.Username, _ = one("http-user")
	req.Password, _ = one("http-passwd")
	conns, rerr := connections(opts)
	if rerr != nil {
		return req, rerr
	}
	req.Connections = conns
	if v, ok := one("max-download-limit"); ok {
		limit, err := task.ParseRate(v)
		if err != nil {
			return req, optionError("max-download-limit", "")
		}
		req.SpeedLimit = limit
	}
	if v, ok := one("checksum"); ok {
		sum, err := checksum(v)
		if err != nil {
			return req, optionError("checksum", err.Error())
		}
		req.Checksum = sum
	}
	return req, nil
}

// destination turns aria2's dir into a folder under the download dir: an
// absolute path must lie inside it, a relative one is taken from it.
func (s *Server) destination(dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(s.cfg.DownloadDir, dir)
	}
	rel, err := filepath.Rel(s.cfg.DownloadDir, filepath.Clean(dir))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is not inside the download dir %s.", dir, s.cfg.DownloadDir)
	}
	if rel == "." {
		return "", nil
	}
	return filepath.ToSlash(rel), nil
}

// connections is the task's connection count: split and
// max-connection-per-server both bound it, as they do in aria2 for one
// server. split beyond fetchd's limit is cut to it.
func connections(opts map[string][]string) (int, *rpcError) {
	n := 0
	for _, name := range []string{"split", "max-connection-per-server"} {
		v, ok := opts[name]
		if !ok || len(v) == 0 {
			continue
		}
		c, err := strconv.Atoi(strings.TrimSpace(v[len(v)-1]))
		if err != nil || c < 1 || name != "split" && c > task.MaxConnections {
			return 0, optionError(name, fmt.Sprintf("It must be between 1 and %d.", task.MaxConnections))
		}
		c = min(c, task.MaxConnections)
		if n == 0 || c < n {
			n = c
		}
	}
	return n, nil
}

// checksum turns aria2's "sha-256=<hex>" into fetchd's "sha256:<hex>".
func checksum(v string) (string, error) {
	algo, sum, ok := strings.Cut(v, "=")
	if !ok {
		return "", errors.New("It must be TYPE=DIGEST.")
	}
	if a := strings.ToLower(algo); a != "sha-256" && a != "sha256" {
		return "", fmt.Errorf("fetchd checks sha-256 only, not %s.", algo)
	}
	if b, err := hex.DecodeString(sum); err != nil || len(b) != 32 {
		return "", errors.New("A sha-256 digest is 64 hex digits.")
	}
	return "sha256:" + strings.ToLower(sum), nil
}

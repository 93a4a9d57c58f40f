package task

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Redacted stands for a header value that output never shows.
const Redacted = "<redacted>"

// maxHeaders bounds the request headers of one task.
const maxHeaders = 64

// engineHeaders are the headers the transfer sets itself; a task may not.
var engineHeaders = []string{"Host", "Content-Length", "Range", "If-Range", "Accept-Encoding", "Connection", "Transfer-Encoding"}

// RequestOptions are the request headers and credentials of a new task.
type RequestOptions struct {
	Headers  map[string]string
	Username string
	Password string
}

// RequestHeaders validates o and returns the headers every request of the
// task sends, names canonical; a username (or the URL's credentials, which
// the fields override) becomes basic auth. It returns u without credentials.
func (o RequestOptions) RequestHeaders(u *url.URL) (map[string]string, *url.URL, error) {
	if len(o.Headers) > maxHeaders {
		return nil, nil, fmt.Errorf("%w: headers has more than %d entries", ErrInvalid, maxHeaders)
	}
	out := make(map[string]string, len(o.Headers)+1)
	for name, value := range o.Headers {
		if !isToken(name) {
			return nil, nil, fmt.Errorf("%w: header name %q is not a valid HTTP token", ErrInvalid, name)
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			return nil, nil, fmt.Errorf("%w: header %s: a value may not contain CR, LF or NUL", ErrInvalid, name)
		}
		name = http.CanonicalHeaderKey(name)
		for _, owned := range engineHeaders {
			if name == owned {
				return nil, nil, fmt.Errorf("%w: header %s is set by fetchd and may not be given", ErrInvalid, name)
			}
		}
		if _, dup := out[name]; dup {
			return nil, nil, fmt.Errorf("%w: header %s is given twice", ErrInvalid, name)
		}
		out[name] = strings.TrimSpace(value)
	}
	user, pass := o.Username, o.Password
	if user == "" && pass == "" && u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	clean := *u
	clean.User = nil
	if user != "" || pass != "" {
		if _, given := out["Authorization"]; given {
			return nil, nil, fmt.Errorf("%w: give either an Authorization header or a username and password, not both", ErrInvalid)
		}
		if strings.Contains(user, ":") {
			return nil, nil, fmt.Errorf("%w: a username may not contain ':'", ErrInvalid)
		}
		out["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	return out, &clean, nil
}

// ShownHeaders is what output says of request headers: every name, and the
// value only of those that carry no secret.
func ShownHeaders(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for name, value := range h {
		if shownHeader(name) {
			out[name] = value
		} else {
			out[name] = Redacted
		}
	}
	return out
}

func shownHeader(name string) bool {
	name = http.CanonicalHeaderKey(name)
	return name == "Referer" || name == "User-Agent" || strings.HasPrefix(name, "Accept")
}

// HostOf is the host of a task's URL, for display.
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// ParseHeaderLine reads "Name: value", the form of curl's -H and the page's
// headers field.
func ParseHeaderLine(line string) (name, value string, err error) {
	name, value, ok := strings.Cut(line, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return "", "", fmt.Errorf("%w: header %q is not \"Name: value\"", ErrInvalid, line)
	}
	return name, strings.TrimSpace(value), nil
}

// isToken reports whether s is an RFC 7230 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

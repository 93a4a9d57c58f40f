package task

import (
	"fmt"
	"mime"
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameBytes leaves room under the usual 255-byte limit for " (n)" and ".part".
const maxNameBytes = 200

// ValidateFilename checks a file name given by a client. A hostile name is
// refused, not repaired: the client learns its request was wrong.
func ValidateFilename(name string) error {
	if name == "" {
		return nil
	}
	switch {
	case strings.Contains(name, ".."):
		return fmt.Errorf("%w: filename must not contain %q", ErrInvalid, "..")
	case strings.ContainsAny(name, `/\`) || filepath.IsAbs(name):
		return fmt.Errorf("%w: filename must be a plain name, not a path", ErrInvalid)
	case strings.TrimSpace(name) == "" || name == ".":
		return fmt.Errorf("%w: filename %q is not a file name", ErrInvalid, name)
	case strings.HasSuffix(strings.ToLower(name), ".part"):
		return fmt.Errorf("%w: filename must not end in .part, which names fetchd's partial files", ErrInvalid)
	case len(name) > maxNameBytes:
		return fmt.Errorf("%w: filename is longer than %d bytes", ErrInvalid, maxNameBytes)
	case hasControl(name) || !utf8.ValidString(name):
		return fmt.Errorf("%w: filename must be valid UTF-8 without control or bidirectional control characters", ErrInvalid)
	}
	return nil
}

// ValidateLabel checks a text a client names something by (a batch name, a
// category, a title): at most max bytes of UTF-8 without control or
// bidirectional control characters, which would disguise it on screen.
func ValidateLabel(field, s string, max int) error {
	if len(s) > max || !utf8.ValidString(s) || hasControl(s) {
		return fmt.Errorf("%w: %s must be at most %d bytes of UTF-8 without control or bidirectional control characters", ErrInvalid, field, max)
	}
	return nil
}

// CleanDestination checks a sub-folder given by a client and returns it in
// canonical form ("" for the root of the download dir).
func CleanDestination(dest string) (string, error) {
	if dest == "" {
		return "", nil
	}
	switch {
	case strings.Contains(dest, ".."):
		return "", fmt.Errorf("%w: destination must not contain %q", ErrInvalid, "..")
	case strings.HasPrefix(dest, "/") || strings.HasPrefix(dest, `\`) || filepath.IsAbs(dest) || filepath.VolumeName(dest) != "":
		return "", fmt.Errorf("%w: destination must be relative to the download directory", ErrInvalid)
	case hasControl(dest) || !utf8.ValidString(dest):
		return "", fmt.Errorf("%w: destination must be valid UTF-8 without control or bidirectional control characters", ErrInvalid)
	case len(dest) > 1024:
		return "", fmt.Errorf("%w: destination is longer than 1024 bytes", ErrInvalid)
	}
	clean := path.Clean(strings.ReplaceAll(dest, `\`, "/"))
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

// NameFromResponse picks a file name the way PROTOCOL.md orders it: the
// Content-Disposition header, else the last segment of the URL path, else
// "download". Either source is the server's, so it is sanitised, never trusted.
func NameFromResponse(contentDisposition string, u *url.URL) string {
	if contentDisposition != "" {
		if _, params, err := mime.ParseMediaType(contentDisposition); err == nil {
			if n := SanitizeName(params["filename"]); n != "" {
				return n
			}
		}
	}
	if u != nil {
		if n := SanitizeName(path.Base(u.Path)); n != "" {
			return n
		}
	}
	return "download"
}

// SanitizeName turns a name from a server into a plain file name, or "" when
// nothing usable is left.
func SanitizeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "_")
	name = strings.Map(func(r rune) rune {
		if hidden(r) || strings.ContainsRune(`<>:"|?*`, r) {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimFunc(name, blankOrDot)
	for strings.Contains(name, "..") { // "a..b" is no path, but clients may not send it either
		name = strings.ReplaceAll(name, "..", "_.")
	}
	// Cut to length before the last trim and the .part check, so that they
	// look at the end the name keeps.
	for len(name) > maxNameBytes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	name = strings.TrimFunc(name, blankOrDot)
	if strings.HasSuffix(strings.ToLower(name), ".part") {
		name = name[:len(name)-len(".part")] + "_part" // ".part" names partial files
	}
	return name
}

// UniqueName returns name, or the first of "stem (1).ext", "stem (2).ext", …
// that taken reports free.
func UniqueName(name string, taken func(string) bool) string {
	if !taken(name) {
		return name
	}
	name, _ = Suffixed(name, 1, func(s string) bool { return !taken(s) })
	return name
}

// Suffixed returns the first of name " (from)", " (from+1)", ... (before
// the extension) that free accepts, and its number.
func Suffixed(name string, from int, free func(string) bool) (string, int) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := from; ; i++ {
		candidate := fmt.Sprintf("%s (%d)%s", stem, i, ext)
		if free(candidate) {
			return candidate, i
		}
	}
}

// PartName is where the bytes of a file live until it is complete.
func PartName(name string) string { return name + ".part" }

func hasControl(s string) bool {
	return strings.IndexFunc(s, hidden) >= 0
}

// hidden is a control character, a bidirectional control, which makes
// "invoice\u202efdp.exe" read as "invoiceexe.pdf", or a line or paragraph
// separator, which breaks a name over two lines of a listing.
func hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) ||
		unicode.In(r, unicode.Zl, unicode.Zp)
}

// blankOrDot is what a name may not start or end with: any Unicode space
// (ValidateFilename refuses a name of spaces alone), or a dot.
func blankOrDot(r rune) bool { return unicode.IsSpace(r) || r == '.' }

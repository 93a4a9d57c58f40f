package task

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkName fails t when name is not a plain file name fetchd may create.
func checkName(t *testing.T, from, name string) {
	t.Helper()
	switch {
	case strings.ContainsAny(name, `/\`):
		t.Fatalf("%s: %q has a path separator", from, name)
	case strings.Contains(name, ".."):
		t.Fatalf("%s: %q contains \"..\"", from, name)
	case hasControl(name):
		t.Fatalf("%s: %q has a control or bidirectional control character", from, name)
	case !utf8.ValidString(name):
		t.Fatalf("%s: %q is not valid UTF-8", from, name)
	case len(name) > maxNameBytes:
		t.Fatalf("%s: %q is %d bytes, more than %d", from, name, len(name), maxNameBytes)
	case strings.HasSuffix(strings.ToLower(name), ".part"):
		t.Fatalf("%s: %q ends in .part", from, name)
	}
	if err := ValidateFilename(name); err != nil {
		t.Fatalf("%s: %q is refused as a client's filename: %v", from, name, err)
	}
}

// FuzzNames checks that names from a server come out as plain file names,
// and that what the validators accept has the properties they promise.
func FuzzNames(f *testing.F) {
	f.Fuzz(func(t *testing.T, name, disposition, rawURL string, max int) {
		if s := SanitizeName(name); s != "" {
			checkName(t, "SanitizeName", s)
			if again := SanitizeName(s); again != s {
				t.Fatalf("SanitizeName(%q) = %q, but SanitizeName(%q) = %q", name, s, s, again)
			}
		}
		u, err := url.Parse(rawURL)
		if err != nil {
			u = nil
		}
		n := NameFromResponse(disposition, u)
		if n == "" {
			t.Fatalf("NameFromResponse(%q, %q) is empty", disposition, rawURL)
		}
		checkName(t, "NameFromResponse", n)
		if name != "" && ValidateFilename(name) == nil {
			checkName(t, "ValidateFilename", name)
			if strings.TrimSpace(name) == "" || name == "." {
				t.Fatalf("ValidateFilename accepts %q", name)
			}
		}
		max = max & 0xffff
		if ValidateLabel("label", name, max) == nil && (len(name) > max || !utf8.ValidString(name) || hasControl(name)) {
			t.Fatalf("ValidateLabel(%q, %d) accepts it", name, max)
		}
	})
}

// FuzzCleanDestination checks that an accepted destination stays inside the
// download directory and is already canonical.
func FuzzCleanDestination(f *testing.F) {
	f.Fuzz(func(t *testing.T, dest string) {
		out, err := CleanDestination(dest)
		if err != nil {
			if out != "" {
				t.Fatalf("CleanDestination(%q) = %q with error %v", dest, out, err)
			}
			return
		}
		if out == "" {
			return
		}
		switch {
		case strings.HasPrefix(out, "/") || strings.HasPrefix(out, `\`) || filepath.IsAbs(out):
			t.Fatalf("CleanDestination(%q) = %q is absolute", dest, out)
		case strings.Contains(out, ".."):
			t.Fatalf("CleanDestination(%q) = %q contains \"..\"", dest, out)
		case strings.Contains(out, `\`):
			t.Fatalf("CleanDestination(%q) = %q keeps a backslash", dest, out)
		case !filepath.IsLocal(out):
			t.Fatalf("CleanDestination(%q) = %q is not local", dest, out)
		case hasControl(out) || !utf8.ValidString(out):
			t.Fatalf("CleanDestination(%q) = %q has a control character or bad UTF-8", dest, out)
		}
		if again, err := CleanDestination(out); err != nil || again != out {
			t.Fatalf("CleanDestination(%q) = %q, but CleanDestination(%q) = %q, %v", dest, out, out, again, err)
		}
	})
}

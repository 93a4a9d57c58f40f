package task

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestValidateFilename(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"", true}, {"movie.mkv", true}, {"a b (1).txt", true}, {"ünïcödé.txt", true},
		{"..", false}, {"../x", false}, {"a..b", false}, {"/etc/passwd", false}, {"a/b", false},
		{`a\b`, false}, {".", false}, {"a\x00b", false}, {"a\nb", false}, {string(make([]byte, 201)), false},
		{"invoice\u202efdp.exe", false}, {"a\u2066b", false}, {"a\u200fb", false}, {"a\u061cb", false},
	} {
		err := ValidateFilename(c.name)
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateFilename(%q) = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestCleanDestination(t *testing.T) {
	for _, c := range []struct {
		in, out string
		ok      bool
	}{
		{"", "", true}, {".", "", true}, {"tv", "tv", true}, {"tv/show/", "tv/show", true}, {`tv\show`, "tv/show", true},
		{"a//b", "a/b", true}, {"../x", "", false}, {"a/../../b", "", false}, {"/abs", "", false}, {`\abs`, "", false}, {"a\x01", "", false},
	} {
		got, err := CleanDestination(c.in)
		if (err == nil) != c.ok || got != c.out {
			t.Errorf("CleanDestination(%q) = %q, %v; want %q ok=%v", c.in, got, err, c.out, c.ok)
		}
	}
}

func TestNameFromResponse(t *testing.T) {
	u := func(s string) *url.URL { v, _ := url.Parse(s); return v }
	for _, c := range []struct {
		cd, url, want string
	}{
		{`attachment; filename="report.pdf"`, "http://h/x", "report.pdf"},
		{`attachment; filename*=UTF-8''na%C3%AFve%20file.txt`, "http://h/x", "naïve file.txt"},
		{`attachment; filename="../../etc/passwd"`, "http://h/x", "passwd"},
		{`attachment; filename=".."`, "http://h/from-url.bin", "from-url.bin"},
		{`garbage;;;`, "http://h/dir/file.iso", "file.iso"},
		{"", "http://h/a%20b.txt?x=1", "a b.txt"},
		{"", "http://h/", "download"},
		{"", "http://h", "download"},
		{`attachment; filename="a:b|c?.txt"`, "http://h/", "a_b_c_.txt"},
		{`attachment; filename=" .hidden. "`, "http://h/", "hidden"},
		{`attachment; filename="movie.mkv.part"`, "http://h/", "movie.mkv_part"},
		{"attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe", "http://h/", "invoice_fdp.exe"},
		{"", "http://h/x%E2%81%A6y.bin", "x_y.bin"},
	} {
		if got := NameFromResponse(c.cd, u(c.url)); got != c.want {
			t.Errorf("NameFromResponse(%q, %q) = %q, want %q", c.cd, c.url, got, c.want)
		}
	}
}

// TestSanitizeNameEdges holds what fuzzing found: inner ".." survived, and
// cutting a long name could leave it ending in ".part" or a dot.
func TestSanitizeNameEdges(t *testing.T) {
	long := strings.Repeat("a", 195)
	for in, want := range map[string]string{
		"a..b.txt":          "a_.b.txt",
		"file...iso":        "file__.iso",
		long + ".partxxxxx": long + "_part",
		long + "bc. .d":     long + "bc",
		"ok" + long + "éé":  "ok" + long + "é",
	} {
		got := SanitizeName(in)
		if got != want {
			t.Errorf("SanitizeName(%q) = %q, want %q", in, got, want)
		}
		if err := ValidateFilename(got); err != nil {
			t.Errorf("SanitizeName(%q) = %q, refused: %v", in, got, err)
		}
	}
}

func TestUniqueName(t *testing.T) {
	taken := map[string]bool{"a.txt": true, "a (1).txt": true, "noext": true}
	is := func(n string) bool { return taken[n] }
	for in, want := range map[string]string{"a.txt": "a (2).txt", "b.txt": "b.txt", "noext": "noext (1)"} {
		if got := UniqueName(in, is); got != want {
			t.Errorf("UniqueName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateLabel(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{{"Season 1", true}, {"", true}, {"Ünïcödé", true}, {"a\u202eb", false}, {"a\nb", false}, {"\xff", false}, {string(make([]byte, 257)), false}} {
		if err := ValidateLabel("batch_name", c.in, 256); (err == nil) != c.ok || err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateLabel(%q) = %v, want ok=%v", c.in, err, c.ok)
		}
	}
}

//go:build unix

package enginetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The tests that drive real third-party programs (a headless browser, npm
// packages) install what is missing themselves, so that `go test ./...` runs
// them on a fresh machine with Go alone, wherever Debian's packages can be
// installed (as root, or with password-less sudo).

// chromiumNames are the commands a Chromium goes by, in the order tried.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Chromium returns the path of a Chromium: $FETCHD_CHROMIUM if set, else the
// first on PATH, else Debian's package, installed now.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("FETCHD_CHROMIUM"); p != "" {
		return p
	}
	if p := lookAny(chromiumNames...); p != "" {
		return p
	}
	aptInstall(t, "chromium")
	if p := lookAny(chromiumNames...); p != "" {
		return p
	}
	t.Fatalf("Debian's chromium package was installed but none of %v is on PATH; set FETCHD_CHROMIUM to a Chromium binary", chromiumNames)
	return ""
}

// Aria2c returns the path of aria2c, installing Debian's aria2 if it is
// missing.
func Aria2c(t testing.TB) string {
	t.Helper()
	if lookAny("aria2c") == "" {
		aptInstall(t, "aria2")
	}
	p := lookAny("aria2c")
	if p == "" {
		t.Fatal("aria2c is not on PATH after installing Debian's aria2")
	}
	return p
}

// Node returns the path of node, installing Debian's nodejs and npm if
// either is missing.
func Node(t testing.TB) string {
	t.Helper()
	if lookAny("node") == "" || lookAny("npm") == "" {
		aptInstall(t, "nodejs", "npm")
	}
	p := lookAny("node")
	if p == "" {
		t.Fatal("node is not on PATH after installing Debian's nodejs")
	}
	return p
}

// NPMPackages makes dir/node_modules match dir/package-lock.json, running
// `npm ci` only when the lock file changed since the last install.
func NPMPackages(t testing.TB, dir string) {
	t.Helper()
	Node(t)
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(lock)
	want := hex.EncodeToString(sum[:])
	stamp := filepath.Join(dir, "node_modules", ".fetchd-lock-sha256")
	unlock := lockFile(t, filepath.Join(os.TempDir(), "fetchd-npm-"+want[:16]+".lock"))
	defer unlock()
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		return
	}
	run(t, dir, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	if err := os.WriteFile(stamp, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
}

// aptInstall installs Debian packages, as root or through password-less sudo;
// one test process at a time, since apt holds its own lock.
func aptInstall(t testing.TB, pkgs ...string) {
	t.Helper()
	if lookAny("apt-get") == "" {
		t.Fatalf("%s missing and this machine has no apt-get to install it: install %s by hand", strings.Join(pkgs, ", "), strings.Join(pkgs, " "))
	}
	var prefix []string
	if os.Geteuid() != 0 {
		if lookAny("sudo") == "" {
			t.Fatalf("%s missing: not root and no sudo; run: apt-get install -y %s", strings.Join(pkgs, ", "), strings.Join(pkgs, " "))
		}
		prefix = []string{"sudo", "-n"}
	}
	unlock := lockFile(t, filepath.Join(os.TempDir(), "fetchd-apt.lock"))
	defer unlock()
	t.Logf("installing Debian packages: %s", strings.Join(pkgs, " "))
	os.Setenv("DEBIAN_FRONTEND", "noninteractive")
	run(t, "", append(prefix, "apt-get", "update", "-qq")...)
	run(t, "", append(prefix, append([]string{"apt-get", "install", "-y", "-qq", "--no-install-recommends"}, pkgs...)...)...)
}

func run(t testing.TB, dir string, argv ...string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out.Bytes())
	}
}

func lookAny(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// lockFile holds an exclusive lock on path until the returned func is called,
// so that test binaries running in parallel install one at a time.
func lockFile(t testing.TB, path string) func() {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatal(err)
	}
	return func() { f.Close() }
}

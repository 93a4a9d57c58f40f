package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/task"
)

// onlyHost lets requests reach one origin and fails every other one, so no
// URL a fuzzed body names is fetched.
type onlyHost struct {
	host string
	next http.RoundTripper
}

func (o onlyHost) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != o.host {
		return nil, errors.New("no network in this test")
	}
	return o.next.RoundTrip(r)
}

// fuzzEngine opens one in-memory engine for a fuzz target, with one finished
// download in its library so that PATCH /api/library/{id} gets past the lookup.
func fuzzEngine(f *testing.F) (http.Handler, string) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("library file"))
	}))
	f.Cleanup(origin.Close)
	u, _ := url.Parse(origin.URL)
	noRetries := 0
	eng, err := engine.Open(engine.Config{
		DownloadDir: f.TempDir(),
		Logger:      zerolog.Nop(),
		HTTPClient:  &http.Client{Transport: onlyHost{u.Host, http.DefaultTransport}},
		Settings:    task.SettingsPatch{MaxRetries: &noRetries},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		eng.Close(ctx)
	})
	if _, err := eng.Add(task.AddRequest{URL: origin.URL + "/lib.bin"}); err != nil {
		f.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		items, err := eng.Library()
		if err != nil {
			f.Fatal(err)
		}
		if len(items) > 0 {
			return eng.Handler(), items[0].ID
		}
		if time.Now().After(deadline) {
			f.Fatal("the library download did not finish")
		}
	}
}

// FuzzRESTBodies sends fuzzed bodies to every endpoint that reads one:
// whatever the body, the answer is never a 5xx, and a 4xx is the JSON
// {"error","message"} shape.
func FuzzRESTBodies(f *testing.F) {
	h, libraryID := fuzzEngine(f)
	f.Fuzz(func(t *testing.T, route uint8, id string, body []byte) {
		var method, path string
		switch route % 5 {
		case 0:
			method, path = http.MethodPost, "/api/downloads"
		case 1:
			method, path = http.MethodPost, "/api/batches"
		case 2:
			method, path = http.MethodPut, "/api/settings"
		case 3:
			method, path = http.MethodPatch, "/api/library/"+libraryID
		case 4:
			method, path = http.MethodPatch, "/api/library/"+url.PathEscape(id)
		}
		r := httptest.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		status, got := w.Code, w.Body.Bytes()
		if status >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, status, got)
		}
		if !json.Valid(got) {
			t.Fatalf("%s %s %q: %d with a body that is not JSON: %q", method, path, body, status, got)
		}
		if status >= 400 {
			var e struct {
				Error   string `json:"error"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(got, &e); err != nil || e.Error == "" || e.Message == "" ||
				!strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Fatalf("%s %s %q: %d without an {error,message} JSON body: %q", method, path, body, status, got)
			}
		}
	})
}

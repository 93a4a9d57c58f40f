package task

import (
	"net/url"
	"reflect"
	"testing"
)

func TestRequestHeadersTakeCredentialsOutOfTheURL(t *testing.T) {
	u, _ := url.Parse("https://bob:hunter2@example.com/f?x=1")
	h, clean, err := RequestOptions{Headers: map[string]string{"referer": " https://r/ ", "X-Key": "k"}}.RequestHeaders(u)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Referer": "https://r/", "X-Key": "k", "Authorization": "Basic Ym9iOmh1bnRlcjI="}
	if !reflect.DeepEqual(h, want) || clean.String() != "https://example.com/f?x=1" {
		t.Fatalf("headers %v url %s", h, clean)
	}
	if u.User == nil {
		t.Fatal("the caller's URL was changed")
	}
	h, _, _ = RequestOptions{Username: "ann", Password: "pw"}.RequestHeaders(u)
	if h["Authorization"] != "Basic YW5uOnB3" {
		t.Fatalf("the fields must win over the URL's credentials: %v", h)
	}
	shown := ShownHeaders(map[string]string{"Referer": "r", "User-Agent": "a", "Accept-Language": "en", "Cookie": "c", "Authorization": "x"})
	if !reflect.DeepEqual(shown, map[string]string{"Referer": "r", "User-Agent": "a", "Accept-Language": "en", "Cookie": Redacted, "Authorization": Redacted}) {
		t.Fatalf("shown %v", shown)
	}
}

func TestUpgradeMovesStoredCredentials(t *testing.T) {
	tk := Task{URL: "http://bob:hunter2@example.com:8080/f"}
	Upgrade(&tk)
	if tk.URL != "http://example.com:8080/f" || tk.Host != "example.com:8080" || tk.RequestHeaders["Authorization"] != "Basic Ym9iOmh1bnRlcjI=" || tk.Headers["Authorization"] != Redacted || tk.Meta == nil {
		t.Fatalf("upgraded %+v", tk)
	}
}

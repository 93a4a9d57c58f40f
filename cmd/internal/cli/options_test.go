package cli

import (
	"errors"
	"flag"
	"io"
	"testing"

	"github.com/fetchd/fetchd/engine"
)

func TestOptionsFromFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"FETCHD_MAX_CONCURRENT": "8", "FETCHD_ADDR": "127.0.0.1:9999", "FETCHD_TOKEN": "t", "FETCHD_ALLOWED_ORIGINS": "https://a.example, https://b.example:8443,", "FETCHD_VERSION": "1.2.3"}
	o, err := parseOptions([]string{"--addr", "127.0.0.1:1234"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.addr != "127.0.0.1:1234" {
		t.Errorf("a flag must win over its environment twin: addr %q", o.addr)
	}
	if o.maxConcurrent != 8 || o.token != "t" {
		t.Errorf("environment twins not read: %+v", o)
	}
	if got := o.allowedOrigins(); len(got) != 2 || got[1] != "https://b.example:8443" {
		t.Errorf("allowed origins %q", got)
	}
	if o.version {
		t.Error("FETCHD_VERSION must not turn --version on")
	}
	p := o.settings()
	if p.MaxConcurrent == nil || *p.MaxConcurrent != 8 || p.MaxRetries != nil {
		t.Errorf("only given settings override the stored ones: %+v", p)
	}
}

func TestOptionsDefaultsAndErrors(t *testing.T) {
	none := func(string) string { return "" }
	o, err := parseOptions(nil, none, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.addr != "127.0.0.1:8484" || o.dataDir != "./data" || o.downloadDir != "./downloads" || o.maxConcurrent != 3 || o.maxRetries != 5 || o.logLevel != "info" || o.logFormat != "json" {
		t.Errorf("defaults: %+v", o)
	}
	if p := o.settings(); p.MaxConcurrent != nil || p.MaxRetries != nil {
		t.Errorf("defaults must not override stored settings: %+v", p)
	}
	if _, err := parseOptions([]string{"--help"}, none, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
	for _, args := range [][]string{{"--max-concurrent", "x"}, {"--log-format", "xml"}, {"stray"}, {"--nope"}} {
		if _, err := parseOptions(args, none, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	bad := func(k string) string {
		if k == "FETCHD_MAX_RETRIES" {
			return "lots"
		}
		return ""
	}
	if _, err := parseOptions(nil, bad, io.Discard); err == nil {
		t.Error("a bad environment value must be an error")
	}
}

func TestOutgoingRequestOptions(t *testing.T) {
	env := map[string]string{"FETCHD_CA_CERT": "/etc/ca.pem", "FETCHD_INSECURE_TLS": "true"}
	o, err := parseOptions([]string{"--user-agent", "ua/1"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.caCert != "/etc/ca.pem" || !o.insecureTLS || o.userAgent != "ua/1" {
		t.Errorf("outgoing-request options: %+v", o)
	}
	if o, _ := parseOptions(nil, func(string) string { return "" }, io.Discard); o.userAgent != "fetchd/"+engine.Version || o.insecureTLS || o.caCert != "" {
		t.Errorf("outgoing-request defaults: %+v", o)
	}
}

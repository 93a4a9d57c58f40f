package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestCentrifugoConfigLetsClientsInWithoutTokensAndKeysTheAPI(t *testing.T) {
	var cfg struct {
		HTTPServer struct {
			Address string `json:"address"`
			Port    int    `json:"port"`
		} `json:"http_server"`
		Client struct {
			Insecure        bool `json:"insecure"`
			ConnectionLimit int  `json:"connection_limit"`
		} `json:"client"`
		HTTPAPI struct {
			Key      string `json:"key"`
			Insecure bool   `json:"insecure"`
		} `json:"http_api"`
		Health     struct{ Enabled bool }  `json:"health"`
		UsageStats struct{ Disabled bool } `json:"usage_stats"`
		WebSocket  struct {
			Compression bool `json:"compression"`
			MinSize     int  `json:"compression_min_size"`
		} `json:"websocket"`
	}
	if err := json.Unmarshal(centrifugoConfig(18123, "k3y", true), &cfg); err != nil {
		t.Fatal(err)
	}
	switch {
	case cfg.HTTPServer.Address != "127.0.0.1" || cfg.HTTPServer.Port != 18123:
		t.Errorf("listens on %s:%d, want loopback 127.0.0.1:18123", cfg.HTTPServer.Address, cfg.HTTPServer.Port)
	case !cfg.Client.Insecure || cfg.Client.ConnectionLimit != 0:
		t.Errorf("client %+v: want insecure and no connection limit", cfg.Client)
	case cfg.HTTPAPI.Key != "k3y" || cfg.HTTPAPI.Insecure:
		t.Errorf("http_api %+v: want the key, not insecure", cfg.HTTPAPI)
	case !cfg.Health.Enabled:
		t.Error("no /health to wait for")
	case !cfg.UsageStats.Disabled:
		t.Error("usage statistics would leave the machine")
	case !cfg.WebSocket.Compression || cfg.WebSocket.MinSize != 1024:
		t.Errorf("websocket %+v: want compression of messages from 1 KiB, as fetchd does", cfg.WebSocket)
	}
}

func TestStampTSReplacesTheBatchTimestampOnly(t *testing.T) {
	frame := []byte(`{"type":"TASK_BATCH_UPDATE","ts":1795396457767,"tasks":[{"id":"a","ts":5,"downloaded":10}]}`)
	got, err := stampTS(frame, 1800000000123)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"TASK_BATCH_UPDATE","ts":1800000000123,"tasks":[{"id":"a","ts":5,"downloaded":10}]}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if !bytes.Contains(frame, []byte("1795396457767")) {
		t.Fatal("stampTS changed the captured frame")
	}
	for _, bad := range []string{`{"type":"X"}`, `{"ts":"soon"}`} {
		if _, err := stampTS([]byte(bad), 1); err == nil {
			t.Errorf("stampTS(%s): no error", bad)
		}
	}
}

// A client reads a Centrifugo publication as it reads fetchd's batch: the
// type and ts of the data inside the push.
func TestPeekReadsABatchInsideACentrifugoPush(t *testing.T) {
	push := []byte(`{"push":{"channel":"tasks","pub":{"data":{"type":"TASK_BATCH_UPDATE","ts":1795396457767,"tasks":[]}}}}`)
	if h := peek(push, false); h.typ != "TASK_BATCH_UPDATE" || h.ts != 1795396457767 {
		t.Fatalf("peek = %q, %d", h.typ, h.ts)
	}
	if !centrifugoPing([]byte("{}")) || centrifugoPing(push) {
		t.Fatal("centrifugoPing must know the empty ping and only it")
	}
}

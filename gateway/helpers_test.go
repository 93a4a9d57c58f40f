package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/bus"
	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/gateway"
)

// natsServer runs a NATS server for one test.
func natsServer(t *testing.T, listen string) *server.Server {
	t.Helper()
	ns, err := bus.StartServer(listen)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

// engineOn starts an engine that puts its stream on the bus at url.
func engineOn(t *testing.T, url string) *enginetest.Daemon {
	return enginetest.Start(t, func(c *engine.Config) {
		c.Bus.URL = url
		c.FlushEvery = 100 * time.Millisecond
	})
}

// gatewayOn starts a gateway on the bus at url, served on loopback, and
// waits until it follows the stream.
func gatewayOn(t *testing.T, url string) (*gateway.Gateway, string) {
	t.Helper()
	g, err := gateway.New(gateway.Config{NATS: url, Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		SnapshotWithin: 2 * time.Second, RetryCap: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(func() { srv.Close(); g.Close(t.Context()) })
	enginetest.Eventually(t, 10*time.Second, "the gateway to follow the stream", g.Ready)
	return g, srv.URL
}

func health(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/api/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

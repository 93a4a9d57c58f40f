// Package telemetry holds one engine's Prometheus metrics. It is the only
// package that knows client_golang; the actors and the WebSocket layer record
// through the nil-safe methods below.
package telemetry

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are one engine's metrics, on their own registry.
type Metrics struct {
	registry        *prometheus.Registry
	connections     prometheus.Gauge
	sent            *prometheus.CounterVec
	sentBytes       *prometheus.CounterVec
	slowConsumers   prometheus.Counter
	flush           prometheus.Histogram
	activeDownloads prometheus.Gauge
	downloaded      prometheus.Counter
}

// New builds the metrics, with the Go and process collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fetchd_ws_connections", Help: "Open WebSocket connections.",
		}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fetchd_ws_messages_sent_total", Help: "Messages queued to WebSocket connections, by type.",
		}, []string{"type"}),
		sentBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fetchd_ws_bytes_sent_total", Help: "Bytes of messages queued to WebSocket connections, by type.",
		}, []string{"type"}),
		slowConsumers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fetchd_ws_slow_consumer_closes_total", Help: "Connections closed with 4008 because they did not read.",
		}),
		flush: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "fetchd_publisher_flush_seconds", Help: "Time to build one progress flush.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 14),
		}),
		activeDownloads: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fetchd_active_downloads", Help: "Transfers running now.",
		}),
		downloaded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fetchd_downloaded_bytes_total", Help: "Bytes written by transfers.",
		}),
	}
	m.registry.MustRegister(m.connections, m.sent, m.sentBytes, m.slowConsumers, m.flush, m.activeDownloads, m.downloaded,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Connected counts a connection opening (+1) or closing (-1).
func (m *Metrics) Connected(delta int) {
	if m != nil {
		m.connections.Add(float64(delta))
	}
}

// Sent counts n messages of a type, each size bytes.
func (m *Metrics) Sent(kind string, n, size int) {
	if m != nil && n > 0 {
		m.sent.WithLabelValues(kind).Add(float64(n))
		m.sentBytes.WithLabelValues(kind).Add(float64(n * size))
	}
}

// SlowConsumer counts a 4008 close.
func (m *Metrics) SlowConsumer() {
	if m != nil {
		m.slowConsumers.Inc()
	}
}

// Flushed records how long a flush took.
func (m *Metrics) Flushed(d time.Duration) {
	if m != nil {
		m.flush.Observe(d.Seconds())
	}
}

// ActiveDownloads sets the number of running transfers.
func (m *Metrics) ActiveDownloads(n int) {
	if m != nil {
		m.activeDownloads.Set(float64(n))
	}
}

// Downloaded counts bytes written by a transfer.
func (m *Metrics) Downloaded(n int) {
	if m != nil {
		m.downloaded.Add(float64(n))
	}
}

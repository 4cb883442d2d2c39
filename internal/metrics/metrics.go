// Package metrics exposes what the server does in the Prometheus text
// format (github.com/prometheus/client_golang): requests, intake, sync,
// exports, indicator queries, webhook deliveries, database operations and
// the Go runtime. It implements the observer interfaces the other packages
// define (httpapi.Observer, webhook.Observer, survey.StoreObserver), so
// none of them imports Prometheus; cmd/khaosat wires it and serves it on
// its own listener.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors, in a registry of its own (no global state).
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestSeconds  *prometheus.HistogramVec
	intake          *prometheus.CounterVec
	syncItems       prometheus.Histogram
	exportRows      *prometheus.CounterVec
	exportSeconds   *prometheus.HistogramVec
	indicatorSecs   *prometheus.HistogramVec
	webhookPending  prometheus.Gauge
	webhookOutcomes *prometheus.CounterVec
	dbSeconds       *prometheus.HistogramVec
	dbErrors        *prometheus.CounterVec
}

// New returns the metrics with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "khaosat_http_requests_total",
		Help: "HTTP requests by method, route template and status."}, []string{"method", "route", "status"})
	m.requestSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "khaosat_http_request_duration_seconds",
		Help: "HTTP request latency by method and route template.", Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
		[]string{"method", "route"})
	m.intake = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "khaosat_intake_submissions_total",
		Help: "Submissions received (single and sync) by form and outcome: created, duplicate, or the error code."}, []string{"form", "outcome"})
	m.syncItems = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "khaosat_sync_batch_items",
		Help: "Submissions per sync request.", Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}})
	m.exportRows = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "khaosat_export_rows_total",
		Help: "Submissions written to exports by format and outcome."}, []string{"format", "outcome"})
	m.exportSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "khaosat_export_duration_seconds",
		Help: "Export duration by format and outcome.", Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900}}, []string{"format", "outcome"})
	m.indicatorSecs = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "khaosat_indicator_query_duration_seconds",
		Help: "Indicator table queries by outcome (ok or the error code).", Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"outcome"})
	m.webhookPending = prometheus.NewGauge(prometheus.GaugeOpts{Name: "khaosat_webhook_pending_deliveries",
		Help: "Webhook deliveries still to send (due or waiting for a retry), counted after the outbox's last poll."})
	m.webhookOutcomes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "khaosat_webhook_deliveries_total",
		Help: "Webhook delivery attempts by outcome: delivered, retry, failed (gave up), refused (internal address)."}, []string{"outcome"})
	m.dbSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "khaosat_db_operation_duration_seconds",
		Help: "Database operation latency by operation.", Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5}}, []string{"op"})
	m.dbErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "khaosat_db_operation_errors_total",
		Help: "Database operations that failed, by operation."}, []string{"op"})
	m.reg.MustRegister(m.requests, m.requestSeconds, m.intake, m.syncItems, m.exportRows, m.exportSeconds, m.indicatorSecs,
		m.webhookPending, m.webhookOutcomes, m.dbSeconds, m.dbErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request implements httpapi.Observer.
func (m *Metrics) Request(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, statusText(status)).Inc()
	m.requestSeconds.WithLabelValues(method, route).Observe(d.Seconds())
}

// Intake implements httpapi.Observer.
func (m *Metrics) Intake(form, outcome string) { m.intake.WithLabelValues(form, outcome).Inc() }

// SyncBatch implements httpapi.Observer.
func (m *Metrics) SyncBatch(items int) { m.syncItems.Observe(float64(items)) }

// Export implements httpapi.Observer.
func (m *Metrics) Export(format, outcome string, rows int64, d time.Duration) {
	m.exportRows.WithLabelValues(format, outcome).Add(float64(rows))
	m.exportSeconds.WithLabelValues(format, outcome).Observe(d.Seconds())
}

// IndicatorQuery implements httpapi.Observer.
func (m *Metrics) IndicatorQuery(outcome string, d time.Duration) {
	m.indicatorSecs.WithLabelValues(outcome).Observe(d.Seconds())
}

// WebhookPending implements webhook.Observer.
func (m *Metrics) WebhookPending(n int64) { m.webhookPending.Set(float64(n)) }

// WebhookDelivery implements webhook.Observer.
func (m *Metrics) WebhookDelivery(outcome string) { m.webhookOutcomes.WithLabelValues(outcome).Inc() }

// StoreOp implements survey.StoreObserver.
func (m *Metrics) StoreOp(op string, d time.Duration, err error) {
	m.dbSeconds.WithLabelValues(op).Observe(d.Seconds())
	if err != nil {
		m.dbErrors.WithLabelValues(op).Inc()
	}
}

func statusText(status int) string {
	if status < 100 || status > 999 {
		return "other"
	}
	return strconv.Itoa(status)
}

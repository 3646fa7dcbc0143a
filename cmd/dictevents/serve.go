package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/router"
)

func runServe(ctx context.Context, args []string, env func(string) string, out io.Writer) error {
	var cfg broker.Config
	fs := newFlagSet("serve", "serve [flags]", out)
	if err := cfg.RegisterFlags(fs, env); err != nil {
		return err
	}
	addr := fs.String("metrics-addr", envOr(env, "DICTEVENTS_METRICS_ADDR", "127.0.0.1:9464"), "listen address of /metrics, /healthz and /readyz (env DICTEVENTS_METRICS_ADDR)")
	handlerTimeout := fs.Duration("handler-timeout", 30*time.Second, "timeout of one handler attempt")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := newLogger(env)
	backend, err := broker.Open(cfg, logger)
	if err != nil {
		return err
	}
	defer backend.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	handled := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "dictevents", Name: "events_handled_total",
		Help: "Entry events handled successfully, by event type.",
	}, []string{"event_type"})
	reg.MustRegister(handled)
	for _, t := range []string{events.EventTypeEntryCreated, events.EventTypeEntryUpdated, events.EventTypeEntryDeleted} {
		handled.WithLabelValues(t) // export zeros before the first event
	}
	builder := metrics.NewPrometheusMetricsBuilder(reg, "dictevents", "")
	pub, err := builder.DecoratePublisher(backend.Publisher) // counts poison-queue publishes
	if err != nil {
		return err
	}
	r, err := router.New(router.Config{Name: "dictevents-serve", HandlerTimeout: *handlerTimeout},
		backend.Subscriber, pub, logHandlers(logger, handled), logger)
	if err != nil {
		return err
	}
	builder.AddPrometheusRouterMetrics(r.Watermill())

	var ready atomic.Bool
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "router not running", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("metrics listener: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	routerDone := make(chan error, 1)
	go func() { routerDone <- r.Run(ctx) }()
	select {
	case <-r.Running():
		ready.Store(true)
		fmt.Fprintf(out, "serving %v on %s://; metrics and health on http://%s\n", router.Topics(logHandlers(nil, nil)), backend.Scheme, ln.Addr())
	case err := <-routerDone:
		return fmt.Errorf("router: %w", err)
	}
	err = <-routerDone // returns when ctx is cancelled (SIGINT/SIGTERM) and handlers finished
	ready.Store(false)
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("router: %w", err)
	}
	fmt.Fprintln(out, "stopped")
	return nil
}

// logHandlers acknowledge every event with a log line that carries IDs and
// the key type, never the key or the owner.
func logHandlers(logger watermill.LoggerAdapter, handled *prometheus.CounterVec) router.Handlers {
	done := func(ctx context.Context, eventType, eventID, entryID string, keyType eventsv1.KeyType) error {
		id, _ := middleware.CorrelationIDFromContext(ctx)
		logger.Info("Event handled", watermill.LogFields{
			"event_type": eventType, "event_id": eventID, "entry_id": entryID,
			"key_type": keyType.String(), "correlation_id": id,
		})
		handled.WithLabelValues(eventType).Inc()
		return nil
	}
	return router.Handlers{
		OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			return done(ctx, events.EventTypeEntryCreated, ev.EventId, ev.Entry.GetId(), ev.Entry.GetKeyType())
		},
		OnUpdated: func(ctx context.Context, ev *eventsv1.EntryUpdatedEvent) error {
			return done(ctx, events.EventTypeEntryUpdated, ev.EventId, ev.Entry.GetId(), ev.Entry.GetKeyType())
		},
		OnDeleted: func(ctx context.Context, ev *eventsv1.EntryDeletedEvent) error {
			return done(ctx, events.EventTypeEntryDeleted, ev.EventId, ev.EntryId, ev.KeyType)
		},
	}
}

func envOr(env func(string) string, key, def string) string {
	if v := env(key); v != "" {
		return v
	}
	return def
}

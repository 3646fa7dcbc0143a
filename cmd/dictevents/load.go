package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/publisher"
	"github.com/lbpay-lab/dict-events/router"
)

func runLoad(ctx context.Context, args []string, env func(string) string, out io.Writer) error {
	cfg := publisher.DefaultConfig()
	fs := newFlagSet("load", "load [flags]", out)
	if err := cfg.Broker.RegisterFlags(fs, env); err != nil {
		return err
	}
	total := fs.Int("events", 10000, "events to publish (EntryCreated, across every key type)")
	concurrency := fs.Int("concurrency", 32, "publishing goroutines")
	rate := fs.Int("rate", 0, "publish at most this many events per second in total (0: as fast as the publishers go); latency figures mean something only below saturation")
	lowLatency := fs.Bool("low-latency", false, "use publisher.LowLatencyConfig's batching")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up waiting for consumption after this long")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *total < 1 || *concurrency < 1 {
		return errors.New("--events and --concurrency must be at least 1")
	}
	if *lowLatency {
		cfg.Broker.Producer.BatchingMaxDelay = publisher.LowLatencyConfig().Broker.Producer.BatchingMaxDelay
	}
	if cfg.Broker.Consumer.Group == "" {
		// The tool's own group: it resumes where the previous run left off,
		// so a run reads little besides its own events (the first run on a
		// broker with history reads that history once), and it leaves one
		// subscription on the broker, not one per run.
		cfg.Broker.Consumer.Group = "dictevents-load"
	}
	logger := newLogger(env)
	backend, err := broker.Open(cfg.Broker, logger)
	if err != nil {
		return err
	}
	defer backend.Close()

	runID := uuid.NewString()
	var mu sync.Mutex
	seen := make(map[string]bool, *total)
	latencies := make([]time.Duration, 0, *total)
	duplicates := 0
	allIn := make(chan struct{})
	r, err := router.New(router.Config{Name: "dictevents-load"}, backend.Subscriber, backend.Publisher, router.Handlers{
		OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			if id, _ := middleware.CorrelationIDFromContext(ctx); id != runID {
				return nil
			}
			lat := time.Since(ev.OccurredAt.AsTime())
			mu.Lock()
			defer mu.Unlock()
			if seen[ev.EventId] {
				duplicates++
				return nil
			}
			seen[ev.EventId] = true
			latencies = append(latencies, lat)
			if len(seen) == *total {
				close(allIn)
			}
			return nil
		},
	}, logger)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = r.Run(runCtx) }()
	<-r.Running()

	producer, err := publisher.New(backend.Publisher, cfg)
	if err != nil {
		return err
	}
	entries := entrytest.Entries(*total)
	var next, failed atomic.Int64
	pubCtx := middleware.WithCorrelationID(ctx, runID)
	var pace <-chan time.Time // nil: no pacing
	if *rate > 0 {
		ticker := time.NewTicker(time.Second / time.Duration(*rate))
		defer ticker.Stop()
		pace = ticker.C
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range *concurrency {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(*total); i = next.Add(1) - 1 {
				if pace != nil {
					<-pace
				}
				if err := producer.PublishCreated(pubCtx, entries[i], "load"); err != nil {
					failed.Add(1)
					logger.Error("Publish failed", err, nil)
				}
			}
		})
	}
	wg.Wait()
	published := time.Since(start)
	if err := producer.Close(); err != nil {
		return err
	}

	var waitErr error
	select {
	case <-allIn:
	case <-time.After(*timeout):
		waitErr = fmt.Errorf("timed out after %s", *timeout)
	case <-ctx.Done():
		waitErr = ctx.Err()
	}
	consumed := time.Since(start)
	cancel()
	_ = r.Close()

	mu.Lock()
	defer mu.Unlock()
	ok := int64(*total) - failed.Load()
	fmt.Fprintf(out, "dict-events load on %s://: %d events, %d publishers, rate limit %s, batching delay %s\n",
		backend.Scheme, *total, *concurrency, rateText(*rate), cfg.Broker.Producer.BatchingMaxDelay)
	fmt.Fprintf(out, "  published  %d ok, %d failed in %s (%.0f events/s)\n", ok, failed.Load(), published.Round(time.Millisecond), float64(ok)/published.Seconds())
	fmt.Fprintf(out, "  consumed   %d distinct, %d duplicates, all in after %s (%.0f events/s end to end)\n",
		len(seen), duplicates, consumed.Round(time.Millisecond), float64(len(seen))/consumed.Seconds())
	fmt.Fprintf(out, "  latency    publish to handler: %s\n", percentiles(latencies))
	if waitErr == nil && failed.Load() > 0 {
		waitErr = fmt.Errorf("%d publishes failed", failed.Load())
	}
	if waitErr != nil {
		return fmt.Errorf("load: %d of %d events consumed: %w", len(seen), *total, waitErr)
	}
	return nil
}

func rateText(rate int) string {
	if rate <= 0 {
		return "none"
	}
	return fmt.Sprintf("%d/s", rate)
}

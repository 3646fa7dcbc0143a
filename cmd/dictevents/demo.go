package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/publisher"
	"github.com/lbpay-lab/dict-events/router"
)

// rejectedBranch marks the entry whose update the demo's ledger rejects.
const rejectedBranch = "9999"

func runDemo(ctx context.Context, args []string, env func(string) string, out io.Writer) error {
	var cfg broker.Config
	fs := newFlagSet("demo", "demo [flags]", out)
	if err := cfg.RegisterFlags(fs, env); err != nil {
		return err
	}
	perType := fs.Int("entries-per-type", 4, "entries created per key type")
	retryDelay := fs.Duration("retry-delay", 100*time.Millisecond, "delay before the first retry; it doubles at each retry")
	timeout := fs.Duration("timeout", time.Minute, "how long to wait for every event to be handled")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *perType < 1 {
		return errors.New("--entries-per-type must be at least 1")
	}
	if cfg.Consumer.Group == "" {
		// The demo's own group resumes where the last demo left off, so
		// only the first demo on a broker with history reads that history.
		cfg.Consumer.Group = "dictevents-demo"
	}
	logger := newLogger(env)
	backend, err := broker.Open(cfg, logger)
	if err != nil {
		return err
	}
	defer backend.Close()

	runID := uuid.NewString()
	stats := newDemoStats(runID)
	r, err := router.New(router.Config{
		Name:  "dictevents-demo",
		Retry: middleware.RetryConfig{MaxRetries: 3, InitialInterval: *retryDelay},
	}, backend.Subscriber, backend.Publisher, stats.handlers(), logger)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	routerDone := make(chan error, 1)
	go func() { routerDone <- r.Run(runCtx) }()
	select {
	case <-r.Running():
	case err := <-routerDone:
		return fmt.Errorf("router: %w", err)
	}
	dlq, err := backend.Subscriber.Subscribe(runCtx, events.TopicDLQ)
	if err != nil {
		return fmt.Errorf("subscribe to poison queue: %w", err)
	}
	go stats.collectPoisoned(dlq)

	producer, err := publisher.New(backend.Publisher, publisher.DefaultConfig())
	if err != nil {
		return err
	}
	start := time.Now()
	if err := publishDemoSequence(middleware.WithCorrelationID(ctx, runID), producer, *perType, stats); err != nil {
		return err
	}
	if err := producer.Close(); err != nil {
		return err
	}
	publishTook := time.Since(start)

	waitErr := stats.wait(ctx, *timeout)
	cancel()
	if err := r.Close(); err != nil {
		return fmt.Errorf("close router: %w", err)
	}
	stats.print(out, backend.Scheme, publishTook)
	return waitErr
}

// publishDemoSequence creates perType entries of every key type, updates
// half of them (one update goes to an account the ledger rejects), and
// deletes a quarter at once and a quarter after the waiting period.
func publishDemoSequence(ctx context.Context, p *publisher.EntryEventProducer, perType int, stats *demoStats) error {
	var all []*entry.Entry
	for _, kt := range entry.KeyTypes() {
		for i := range perType {
			all = append(all, entrytest.Entry(kt, i))
		}
	}
	for _, e := range all {
		if err := p.PublishCreated(ctx, e, "demo-user"); err != nil {
			return fmt.Errorf("publish created: %w", err)
		}
		stats.published(events.TopicEntryCreated)
	}
	for i, e := range all {
		if i%2 != 0 {
			continue
		}
		e.AccountNumber = fmt.Sprintf("%d", 5000000+i)
		e.UpdatedAt = e.UpdatedAt.Add(time.Hour)
		if i == 0 {
			e.Branch = rejectedBranch
		}
		if err := p.PublishUpdated(ctx, e, "demo-user"); err != nil {
			return fmt.Errorf("publish updated: %w", err)
		}
		stats.published(events.TopicEntryUpdated)
	}
	for i, e := range all {
		var err error
		switch i % 4 {
		case 1:
			err = p.PublishDeletedImmediate(ctx, e.ID, e.KeyValue, e.KeyType, e.ISPB, "demo-user")
			stats.published(events.TopicEntryDeletedImmediate)
		case 3:
			err = p.PublishDeleted(ctx, e.ID, e.KeyValue, e.KeyType, e.ISPB, eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD, "demo-user")
			stats.published(events.TopicEntryDeletedWaitingPeriod)
		}
		if err != nil {
			return fmt.Errorf("publish deleted: %w", err)
		}
	}
	return nil
}

// demoLedger is the demo's consumer: it fails the first attempt at one
// created event (a transient outage, retried) and rejects the update to the
// closed branch (permanent, poisoned).
func (s *demoStats) handlers() router.Handlers {
	return router.Handlers{
		OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			return s.handle(ctx, events.TopicEntryCreated, ev.EventId, ev.OccurredAt.AsTime(), func(attempt int) error {
				if ev.Entry.KeyType == eventsv1.KeyType_KEY_TYPE_PHONE && attempt == 1 && s.firstTransient(ev.EventId) {
					return errors.New("ledger timeout (transient)")
				}
				return nil
			})
		},
		OnUpdated: func(ctx context.Context, ev *eventsv1.EntryUpdatedEvent) error {
			return s.handle(ctx, events.TopicEntryUpdated, ev.EventId, ev.OccurredAt.AsTime(), func(int) error {
				if ev.Entry.Branch == rejectedBranch {
					return middleware.Permanent(fmt.Errorf("branch %s is closed at the ledger: update rejected", rejectedBranch))
				}
				return nil
			})
		},
		OnDeleted: func(ctx context.Context, ev *eventsv1.EntryDeletedEvent) error {
			topic := events.TopicEntryDeletedImmediate
			if ev.DeletionType == eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD {
				topic = events.TopicEntryDeletedWaitingPeriod
			}
			return s.handle(ctx, topic, ev.EventId, ev.OccurredAt.AsTime(), func(int) error { return nil })
		},
	}
}

func (s *demoStats) collectPoisoned(dlq <-chan *message.Message) {
	for msg := range dlq {
		s.poisoned(msg)
		msg.Ack()
	}
}

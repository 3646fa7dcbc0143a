// Package scenario is the end-to-end test suite every backend runs: DICT
// entry events go through the public API only — publisher.EntryEventProducer
// on a broker opened with broker.Open, consumed by router.New with
// router.Handlers — and each scenario checks one promise of the library:
// every field arrives, order per key, retry, the poison queue, correlation
// IDs, Flush/Close losing nothing, and a consumer restart losing nothing.
//
// A backend's test file describes the backend and calls Run:
//
//	func TestScenarios(t *testing.T) {
//		scenario.Run(t, scenario.Backend{
//			Name:   "kafka",
//			Config: func(t *testing.T) broker.Config { ... },
//			...
//		})
//	}
//
// # Isolation
//
// Topic names are fixed constants and brokers are persistent, so a scenario
// may meet messages of earlier runs and of other scenarios. Two things keep
// them out of the results:
//
//   - every scenario consumes with a consumer group of its own
//     (Backend.Config must return a fresh one each time), so it never steals
//     another run's messages and never has its own stolen; and
//   - every event a scenario publishes carries a correlation ID (set with
//     middleware.WithCorrelationID) that starts with the scenario's random
//     run ID, and handlers and the poison-queue reader count only messages
//     whose correlation ID has that prefix. Handlers ack everything else
//     unseen (counted as "foreign" and logged).
//
// Event IDs cannot be used for this: the producer makes them up, and the
// test entries (entrytest) are the same in every run. The correlation ID
// also names each event inside the run (e.g. "<run>/order/<key>/<seq>"), so
// a delivery is matched to what was published without trusting its payload.
//
// A fresh group starts at the oldest retained message, so on Kafka and
// Pulsar each scenario first reads past the messages of earlier runs. They
// cannot change a result, only the runtime.
//
// # Delivery is at least once
//
// Duplicates are allowed everywhere (a rebalance, a restart, a producer
// retry may deliver an event again); the scenarios count distinct events,
// check every copy, and log how many duplicates they saw.
package scenario

import (
	"context"
	"fmt"
	"log"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/events"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/publisher"
	"github.com/lbpay-lab/dict-events/router"
)

// Backend describes a backend the scenarios run on.
type Backend struct {
	// Name labels the backend in failure messages.
	Name string
	// Config returns the configuration of one isolated scenario run. It is
	// called once per scenario (with that scenario's t, so it may skip or
	// fail it like testenv does) and must return a consumer group that no
	// other run uses. Scenarios change Consumer.Consumers where they need
	// parallel consumers; everything else is the backend's.
	Config func(t *testing.T) broker.Config
	// OrderPerKey tells whether events of one key reach the handler in
	// publish order, with Consumer.Consumers = 4. When false, NoOrderReason
	// must say why, and the order scenario is skipped with that reason.
	OrderPerKey   bool
	NoOrderReason string
	// Resumable tells whether a router on a new broker.Open with the same
	// consumer group continues the stream a closed router left. When false,
	// NotResumableReason must say why, and the restart scenario is skipped
	// with that reason.
	Resumable          bool
	NotResumableReason string
	// Timeout bounds each wait for deliveries. Default 2 minutes.
	Timeout time.Duration
}

// UniqueGroup returns a consumer group name no other run uses.
func UniqueGroup(prefix string) string {
	return prefix + "-" + uuid.NewString()
}

// Run runs every scenario on b, one after the other, each as a subtest.
func Run(t *testing.T, b Backend) {
	if b.Config == nil {
		t.Fatal("scenario: Backend.Config is required")
	}
	if !b.OrderPerKey && b.NoOrderReason == "" {
		t.Fatal("scenario: Backend.OrderPerKey is false: say why in NoOrderReason")
	}
	if !b.Resumable && b.NotResumableReason == "" {
		t.Fatal("scenario: Backend.Resumable is false: say why in NotResumableReason")
	}
	if b.Timeout == 0 {
		b.Timeout = 2 * time.Minute
	}
	for _, s := range []struct {
		name string
		run  func(*testing.T, Backend)
	}{
		{"Lifecycle", Lifecycle},
		{"OrderPerKey", OrderPerKey},
		{"RetryThenSuccess", RetryThenSuccess},
		{"Poison", Poison},
		{"Correlation", Correlation},
		{"FlushAndClose", FlushAndClose},
		{"ConsumerRestart", ConsumerRestart},
	} {
		t.Run(s.name, func(t *testing.T) {
			start := time.Now()
			s.run(t, b)
			t.Logf("%s on %s took %v", s.name, b.Name, time.Since(start).Round(time.Millisecond))
		})
	}
}

// Settings shared by the scenarios.
const (
	// secret keys the partition keys; raw messages use it to land on the
	// same key as the producer's events.
	secret = "scenario-partition-secret"
	// userID acts in every event.
	userID = "scenario-user"
)

// routerConfig retries fast: 3 retries after 10, 20 and 40 ms.
func routerConfig(name string) router.Config {
	return router.Config{
		Name: name,
		Retry: middleware.RetryConfig{
			MaxRetries: 3, InitialInterval: 10 * time.Millisecond, Multiplier: 2, MaxInterval: 100 * time.Millisecond,
		},
		HandlerTimeout: 30 * time.Second,
		CloseTimeout:   20 * time.Second,
	}
}

// env is one scenario's run: its configuration, its run ID and the broker
// it publishes to.
type env struct {
	t       *testing.T
	b       Backend
	cfg     broker.Config
	run     string          // correlation IDs of this run start with run + "/"
	main    *broker.Backend // the producer's backend; on mem:// the only one
	logger  watermill.LoggerAdapter
	foreign atomic.Int64 // deliveries of other runs, acked and ignored
}

func newEnv(t *testing.T, b Backend, mutate func(*broker.Config)) *env {
	t.Helper()
	cfg := b.Config(t)
	if mutate != nil {
		mutate(&cfg)
	}
	e := &env{t: t, b: b, cfg: cfg, run: uuid.NewString(), logger: errorLogger{name: b.Name}}
	e.main = e.open(cfg)
	t.Cleanup(func() {
		if n := e.foreign.Load(); n > 0 {
			t.Logf("ignored %d deliveries of other runs (persistent topics)", n)
		}
	})
	return e
}

// open opens cfg and closes it when the test ends.
func (e *env) open(cfg broker.Config) *broker.Backend {
	e.t.Helper()
	bk, err := broker.Open(cfg, e.logger)
	if err != nil {
		e.t.Fatalf("%s: broker.Open(%s): %v", e.b.Name, cfg.URL, err)
	}
	e.t.Cleanup(func() {
		if err := bk.Close(); err != nil {
			e.t.Errorf("%s: closing the broker: %v", e.b.Name, err)
		}
	})
	return bk
}

// private reports whether every broker.Open is a bus of its own (mem://),
// so that the producer, the routers and the poison-queue reader must all
// share e.main.
func (e *env) private() bool { return e.main.Scheme == broker.SchemeMemory }

// consumer returns the backend a router or reader with group consumes
// from: e.main on a private bus, else a new connection.
func (e *env) consumer(group string) *broker.Backend {
	if e.private() {
		return e.main
	}
	cfg := e.cfg
	cfg.Consumer.Group = group
	return e.open(cfg)
}

// producer returns a producer over e.main's publisher.
func (e *env) producer() *publisher.EntryEventProducer {
	e.t.Helper()
	p, err := publisher.New(e.main.Publisher, publisher.Config{PartitionKeySecret: secret, Logger: e.logger})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = p.Close() })
	return p
}

// ctx returns a context whose correlation ID is this run's, followed by name.
func (e *env) ctx(name string) context.Context {
	return middleware.WithCorrelationID(context.Background(), e.run+"/"+name)
}

// mine returns the name part of ctx's correlation ID when the message
// belongs to this run; otherwise it counts the delivery as foreign.
func (e *env) mine(ctx context.Context) (string, bool) {
	id, _ := middleware.CorrelationIDFromContext(ctx)
	name, ok := strings.CutPrefix(id, e.run+"/")
	if !ok {
		e.foreign.Add(1)
	}
	return name, ok
}

// runningRouter is a started router.
type runningRouter struct {
	r    *router.Router
	done chan error
	stop context.CancelFunc
}

// startRouter builds a router on bk with h and waits until every handler
// has subscribed. The router is closed when the test ends, if not before.
func (e *env) startRouter(name string, bk *broker.Backend, h router.Handlers) *runningRouter {
	e.t.Helper()
	r, err := router.New(routerConfig(name), bk.Subscriber, bk.Publisher, h, e.logger)
	if err != nil {
		e.t.Fatalf("router.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rr := &runningRouter{r: r, done: make(chan error, 1), stop: cancel}
	go func() { rr.done <- r.Run(ctx) }()
	select {
	case <-r.Running():
	case err := <-rr.done:
		cancel()
		e.t.Fatalf("%s: router stopped before running: %v", e.b.Name, err)
	case <-time.After(e.b.Timeout):
		cancel()
		e.t.Fatalf("%s: router not running after %v", e.b.Name, e.b.Timeout)
	}
	e.t.Cleanup(func() { rr.close(e.t) })
	return rr
}

// close closes the router and waits for Run to return. Calling it again is
// a no-op.
func (rr *runningRouter) close(t *testing.T) {
	t.Helper()
	if rr.r == nil {
		return
	}
	if err := rr.r.Close(); err != nil {
		t.Errorf("router.Close: %v", err)
	}
	select {
	case err := <-rr.done:
		if err != nil {
			t.Errorf("router.Run: %v", err)
		}
	case <-time.After(time.Minute):
		t.Error("router.Run did not return within a minute of Close")
	}
	rr.stop()
	rr.r = nil
}

// poisonQueue subscribes to the poison queue (with its own consumer group
// where groups exist) and returns this run's poisoned messages, acked, in
// the order they arrive.
func (e *env) poisonQueue() <-chan *message.Message {
	e.t.Helper()
	bk := e.consumer(e.cfg.Consumer.Group + "-dlq")
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	in, err := bk.Subscriber.Subscribe(ctx, events.TopicDLQ)
	if err != nil {
		e.t.Fatalf("%s: subscribe to %s: %v", e.b.Name, events.TopicDLQ, err)
	}
	out := make(chan *message.Message, 100)
	go func() {
		defer close(out)
		for m := range in {
			m.Ack()
			if _, ok := strings.CutPrefix(m.Metadata.Get(events.MetadataCorrelationID), e.run+"/"); !ok {
				e.foreign.Add(1)
				continue
			}
			select {
			case out <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// await waits for ch to be closed, failing with what after the backend's
// timeout.
func (e *env) await(ch <-chan struct{}, what func() string) {
	e.t.Helper()
	select {
	case <-ch:
	case <-time.After(e.b.Timeout):
		e.t.Fatalf("%s: timed out after %v waiting for %s", e.b.Name, e.b.Timeout, what())
	}
}

// tally counts deliveries per name (the correlation ID's part after the run
// ID) and signals when want distinct names have arrived.
type tally[T any] struct {
	mu    sync.Mutex
	got   map[string][]T
	total int
	want  int
	all   chan struct{}
}

func newTally[T any](want int) *tally[T] {
	return &tally[T]{got: map[string][]T{}, want: want, all: make(chan struct{})}
}

// add records a delivery of name and returns how many times name was
// delivered, this one included.
func (ta *tally[T]) add(name string, v T) int {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	first := len(ta.got[name]) == 0
	ta.got[name] = append(ta.got[name], v)
	ta.total++
	if first && len(ta.got) == ta.want {
		close(ta.all)
	}
	return len(ta.got[name])
}

// counts returns distinct names and total deliveries.
func (ta *tally[T]) counts() (distinct, total int) {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	return len(ta.got), ta.total
}

// snapshot copies what was received.
func (ta *tally[T]) snapshot() map[string][]T {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	out := make(map[string][]T, len(ta.got))
	for k, v := range ta.got {
		out[k] = append([]T(nil), v...)
	}
	return out
}

// wait waits until every wanted name has been delivered and logs the
// duplicates.
func (ta *tally[T]) wait(e *env, what string) {
	e.t.Helper()
	e.await(ta.all, func() string {
		d, n := ta.counts()
		return fmt.Sprintf("%s: %d of %d distinct delivered (%d deliveries)", what, d, ta.want, n)
	})
	if d, n := ta.counts(); n > d {
		e.t.Logf("%s: %d duplicate deliveries (at-least-once) besides %d distinct", what, n-d, d)
	}
}

// errorLogger prints Watermill's and the library's errors (poisoned
// messages among them) to stderr, where they survive the end of a test.
type errorLogger struct {
	name   string
	fields watermill.LogFields
}

func (l errorLogger) Error(msg string, err error, fields watermill.LogFields) {
	log.Printf("[%s] ERROR %s: %v %v", l.name, msg, err, l.fields.Add(fields))
}
func (errorLogger) Info(string, watermill.LogFields)  {}
func (errorLogger) Debug(string, watermill.LogFields) {}
func (errorLogger) Trace(string, watermill.LogFields) {}
func (l errorLogger) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return errorLogger{name: l.name, fields: l.fields.Add(fields)}
}

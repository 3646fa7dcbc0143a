package router_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/publisher"
	"github.com/lbpay-lab/dict-events/router"
)

const wait = 10 * time.Second

type harness struct {
	backend  *broker.Backend
	producer *publisher.EntryEventProducer
	dlq      <-chan *message.Message
}

// start runs a router on a fresh in-memory bus; pub, when set, replaces the
// router's poison-queue publisher.
func start(t *testing.T, cfg router.Config, h router.Handlers, pub message.Publisher) *harness {
	t.Helper()
	backend, err := broker.Open(broker.Config{URL: "mem://"}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = backend.Close() })
	if pub == nil {
		pub = backend.Publisher
	}
	r, err := router.New(cfg, backend.Subscriber, pub, h, nil)
	require.NoError(t, err)
	go func() { _ = r.Run(context.Background()) }()
	t.Cleanup(func() { _ = r.Close() })
	select {
	case <-r.Running():
	case <-time.After(wait):
		t.Fatal("router did not start")
	}
	dlq, err := backend.Subscriber.Subscribe(context.Background(), events.TopicDLQ)
	require.NoError(t, err)
	p, err := publisher.New(backend.Publisher, publisher.DefaultConfig())
	require.NoError(t, err)
	return &harness{backend: backend, producer: p, dlq: dlq}
}

func (h *harness) poisoned(t *testing.T) *message.Message {
	t.Helper()
	select {
	case m := <-h.dlq:
		m.Ack()
		return m
	case <-time.After(wait):
		t.Fatal("nothing reached the poison queue")
		return nil
	}
}

func fastRetry(n int) router.Config {
	return router.Config{Retry: middleware.RetryConfig{MaxRetries: n, InitialInterval: time.Millisecond}}
}

func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatal("handler was not called")
		var zero T
		return zero
	}
}

func TestHandlersReceiveEveryEventKind(t *testing.T) {
	created := make(chan *eventsv1.EntryCreatedEvent, 1)
	updated := make(chan *eventsv1.EntryUpdatedEvent, 1)
	deleted := make(chan *eventsv1.EntryDeletedEvent, 2)
	h := start(t, router.Config{}, router.Handlers{
		OnCreated: func(_ context.Context, ev *eventsv1.EntryCreatedEvent) error { created <- ev; return nil },
		OnUpdated: func(_ context.Context, ev *eventsv1.EntryUpdatedEvent) error { updated <- ev; return nil },
		OnDeleted: func(_ context.Context, ev *eventsv1.EntryDeletedEvent) error { deleted <- ev; return nil },
	}, nil)
	ctx := context.Background()
	e := entrytest.Entry(entry.KeyTypeCNPJ, 4)

	require.NoError(t, h.producer.PublishCreated(ctx, e, "u1"))
	got := receive(t, created)
	assert.True(t, proto.Equal(events.EntryToProto(e), got.Entry))
	assert.Equal(t, "u1", got.UserId)

	require.NoError(t, h.producer.PublishUpdated(ctx, e, "u2"))
	assert.True(t, proto.Equal(events.EntryToProto(e), receive(t, updated).Entry))

	require.NoError(t, h.producer.PublishDeletedImmediate(ctx, e.ID, e.KeyValue, e.KeyType, e.ISPB, "u3"))
	d := receive(t, deleted)
	assert.Equal(t, eventsv1.EntryDeletedEvent_DELETION_TYPE_IMMEDIATE, d.DeletionType)
	assert.Equal(t, e.ID.String(), d.EntryId)
	require.NoError(t, h.producer.PublishDeleted(ctx, e.ID, e.KeyValue, e.KeyType, e.ISPB, eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD, "u4"))
	assert.Equal(t, eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD, receive(t, deleted).DeletionType)
}

func TestExhaustedRetriesPoisonWithConfiguredDelays(t *testing.T) {
	var mu sync.Mutex
	var calls []time.Time
	var delays []time.Duration
	handlerErr := errors.New("ledger unavailable")
	cfg := router.Config{Retry: middleware.RetryConfig{
		MaxRetries: 3, InitialInterval: 20 * time.Millisecond, Multiplier: 2,
		OnRetry: func(_ *message.Message, _ int, d time.Duration, _ error) {
			mu.Lock()
			defer mu.Unlock()
			delays = append(delays, d)
		},
	}}
	h := start(t, cfg, router.Handlers{OnCreated: func(context.Context, *eventsv1.EntryCreatedEvent) error {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, time.Now())
		return handlerErr
	}}, nil)

	ctx := middleware.WithCorrelationID(context.Background(), "corr-retry")
	require.NoError(t, h.producer.PublishCreated(ctx, entrytest.Entry(entry.KeyTypeEmail, 1), "u"))
	p := h.poisoned(t)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, calls, 4, "1 attempt + MaxRetries")
	want := []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}
	assert.Equal(t, want, delays)
	for i, d := range want {
		assert.GreaterOrEqual(t, calls[i+1].Sub(calls[i]), d, "gap before retry %d", i+1)
	}
	assert.Equal(t, "4", p.Metadata.Get(middleware.MetadataPoisonAttempts))
	assert.Equal(t, "false", p.Metadata.Get(middleware.MetadataPoisonPermanent))
	assert.Contains(t, p.Metadata.Get(middleware.MetadataPoisonReason), "ledger unavailable")
	assert.Equal(t, events.TopicEntryCreated, p.Metadata.Get(middleware.MetadataPoisonTopic))
	assert.Equal(t, "dict-events.created", p.Metadata.Get(middleware.MetadataPoisonHandler))
	assert.Equal(t, "corr-retry", p.Metadata.Get(events.MetadataCorrelationID))
	assert.Equal(t, events.EventTypeEntryCreated, p.Metadata.Get(events.MetadataEventType))
	var ev eventsv1.EntryCreatedEvent
	require.NoError(t, proto.Unmarshal(p.Payload, &ev), "payload kept")
	assert.Equal(t, p.UUID, ev.EventId, "UUID kept")
}

func TestRetryThenSuccessIsNotPoisoned(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	h := start(t, fastRetry(3), router.Handlers{OnCreated: func(_ context.Context, ev *eventsv1.EntryCreatedEvent) error {
		mu.Lock()
		defer mu.Unlock()
		calls[ev.Entry.KeyValue]++
		if ev.Entry.KeyType == eventsv1.KeyType_KEY_TYPE_EVP {
			return middleware.Permanent(errors.New("marker"))
		}
		if calls[ev.Entry.KeyValue] <= 2 {
			return errors.New("transient")
		}
		return nil
	}}, nil)
	ctx := context.Background()
	flaky := entrytest.Entry(entry.KeyTypePhone, 1)
	require.NoError(t, h.producer.PublishCreated(ctx, flaky, "u"))
	// The marker is poisoned at once; if the flaky message had been
	// poisoned it would have reached the queue first.
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return calls[flaky.KeyValue] == 3 }, wait, time.Millisecond)
	marker := entrytest.Entry(entry.KeyTypeEVP, 1)
	require.NoError(t, h.producer.PublishCreated(ctx, marker, "u"))
	var ev eventsv1.EntryCreatedEvent
	require.NoError(t, proto.Unmarshal(h.poisoned(t).Payload, &ev))
	assert.Equal(t, marker.KeyValue, ev.Entry.KeyValue)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 3, calls[flaky.KeyValue])
}

func TestPermanentFailuresArePoisonedWithoutRetries(t *testing.T) {
	tests := []struct {
		name       string
		payload    []byte
		metadata   map[string]string
		handlerErr error
		wantCalls  int
		wantReason string
	}{
		{name: "undecodable payload", payload: []byte{0xff, 0xff, 0xff}, wantReason: "undecodable"},
		{name: "other schema", metadata: map[string]string{events.MetadataSchema: "dict.events.v1.EntryDeletedEvent"}, wantReason: "schema"},
		{name: "empty event", payload: []byte{}, wantReason: "lacks required fields"},
		{name: "handler marks permanent", handlerErr: middleware.Permanent(errors.New("entry belongs to another ISPB")), wantCalls: 1, wantReason: "another ISPB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			h := start(t, fastRetry(3), router.Handlers{OnCreated: func(context.Context, *eventsv1.EntryCreatedEvent) error {
				mu.Lock()
				defer mu.Unlock()
				calls++
				return tt.handlerErr
			}}, nil)
			payload := tt.payload
			if payload == nil {
				ev := &eventsv1.EntryCreatedEvent{EventId: "e1", Entry: events.EntryToProto(entrytest.Entry(entry.KeyTypeEVP, 1))}
				var err error
				payload, err = proto.Marshal(ev)
				require.NoError(t, err)
			}
			msg := message.NewMessage("m1", payload)
			for k, v := range tt.metadata {
				msg.Metadata.Set(k, v)
			}
			require.NoError(t, h.backend.Publisher.Publish(events.TopicEntryCreated, msg))

			p := h.poisoned(t)
			assert.Equal(t, "m1", p.UUID)
			assert.Equal(t, payload, []byte(p.Payload))
			assert.Equal(t, "1", p.Metadata.Get(middleware.MetadataPoisonAttempts))
			assert.Equal(t, "true", p.Metadata.Get(middleware.MetadataPoisonPermanent))
			assert.Contains(t, p.Metadata.Get(middleware.MetadataPoisonReason), tt.wantReason)
			for k, v := range tt.metadata {
				assert.Equal(t, v, p.Metadata.Get(k))
			}
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, tt.wantCalls, calls)
		})
	}
}

func TestPanickingHandlerIsRetriedThenPoisoned(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	h := start(t, fastRetry(2), router.Handlers{OnUpdated: func(context.Context, *eventsv1.EntryUpdatedEvent) error {
		mu.Lock()
		calls++
		mu.Unlock()
		panic("nil map")
	}}, nil)
	require.NoError(t, h.producer.PublishUpdated(context.Background(), entrytest.Entry(entry.KeyTypeCPF, 1), "u"))
	p := h.poisoned(t)
	assert.Contains(t, p.Metadata.Get(middleware.MetadataPoisonReason), "handler panicked: nil map")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 3, calls)
}

func TestCorrelationIDReachesHandlerAndWhatItPublishes(t *testing.T) {
	var h *harness
	seen := make(chan string, 2)
	h = start(t, router.Config{}, router.Handlers{
		OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			id, _ := middleware.CorrelationIDFromContext(ctx)
			seen <- id
			e := events.EntryFromProto(ev.Entry)
			return h.producer.PublishUpdated(ctx, e, "handler")
		},
	}, nil)
	updates, err := h.backend.Subscriber.Subscribe(context.Background(), events.TopicEntryUpdated)
	require.NoError(t, err)

	ctx := middleware.WithCorrelationID(context.Background(), "corr-42")
	require.NoError(t, h.producer.PublishCreated(ctx, entrytest.Entry(entry.KeyTypeEmail, 2), "u"))
	assert.Equal(t, "corr-42", receive(t, seen))
	out := receive(t, updates)
	out.Ack()
	assert.Equal(t, "corr-42", out.Metadata.Get(events.MetadataCorrelationID))

	// A message from a producer that set none gets one created at ingress.
	payload, err := proto.Marshal(&eventsv1.EntryCreatedEvent{EventId: "x", Entry: events.EntryToProto(entrytest.Entry(entry.KeyTypeEmail, 3))})
	require.NoError(t, err)
	require.NoError(t, h.backend.Publisher.Publish(events.TopicEntryCreated, message.NewMessage("raw", payload)))
	id := receive(t, seen)
	assert.NotEmpty(t, id)
	out = receive(t, updates)
	out.Ack()
	assert.Equal(t, id, out.Metadata.Get(events.MetadataCorrelationID))
}

// failingPublisher fails the first n publishes, then delegates.
type failingPublisher struct {
	message.Publisher
	mu sync.Mutex
	n  int
}

func (f *failingPublisher) Publish(topic string, msgs ...*message.Message) error {
	f.mu.Lock()
	if f.n > 0 {
		f.n--
		f.mu.Unlock()
		return errors.New("poison queue down")
	}
	f.mu.Unlock()
	return f.Publisher.Publish(topic, msgs...)
}

func TestPoisonQueueFailureKeepsMessageForRedelivery(t *testing.T) {
	backendPub := &failingPublisher{n: 2}
	var mu sync.Mutex
	calls := 0
	var h *harness
	h = start(t, fastRetry(-1), router.Handlers{OnCreated: func(context.Context, *eventsv1.EntryCreatedEvent) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return errors.New("always")
	}}, backendPub)
	backendPub.mu.Lock()
	backendPub.Publisher = h.backend.Publisher
	backendPub.mu.Unlock()

	require.NoError(t, h.producer.PublishCreated(context.Background(), entrytest.Entry(entry.KeyTypeCPF, 9), "u"))
	p := h.poisoned(t)
	assert.True(t, strings.Contains(p.Metadata.Get(middleware.MetadataPoisonReason), "always"))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 3, calls, "nacked twice while the poison queue was down, then poisoned")
}

func TestNewRejectsBadInput(t *testing.T) {
	backend, err := broker.Open(broker.Config{}, nil)
	require.NoError(t, err)
	defer backend.Close()
	_, err = router.New(router.Config{}, backend.Subscriber, backend.Publisher, router.Handlers{}, nil)
	assert.ErrorContains(t, err, "handler")
	_, err = router.New(router.Config{}, nil, backend.Publisher, router.Handlers{OnCreated: func(context.Context, *eventsv1.EntryCreatedEvent) error { return nil }}, nil)
	assert.Error(t, err)
	_, err = router.New(router.Config{Retry: middleware.RetryConfig{Multiplier: 0.5}}, backend.Subscriber, backend.Publisher, router.Handlers{OnCreated: func(context.Context, *eventsv1.EntryCreatedEvent) error { return nil }}, nil)
	assert.ErrorContains(t, err, "multiplier")
}

func TestCloseLeavesTheCallersBusOpen(t *testing.T) {
	backend, err := broker.Open(broker.Config{}, nil)
	require.NoError(t, err)
	defer backend.Close()
	r, err := router.New(router.Config{}, backend.Subscriber, backend.Publisher, router.Handlers{
		OnCreated: func(context.Context, *eventsv1.EntryCreatedEvent) error { return nil },
	}, nil)
	require.NoError(t, err)
	go func() { _ = r.Run(context.Background()) }()
	<-r.Running()
	require.NoError(t, r.Close())
	assert.NoError(t, backend.Publisher.Publish("t", message.NewMessage("1", nil)), "bus still open")
}

package publisher_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/publisher"
)

// recorder is a message.Publisher that keeps what it was given and can be
// told to fail.
type recorder struct {
	mu     sync.Mutex
	sent   []sent
	fail   func(call int) error
	calls  int
	closed bool
}

type sent struct {
	topic string
	msg   *message.Message
	at    time.Time
}

func (r *recorder) Publish(topic string, msgs ...*message.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail != nil {
		if err := r.fail(r.calls); err != nil {
			return err
		}
	}
	for _, m := range msgs {
		r.sent = append(r.sent, sent{topic: topic, msg: m, at: time.Now()})
	}
	return nil
}

func (r *recorder) Close() error { r.closed = true; return nil }

func (r *recorder) only(t *testing.T) sent {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Len(t, r.sent, 1)
	return r.sent[0]
}

func newProducer(t *testing.T, rec *recorder) *publisher.EntryEventProducer {
	t.Helper()
	cfg := publisher.DefaultConfig()
	cfg.PartitionKeySecret = "test-secret"
	cfg.Retry.InitialInterval = time.Millisecond
	p, err := publisher.New(rec, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func requireMetadata(t *testing.T, s sent, eventType, schema, userID, correlationID string, kt entry.KeyType, kv string) {
	t.Helper()
	md := s.msg.Metadata
	assert.Equal(t, eventType, md.Get(events.MetadataEventType))
	assert.Equal(t, schema, md.Get(events.MetadataSchema))
	assert.Equal(t, strconv.Itoa(events.SchemaVersion), md.Get(events.MetadataSchemaVersion))
	assert.Equal(t, events.ContentTypeProtobuf, md.Get(events.MetadataContentType))
	assert.Equal(t, userID, md.Get(events.MetadataUserID))
	assert.Equal(t, correlationID, md.Get(events.MetadataCorrelationID))
	assert.Equal(t, publisher.PartitionKey("test-secret", kt, kv), md.Get(events.MetadataPartitionKey))
	for k, v := range md {
		assert.NotContains(t, v, kv, "metadata %s carries the key value", k)
	}
	assert.Len(t, md, 7, "unexpected metadata: %v", md)
}

func TestPublishCreatedAndUpdatedCarryEveryField(t *testing.T) {
	for _, kt := range entry.KeyTypes() {
		t.Run(string(kt), func(t *testing.T) {
			rec := &recorder{}
			p := newProducer(t, rec)
			e := entrytest.Entry(kt, 3)
			ctx := middleware.WithCorrelationID(context.Background(), "corr-1")

			before := time.Now()
			require.NoError(t, p.PublishCreated(ctx, e, "user-1"))
			s := rec.only(t)
			assert.Equal(t, publisher.TopicEntryCreated, s.topic)
			requireMetadata(t, s, events.EventTypeEntryCreated, "dict.events.v1.EntryCreatedEvent", "user-1", "corr-1", kt, e.KeyValue)

			var created eventsv1.EntryCreatedEvent
			require.NoError(t, proto.Unmarshal(s.msg.Payload, &created))
			assert.Equal(t, s.msg.UUID, created.EventId)
			assert.Empty(t, cmpEntry(e, created.Entry))
			assert.Equal(t, "user-1", created.UserId)
			assert.Equal(t, uint32(events.SchemaVersion), created.SchemaVersion)
			assert.WithinRange(t, created.OccurredAt.AsTime(), before, time.Now())

			rec.sent = nil
			e.AccountNumber = "99887766"
			require.NoError(t, p.PublishUpdated(ctx, e, "user-2"))
			s = rec.only(t)
			assert.Equal(t, publisher.TopicEntryUpdated, s.topic)
			requireMetadata(t, s, events.EventTypeEntryUpdated, "dict.events.v1.EntryUpdatedEvent", "user-2", "corr-1", kt, e.KeyValue)
			var updated eventsv1.EntryUpdatedEvent
			require.NoError(t, proto.Unmarshal(s.msg.Payload, &updated))
			assert.Equal(t, s.msg.UUID, updated.EventId)
			assert.Empty(t, cmpEntry(e, updated.Entry))
			assert.Equal(t, "user-2", updated.UserId)
			assert.Equal(t, uint32(events.SchemaVersion), updated.SchemaVersion)
		})
	}
}

func cmpEntry(e *entry.Entry, got *eventsv1.Entry) string {
	if want := events.EntryToProto(e); !proto.Equal(want, got) {
		return "payload entry differs:\nwant " + want.String() + "\ngot  " + got.String()
	}
	return ""
}

func TestPublishDeletedRoutesByDeletionType(t *testing.T) {
	tests := []struct {
		name  string
		call  func(p *publisher.EntryEventProducer, ctx context.Context, e *entry.Entry) error
		topic string
		dt    eventsv1.EntryDeletedEvent_DeletionType
	}{
		{"immediate helper", func(p *publisher.EntryEventProducer, ctx context.Context, e *entry.Entry) error {
			return p.PublishDeletedImmediate(ctx, e.ID, e.KeyValue, e.KeyType, e.ISPB, "u")
		}, publisher.TopicEntryDeletedImmediate, eventsv1.EntryDeletedEvent_DELETION_TYPE_IMMEDIATE},
		{"immediate", func(p *publisher.EntryEventProducer, ctx context.Context, e *entry.Entry) error {
			return p.PublishDeleted(ctx, e.ID, e.KeyValue, e.KeyType, e.ISPB, eventsv1.EntryDeletedEvent_DELETION_TYPE_IMMEDIATE, "u")
		}, publisher.TopicEntryDeletedImmediate, eventsv1.EntryDeletedEvent_DELETION_TYPE_IMMEDIATE},
		{"waiting period", func(p *publisher.EntryEventProducer, ctx context.Context, e *entry.Entry) error {
			return p.PublishDeleted(ctx, e.ID, e.KeyValue, e.KeyType, e.ISPB, eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD, "u")
		}, publisher.TopicEntryDeletedWaitingPeriod, eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			p := newProducer(t, rec)
			e := entrytest.Entry(entry.KeyTypeEmail, 1)
			require.NoError(t, tt.call(p, middleware.WithCorrelationID(context.Background(), "c"), e))
			s := rec.only(t)
			assert.Equal(t, tt.topic, s.topic)
			requireMetadata(t, s, events.EventTypeEntryDeleted, "dict.events.v1.EntryDeletedEvent", "u", "c", e.KeyType, e.KeyValue)
			var ev eventsv1.EntryDeletedEvent
			require.NoError(t, proto.Unmarshal(s.msg.Payload, &ev))
			assert.Equal(t, s.msg.UUID, ev.EventId)
			assert.Equal(t, e.ID.String(), ev.EntryId)
			assert.Equal(t, e.KeyValue, ev.KeyValue)
			assert.Equal(t, eventsv1.KeyType_KEY_TYPE_EMAIL, ev.KeyType)
			assert.Equal(t, e.ISPB, ev.Ispb)
			assert.Equal(t, tt.dt, ev.DeletionType)
			assert.Equal(t, "u", ev.UserId)
			assert.NotNil(t, ev.OccurredAt)
			assert.Equal(t, uint32(events.SchemaVersion), ev.SchemaVersion)
		})
	}
}

func TestInvalidInputPublishesNothing(t *testing.T) {
	valid := entrytest.Entry(entry.KeyTypeCPF, 1)
	badCPF := *valid
	badCPF.KeyValue = "24843803481"
	badCPF.OwnerTaxID = "24843803481"
	ctx := context.Background()
	tests := []struct {
		name    string
		call    func(p *publisher.EntryEventProducer) error
		wantErr error
	}{
		{"created with bad CPF", func(p *publisher.EntryEventProducer) error { return p.PublishCreated(ctx, &badCPF, "u") }, entry.ErrInvalidEntry},
		{"updated with bad CPF", func(p *publisher.EntryEventProducer) error { return p.PublishUpdated(ctx, &badCPF, "u") }, entry.ErrInvalidEntry},
		{"created nil entry", func(p *publisher.EntryEventProducer) error { return p.PublishCreated(ctx, nil, "u") }, entry.ErrInvalidEntry},
		{"created without user", func(p *publisher.EntryEventProducer) error { return p.PublishCreated(ctx, valid, "") }, publisher.ErrMissingUserID},
		{"deleted nil id", func(p *publisher.EntryEventProducer) error {
			return p.PublishDeletedImmediate(ctx, uuid.Nil, valid.KeyValue, valid.KeyType, valid.ISPB, "u")
		}, entry.ErrInvalidEntry},
		{"deleted bad key", func(p *publisher.EntryEventProducer) error {
			return p.PublishDeletedImmediate(ctx, valid.ID, "24843803481", entry.KeyTypeCPF, valid.ISPB, "u")
		}, entry.ErrInvalidEntry},
		{"deleted bad ISPB", func(p *publisher.EntryEventProducer) error {
			return p.PublishDeletedImmediate(ctx, valid.ID, valid.KeyValue, valid.KeyType, "123", "u")
		}, entry.ErrInvalidEntry},
		{"deleted unspecified type", func(p *publisher.EntryEventProducer) error {
			return p.PublishDeleted(ctx, valid.ID, valid.KeyValue, valid.KeyType, valid.ISPB, eventsv1.EntryDeletedEvent_DELETION_TYPE_UNSPECIFIED, "u")
		}, publisher.ErrInvalidDeletionType},
		{"deleted without user", func(p *publisher.EntryEventProducer) error {
			return p.PublishDeletedImmediate(ctx, valid.ID, valid.KeyValue, valid.KeyType, valid.ISPB, "")
		}, publisher.ErrMissingUserID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			err := tt.call(newProducer(t, rec))
			require.ErrorIs(t, err, tt.wantErr)
			assert.NotContains(t, err.Error(), "24843803481")
			assert.Zero(t, rec.calls, "nothing may be published")
		})
	}
}

func TestCorrelationIDIsCreatedWhenAbsent(t *testing.T) {
	rec := &recorder{}
	p := newProducer(t, rec)
	require.NoError(t, p.PublishCreated(context.Background(), entrytest.Entry(entry.KeyTypeEVP, 1), "u"))
	_, err := uuid.Parse(rec.only(t).msg.Metadata.Get(events.MetadataCorrelationID))
	assert.NoError(t, err)
}

func TestPartitionKey(t *testing.T) {
	k := publisher.PartitionKey("s", entry.KeyTypeEmail, "a@b.c")
	assert.Equal(t, k, publisher.PartitionKey("s", entry.KeyTypeEmail, "a@b.c"), "stable")
	assert.NotEqual(t, k, publisher.PartitionKey("s", entry.KeyTypeEmail, "a@b.d"), "per key value")
	assert.NotEqual(t, k, publisher.PartitionKey("s", entry.KeyTypePhone, "a@b.c"), "per key type")
	assert.NotEqual(t, k, publisher.PartitionKey("t", entry.KeyTypeEmail, "a@b.c"), "per secret")
	assert.Len(t, k, 64)
}

func TestPublishRetriesWithSameUUIDThenSucceeds(t *testing.T) {
	rec := &recorder{fail: func(call int) error {
		if call <= 2 {
			return errors.New("broker unavailable")
		}
		return nil
	}}
	cfg := publisher.DefaultConfig()
	cfg.Retry = middleware.RetryConfig{MaxRetries: 3, InitialInterval: 20 * time.Millisecond, Multiplier: 2}
	p, err := publisher.New(rec, cfg)
	require.NoError(t, err)

	start := time.Now()
	require.NoError(t, p.PublishCreated(context.Background(), entrytest.Entry(entry.KeyTypeCPF, 1), "u"))
	assert.Equal(t, 3, rec.calls)
	assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond, "waited 20 ms + 40 ms")
	rec.only(t)
}

func TestPublishFailsAfterRetries(t *testing.T) {
	brokerErr := errors.New("broker unavailable")
	rec := &recorder{fail: func(int) error { return brokerErr }}
	cfg := publisher.DefaultConfig()
	cfg.Retry = middleware.RetryConfig{MaxRetries: 2, InitialInterval: time.Millisecond}
	p, err := publisher.New(rec, cfg)
	require.NoError(t, err)

	err = p.PublishCreated(context.Background(), entrytest.Entry(entry.KeyTypeCPF, 1), "u")
	require.ErrorIs(t, err, brokerErr)
	assert.Contains(t, err.Error(), publisher.TopicEntryCreated)
	assert.Equal(t, 3, rec.calls, "1 attempt + 2 retries")
}

func TestPublishRetryStopsWhenContextEnds(t *testing.T) {
	rec := &recorder{fail: func(int) error { return errors.New("down") }}
	cfg := publisher.DefaultConfig()
	cfg.Retry = middleware.RetryConfig{MaxRetries: 5, InitialInterval: time.Hour}
	p, err := publisher.New(rec, cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = p.PublishCreated(ctx, entrytest.Entry(entry.KeyTypeCPF, 1), "u")
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, rec.calls)
}

func TestCloseIsIdempotentAndRejectsLaterPublishes(t *testing.T) {
	rec := &recorder{}
	p, err := publisher.New(rec, publisher.DefaultConfig())
	require.NoError(t, err)
	require.NoError(t, p.Close())
	require.NoError(t, p.Close())
	assert.False(t, rec.closed, "New does not own the publisher")
	err = p.PublishCreated(context.Background(), entrytest.Entry(entry.KeyTypeCPF, 1), "u")
	assert.ErrorIs(t, err, publisher.ErrClosed)
	assert.Zero(t, rec.calls)
}

// blocking is a publisher whose Publish waits until released.
type blocking struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blocking) Publish(string, ...*message.Message) error {
	b.entered <- struct{}{}
	<-b.release
	return nil
}
func (b *blocking) Close() error { return nil }

func TestFlushAndCloseWaitForPublishesInProgress(t *testing.T) {
	for _, op := range []string{"flush", "close"} {
		t.Run(op, func(t *testing.T) {
			b := &blocking{entered: make(chan struct{}), release: make(chan struct{})}
			p, err := publisher.New(b, publisher.DefaultConfig())
			require.NoError(t, err)

			order := make(chan string, 2)
			go func() {
				_ = p.PublishCreated(context.Background(), entrytest.Entry(entry.KeyTypeCPF, 1), "u")
				order <- "publish"
			}()
			<-b.entered
			go func() {
				if op == "flush" {
					_ = p.Flush()
				} else {
					_ = p.Close()
				}
				order <- op
			}()
			close(b.release)
			assert.Equal(t, "publish", <-order)
			assert.Equal(t, op, <-order)
		})
	}
}

func TestNewEntryEventProducerRejectsUnknownURL(t *testing.T) {
	_, err := publisher.NewEntryEventProducer("nats://localhost:4222")
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "mem://"), "says what is accepted: %v", err)
}

func TestConfigs(t *testing.T) {
	d := publisher.DefaultConfig()
	assert.Equal(t, "lz4", d.Broker.Producer.Compression)
	assert.Equal(t, uint(100), d.Broker.Producer.BatchingMaxMessages)
	assert.Equal(t, 10*time.Millisecond, d.Broker.Producer.BatchingMaxDelay)
	assert.Equal(t, 30*time.Second, d.Broker.Producer.SendTimeout)
	assert.Equal(t, 3, d.Retry.MaxRetries)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
		[]time.Duration{d.Retry.Delay(1), d.Retry.Delay(2), d.Retry.Delay(3)})
	assert.LessOrEqual(t, publisher.LowLatencyConfig().Broker.Producer.BatchingMaxDelay, time.Millisecond)
}

package scenario

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"google.golang.org/protobuf/proto"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/publisher"
	"github.com/lbpay-lab/dict-events/router"
)

// Poison checks the poison queue (dict.entries.dlq):
//   - an event whose handler always fails is poisoned after 1 + MaxRetries
//     attempts, with its UUID, payload and metadata intact plus the reason,
//     origin topic, handler, attempts and permanence;
//   - an undecodable payload, published raw with the backend's Watermill
//     publisher, is poisoned at once, without reaching the handler or being
//     retried;
//   - neither blocks the event published after them on the same key, which
//     is handled (after both, on backends with order per key).
func Poison(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	p := e.producer()
	dlq := e.poisonQueue()
	retries := routerConfig("").Retry.MaxRetries

	en := entrytest.Entry(entry.KeyTypePhone, 7)
	var (
		mu       sync.Mutex
		sequence []string                    // this run's handler calls, in order
		failing  *eventsv1.EntryUpdatedEvent // as the handler received it
	)
	afterHandled := make(chan struct{})
	var afterOnce sync.Once
	e.startRouter("poison", e.main, router.Handlers{
		OnUpdated: func(ctx context.Context, ev *eventsv1.EntryUpdatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			sequence = append(sequence, name)
			switch name {
			case "poison/always":
				failing = ev
				return errors.New("handler always fails")
			case "poison/after":
				afterOnce.Do(func() { close(afterHandled) })
				return nil
			}
			t.Errorf("unexpected event %q reached the handler", name)
			return nil
		},
	})

	if err := p.PublishUpdated(e.ctx("poison/always"), en, userID); err != nil {
		t.Fatal(err)
	}
	raw := message.NewMessage(watermill.NewUUID(), []byte("\x0a\x05ab")) // field 1, 5 bytes announced, 2 present
	raw.Metadata.Set(events.MetadataCorrelationID, e.run+"/poison/raw")
	raw.Metadata.Set(events.MetadataPartitionKey, publisher.PartitionKey(secret, en.KeyType, en.KeyValue))
	raw.Metadata.Set(events.MetadataSchema, string(proto.MessageName(&eventsv1.EntryUpdatedEvent{})))
	raw.Metadata.Set("origin", "scenario-raw")
	if err := e.main.Publisher.Publish(events.TopicEntryUpdated, raw); err != nil {
		t.Fatal(err)
	}
	after := *en
	after.OwnerName = "Depois do Veneno"
	if err := p.PublishUpdated(e.ctx("poison/after"), &after, userID); err != nil {
		t.Fatal(err)
	}

	e.await(afterHandled, func() string { return "the event behind the poisoned ones (same key) to be handled" })
	poisoned := map[string]*message.Message{}
	for len(poisoned) < 2 {
		select {
		case m, ok := <-dlq:
			if !ok {
				t.Fatal("poison queue subscription ended")
			}
			name := strings.TrimPrefix(m.Metadata.Get(events.MetadataCorrelationID), e.run+"/")
			if _, dup := poisoned[name]; dup {
				t.Logf("%s poisoned again (redelivery)", name)
				continue
			}
			poisoned[name] = m
		case <-time.After(b.Timeout):
			t.Fatalf("%s: %d of 2 poisoned messages in the poison queue after %v: %v", b.Name, len(poisoned), b.Timeout, keysOf(poisoned))
		}
	}

	mu.Lock()
	seq := append([]string(nil), sequence...)
	got := failing
	mu.Unlock()

	// The always-failing event.
	m := poisoned["poison/always"]
	if m == nil {
		t.Fatalf("the always-failing event is not in the poison queue: %v", keysOf(poisoned))
	}
	if n := strings.Count(strings.Join(seq, ","), "poison/always"); n != 1+retries {
		t.Errorf("always-failing handler called %d times, want 1 + %d retries", n, retries)
	}
	if got == nil || m.UUID != got.GetEventId() {
		t.Errorf("poisoned UUID %s, want the event ID", m.UUID)
	}
	var payload eventsv1.EntryUpdatedEvent
	if err := proto.Unmarshal(m.Payload, &payload); err != nil || !proto.Equal(&payload, got) {
		t.Errorf("poisoned payload differs from the event handled (%v)", err)
	}
	wantMeta := map[string]string{
		events.MetadataCorrelationID:       e.run + "/poison/always",
		events.MetadataEventType:           events.EventTypeEntryUpdated,
		events.MetadataSchema:              string(proto.MessageName(&eventsv1.EntryUpdatedEvent{})),
		events.MetadataSchemaVersion:       strconv.Itoa(events.SchemaVersion),
		events.MetadataContentType:         events.ContentTypeProtobuf,
		events.MetadataUserID:              userID,
		events.MetadataPartitionKey:        publisher.PartitionKey(secret, en.KeyType, en.KeyValue),
		middleware.MetadataPoisonTopic:     events.TopicEntryUpdated,
		middleware.MetadataPoisonHandler:   "poison.updated",
		middleware.MetadataPoisonAttempts:  strconv.Itoa(1 + retries),
		middleware.MetadataPoisonPermanent: "false",
	}
	checkMetadata(t, "always-failing", m, wantMeta)
	if r := m.Metadata.Get(middleware.MetadataPoisonReason); !strings.Contains(r, "handler always fails") {
		t.Errorf("always-failing: reason %q does not give the handler's error", r)
	}

	// The undecodable payload.
	m = poisoned["poison/raw"]
	if m == nil {
		t.Fatalf("the undecodable message is not in the poison queue: %v", keysOf(poisoned))
	}
	if m.UUID != raw.UUID || string(m.Payload) != string(raw.Payload) {
		t.Errorf("undecodable: poisoned as %s %q, want %s %q", m.UUID, m.Payload, raw.UUID, raw.Payload)
	}
	checkMetadata(t, "undecodable", m, map[string]string{
		events.MetadataCorrelationID:       e.run + "/poison/raw",
		events.MetadataPartitionKey:        raw.Metadata.Get(events.MetadataPartitionKey),
		"origin":                           "scenario-raw",
		middleware.MetadataPoisonTopic:     events.TopicEntryUpdated,
		middleware.MetadataPoisonAttempts:  "1",
		middleware.MetadataPoisonPermanent: "true",
	})
	if r := m.Metadata.Get(middleware.MetadataPoisonReason); !strings.Contains(r, router.ErrUndecodable.Error()) {
		t.Errorf("undecodable: reason %q does not say %q", r, router.ErrUndecodable)
	}

	// The event behind them.
	if b.OrderPerKey {
		last := -1
		for i, name := range seq {
			if name == "poison/always" {
				last = i
			}
		}
		first := -1
		for i, name := range seq {
			if name == "poison/after" {
				first = i
				break
			}
		}
		if first < last {
			t.Errorf("the later event on the key was handled before the poisoned one was done: %v", seq)
		}
	}
}

func checkMetadata(t *testing.T, what string, m *message.Message, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := m.Metadata.Get(k); got != v {
			t.Errorf("%s: poisoned metadata %s = %q, want %q", what, k, got, v)
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

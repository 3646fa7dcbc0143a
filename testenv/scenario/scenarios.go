package scenario

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"google.golang.org/protobuf/encoding/prototext"
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

// Lifecycle publishes create, update and delete (half IMMEDIATE, half
// WAITING_PERIOD) for 200 entries of every key type, and checks that every
// handler receives exactly the event that was published: the proto
// received equals the one built from the published entry, with the event ID
// and timestamp the producer added, which must be set, unique per event and
// within the publishing window.
func Lifecycle(t *testing.T, b Backend) {
	const n = 200
	e := newEnv(t, b, nil)
	p := e.producer()

	entries := entrytest.Entries(n)
	updated := make([]*entry.Entry, n)
	for i, en := range entries {
		// A DICT update may move the account and rename the owner.
		u := *en
		u.AccountNumber = fmt.Sprintf("%010d", 9000000+i)
		u.OwnerName = en.OwnerName + " (atualizado)"
		u.UpdatedAt = en.UpdatedAt.Add(time.Hour)
		updated[i] = &u
	}
	deletion := func(i int) eventsv1.EntryDeletedEvent_DeletionType {
		if i%2 == 0 {
			return eventsv1.EntryDeletedEvent_DELETION_TYPE_IMMEDIATE
		}
		return eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD
	}

	created := newTally[*eventsv1.EntryCreatedEvent](n)
	upd := newTally[*eventsv1.EntryUpdatedEvent](n)
	deleted := newTally[*eventsv1.EntryDeletedEvent](n)
	record := func(ctx context.Context, kind string, add func(string)) {
		name, ok := e.mine(ctx)
		if !ok {
			return
		}
		if _, ok := index(name, "lifecycle/"+kind+"/", n); !ok {
			t.Errorf("unexpected %s event %q", kind, name)
			return
		}
		add(name)
	}
	e.startRouter("lifecycle", e.main, router.Handlers{
		OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			record(ctx, "created", func(name string) { created.add(name, ev) })
			return nil
		},
		OnUpdated: func(ctx context.Context, ev *eventsv1.EntryUpdatedEvent) error {
			record(ctx, "updated", func(name string) { upd.add(name, ev) })
			return nil
		},
		OnDeleted: func(ctx context.Context, ev *eventsv1.EntryDeletedEvent) error {
			record(ctx, "deleted", func(name string) { deleted.add(name, ev) })
			return nil
		},
	})

	before := time.Now()
	parallel(t, 8, n, func(i int) error {
		en := entries[i]
		if err := p.PublishCreated(e.ctx(fmt.Sprintf("lifecycle/created/%d", i)), en, userID); err != nil {
			return err
		}
		if err := p.PublishUpdated(e.ctx(fmt.Sprintf("lifecycle/updated/%d", i)), updated[i], userID); err != nil {
			return err
		}
		return p.PublishDeleted(e.ctx(fmt.Sprintf("lifecycle/deleted/%d", i)), en.ID, en.KeyValue, en.KeyType, en.ISPB, deletion(i), userID)
	})
	after := time.Now()
	if t.Failed() {
		return
	}

	created.wait(e, "created events")
	upd.wait(e, "updated events")
	deleted.wait(e, "deleted events")

	eventIDs := map[string]string{} // event ID → name
	check := func(name string, got []proto.Message, want func(got proto.Message) proto.Message, eventID func(proto.Message) string) {
		for _, g := range got {
			id := eventID(g)
			if id == "" {
				t.Errorf("%s: no event ID", name)
			}
			if other, seen := eventIDs[id]; seen && other != name {
				t.Errorf("%s: event ID %s already used by %s", name, id, other)
			}
			eventIDs[id] = name
			if w := want(g); !proto.Equal(w, g) {
				t.Errorf("%s: received event differs from the published one\nwant: %s\ngot:  %s", name, prototext.Format(w), prototext.Format(g))
			}
		}
		if len(got) > 1 && eventID(got[0]) != eventID(got[len(got)-1]) {
			t.Errorf("%s: one publish delivered as different events", name)
		}
	}
	occurred := func(name string, ts interface{ AsTime() time.Time }) {
		if at := ts.AsTime(); at.Before(before.Add(-time.Second)) || at.After(after.Add(time.Second)) {
			t.Errorf("%s: occurred_at %v is outside the publishing window [%v, %v]", name, at, before, after)
		}
	}
	gotCreated, gotUpdated, gotDeleted := created.snapshot(), upd.snapshot(), deleted.snapshot()
	for i, en := range entries {
		name := fmt.Sprintf("lifecycle/created/%d", i)
		check(name, protos(gotCreated[name]), func(g proto.Message) proto.Message {
			got := g.(*eventsv1.EntryCreatedEvent)
			occurred(name, got.GetOccurredAt())
			return &eventsv1.EntryCreatedEvent{
				EventId: got.GetEventId(), Entry: events.EntryToProto(en), UserId: userID,
				OccurredAt: got.GetOccurredAt(), SchemaVersion: events.SchemaVersion,
			}
		}, func(g proto.Message) string { return g.(*eventsv1.EntryCreatedEvent).GetEventId() })

		name = fmt.Sprintf("lifecycle/updated/%d", i)
		check(name, protos(gotUpdated[name]), func(g proto.Message) proto.Message {
			got := g.(*eventsv1.EntryUpdatedEvent)
			occurred(name, got.GetOccurredAt())
			return &eventsv1.EntryUpdatedEvent{
				EventId: got.GetEventId(), Entry: events.EntryToProto(updated[i]), UserId: userID,
				OccurredAt: got.GetOccurredAt(), SchemaVersion: events.SchemaVersion,
			}
		}, func(g proto.Message) string { return g.(*eventsv1.EntryUpdatedEvent).GetEventId() })

		name = fmt.Sprintf("lifecycle/deleted/%d", i)
		check(name, protos(gotDeleted[name]), func(g proto.Message) proto.Message {
			got := g.(*eventsv1.EntryDeletedEvent)
			occurred(name, got.GetOccurredAt())
			return &eventsv1.EntryDeletedEvent{
				EventId: got.GetEventId(), EntryId: en.ID.String(), KeyType: events.KeyTypeToProto(en.KeyType),
				KeyValue: en.KeyValue, Ispb: en.ISPB, DeletionType: deletion(i), UserId: userID,
				OccurredAt: got.GetOccurredAt(), SchemaVersion: events.SchemaVersion,
			}
		}, func(g proto.Message) string { return g.(*eventsv1.EntryDeletedEvent).GetEventId() })
	}
	if len(eventIDs) != 3*n {
		t.Errorf("%d distinct event IDs, want %d", len(eventIDs), 3*n)
	}
}

// OrderPerKey publishes 40 updates to each of 50 keys, one goroutine per key
// publishing its updates one after the other (all keys at once), consumes
// them with 4 parallel consumers, and checks that each key's updates reach
// the handler in publish order. Redeliveries may replay earlier updates; the
// order is checked on first deliveries: the first delivery of update j of a
// key must come after the first deliveries of updates 0..j-1.
func OrderPerKey(t *testing.T, b Backend) {
	if !b.OrderPerKey {
		t.Skipf("%s does not keep order per key: %s", b.Name, b.NoOrderReason)
	}
	const keys, perKey = 50, 40
	e := newEnv(t, b, func(c *broker.Config) { c.Consumer.Consumers = 4 })
	p := e.producer()
	bases := entrytest.Entries(keys)

	type keyState struct {
		mu         sync.Mutex
		next       int      // sequence expected next on a first delivery
		violations []string // the first few
		late       int      // all of them
	}
	states := make([]*keyState, keys)
	for k := range states {
		states[k] = &keyState{}
	}
	all := newTally[struct{}](keys * perKey)
	var replays atomic.Int64
	e.startRouter("order", e.main, router.Handlers{
		OnUpdated: func(ctx context.Context, ev *eventsv1.EntryUpdatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			k, j, ok := keySeq(name, "order/", keys, perKey)
			if !ok || ev.GetEntry().GetAccountNumber() != account(j) || ev.GetEntry().GetKeyValue() != bases[k].KeyValue {
				t.Errorf("unexpected update %q (account %s)", name, ev.GetEntry().GetAccountNumber())
				return nil
			}
			s := states[k]
			s.mu.Lock()
			switch {
			case j == s.next:
				s.next++
			case j < s.next:
				replays.Add(1)
			default:
				if s.late++; s.late <= 5 {
					s.violations = append(s.violations, fmt.Sprintf("update %d arrived when %d was next", j, s.next))
				}
			}
			s.mu.Unlock()
			// A little work, so that handlers of different keys interleave.
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
			all.add(name, struct{}{})
			return nil
		},
	})

	parallel(t, keys, keys, func(k int) error {
		for j := range perKey {
			u := *bases[k]
			u.AccountNumber = account(j)
			u.UpdatedAt = bases[k].UpdatedAt.Add(time.Duration(j) * time.Second)
			if err := p.PublishUpdated(e.ctx(fmt.Sprintf("order/%d/%d", k, j)), &u, userID); err != nil {
				return err
			}
		}
		return nil
	})
	if t.Failed() {
		return
	}
	all.wait(e, "updates")
	if n := replays.Load(); n > 0 {
		t.Logf("%d replayed updates (redeliveries), ignored for the order check", n)
	}
	for k, s := range states {
		s.mu.Lock()
		if len(s.violations) > 0 {
			t.Errorf("key %d (%s): %d updates out of order, first: %s", k, bases[k].KeyType, s.late, strings.Join(s.violations, "; "))
		}
		if s.next != perKey {
			t.Errorf("key %d: %d of %d updates in order", k, s.next, perKey)
		}
		s.mu.Unlock()
	}
}

func account(seq int) string { return fmt.Sprintf("%010d", 5000000+seq) }

// RetryThenSuccess: a handler that fails twice and then succeeds is called
// 3 times and the message is not poisoned. The proof of "not poisoned" is
// an event, not a wait: after the third call, a marker event on the same
// key is published whose handler fails permanently, so it is poisoned; the
// marker must be the first of this run's messages to reach the poison
// queue. Had the flaky event been poisoned, it would have got there first
// (it was handled, and would have been poisoned, before the marker was even
// published; on backends with order per key the poison queue keeps the
// key's order too).
func RetryThenSuccess(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	p := e.producer()
	dlq := e.poisonQueue()

	var flakyCalls, markerCalls atomic.Int32
	thirdCall := make(chan struct{})
	e.startRouter("retry", e.main, router.Handlers{
		OnUpdated: func(ctx context.Context, ev *eventsv1.EntryUpdatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			switch name {
			case "retry/flaky":
				switch n := flakyCalls.Add(1); {
				case n <= 2:
					return fmt.Errorf("flaky handler: failure %d", n)
				case n == 3:
					close(thirdCall)
				}
				return nil
			case "retry/marker":
				markerCalls.Add(1)
				return middleware.Permanent(errors.New("marker: poison me"))
			}
			t.Errorf("unexpected event %q", name)
			return nil
		},
	})

	en := entrytest.Entry(entry.KeyTypeEmail, 1)
	if err := p.PublishUpdated(e.ctx("retry/flaky"), en, userID); err != nil {
		t.Fatal(err)
	}
	e.await(thirdCall, func() string { return fmt.Sprintf("the flaky handler's third call (%d calls)", flakyCalls.Load()) })

	marker := *en
	marker.OwnerName = "Marcador"
	if err := p.PublishUpdated(e.ctx("retry/marker"), &marker, userID); err != nil {
		t.Fatal(err)
	}
	select {
	case m, ok := <-dlq:
		if !ok {
			t.Fatal("poison queue subscription ended")
		}
		if got := m.Metadata.Get(events.MetadataCorrelationID); got != e.run+"/retry/marker" {
			t.Fatalf("first poisoned message is %s, want the marker: the flaky event was poisoned (reason %q)",
				got, m.Metadata.Get(middleware.MetadataPoisonReason))
		}
		if got := m.Metadata.Get(middleware.MetadataPoisonAttempts); got != "1" {
			t.Errorf("marker poisoned after %s attempts, want 1 (permanent)", got)
		}
	case <-time.After(b.Timeout):
		t.Fatalf("%s: the marker did not reach the poison queue within %v", b.Name, b.Timeout)
	}
	if n := flakyCalls.Load(); n != 3 {
		t.Errorf("flaky handler called %d times, want 3 (2 failures, 1 success)", n)
	}
	if n := markerCalls.Load(); n != 1 {
		t.Errorf("marker handler called %d times, want 1", n)
	}
}

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

// Correlation: the correlation ID set at publish reaches the handler's
// context, and an event the handler publishes with a producer and that
// context carries the same ID to the next handler.
func Correlation(t *testing.T, b Backend) {
	const chains = 20
	e := newEnv(t, b, nil)
	p := e.producer()
	created := newTally[string](chains)
	followed := newTally[string](chains)
	e.startRouter("correlation", e.main, router.Handlers{
		OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			if _, ok := index(name, "corr/", chains); !ok {
				t.Errorf("unexpected created event %q", name)
				return nil
			}
			// The handler reacts by publishing an update with its own ctx.
			next := events.EntryFromProto(ev.GetEntry())
			next.OwnerName += " (seguinte)"
			if err := p.PublishUpdated(ctx, next, userID); err != nil {
				return err
			}
			created.add(name, ev.GetEventId())
			return nil
		},
		OnUpdated: func(ctx context.Context, ev *eventsv1.EntryUpdatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			if _, ok := index(name, "corr/", chains); !ok {
				t.Errorf("unexpected updated event %q", name)
				return nil
			}
			followed.add(name, ev.GetEventId())
			return nil
		},
	})
	entries := entrytest.Entries(chains)
	for i, en := range entries {
		if err := p.PublishCreated(e.ctx(fmt.Sprintf("corr/%d", i)), en, userID); err != nil {
			t.Fatal(err)
		}
	}
	created.wait(e, "created events with their correlation IDs")
	followed.wait(e, "events published by the handler carrying the same correlation IDs")
}

// FlushAndClose publishes 5,000 events from 50 goroutines, calls Flush once
// while they publish and again after, then Close, and checks that all 5,000
// are consumed (distinct event IDs; duplicates counted) and that publishing
// after Close fails. Where the producer can own its backend (not mem://),
// it does, so Close also closes the broker publisher.
func FlushAndClose(t *testing.T, b Backend) {
	const total, workers = 5000, 50
	e := newEnv(t, b, nil)
	var p *publisher.EntryEventProducer
	if e.private() {
		p = e.producer()
	} else {
		c := publisher.DefaultConfig()
		c.Broker = e.cfg
		c.PartitionKeySecret = secret
		c.Logger = e.logger
		var err error
		if p, err = publisher.NewEntryEventProducer(e.cfg.URL, publisher.WithConfig(c)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() })
	}

	got := newTally[string](total)
	e.startRouter("flush", e.main, router.Handlers{
		OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			if _, ok := index(name, "flush/", total); !ok {
				t.Errorf("unexpected event %q", name)
				return nil
			}
			got.add(name, ev.GetEventId())
			return nil
		},
	})

	entries := entrytest.Entries(total)
	var published atomic.Int64
	half := make(chan struct{})
	flushed := make(chan error, 1)
	go func() {
		<-half
		flushed <- p.Flush()
	}()
	parallel(t, workers, total, func(i int) error {
		err := p.PublishCreated(e.ctx(fmt.Sprintf("flush/%d", i)), entries[i], userID)
		if published.Add(1) == total/2 {
			close(half)
		}
		return err
	})
	select {
	case err := <-flushed:
		if err != nil {
			t.Errorf("Flush while publishing: %v", err)
		}
	case <-time.After(b.Timeout):
		t.Errorf("Flush while publishing did not return within %v", b.Timeout)
	}
	if err := p.Flush(); err != nil {
		t.Errorf("Flush: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := p.PublishCreated(e.ctx("flush/after-close"), entries[0], userID); !errors.Is(err, publisher.ErrClosed) {
		t.Errorf("publish after Close: %v, want ErrClosed", err)
	}
	if t.Failed() {
		return
	}

	got.wait(e, "events")
	ids := map[string]bool{}
	for name, evIDs := range got.snapshot() {
		for _, id := range evIDs {
			ids[id] = true
			if id != evIDs[0] {
				t.Errorf("%s delivered as two events %s and %s", name, evIDs[0], id)
			}
		}
	}
	if len(ids) != total {
		t.Errorf("%d distinct event IDs consumed, want %d", len(ids), total)
	}
}

// ConsumerRestart: a router is stopped in the middle of a stream and a new
// one, on a new connection with the same consumer group, continues it
// without losing an event. Half of the 2,000 events are published; once the
// first router has handled a third of all, its handler slows down (20 ms of
// work per event, so events it has not handled are still waiting and some
// are in flight when it stops) and it is closed; the other half is
// published while no router runs, and the second router is started. An
// event whose handling was cut short by the close (its context cancelled)
// returns an error and is not acked, so it must come again.
func ConsumerRestart(t *testing.T, b Backend) {
	if !b.Resumable {
		t.Skipf("%s cannot resume a stream in a new router: %s", b.Name, b.NotResumableReason)
	}
	const total, workers = 2000, 10
	e := newEnv(t, b, nil)
	p := e.producer()
	got := newTally[string](total)
	third := make(chan struct{})
	var thirdOnce sync.Once
	var slow atomic.Bool
	var cut atomic.Int64 // handlings cut short by the first router's close
	handlers := func(routerName string) router.Handlers {
		return router.Handlers{OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			if _, ok := index(name, "restart/", total); !ok {
				t.Errorf("unexpected event %q", name)
				return nil
			}
			if routerName == "first" && slow.Load() {
				select {
				case <-time.After(20 * time.Millisecond):
				case <-ctx.Done():
					cut.Add(1)
					return ctx.Err()
				}
			}
			got.add(name, routerName)
			if d, _ := got.counts(); d >= total/3 {
				slow.Store(true)
				thirdOnce.Do(func() { close(third) })
			}
			return nil
		}}
	}

	first := e.startRouter("restart", e.main, handlers("first"))
	entries := entrytest.Entries(total)
	publish := func(from, to int) {
		parallel(t, workers, to-from, func(i int) error {
			return p.PublishCreated(e.ctx(fmt.Sprintf("restart/%d", from+i)), entries[from+i], userID)
		})
	}
	publish(0, total/2)
	e.await(third, func() string { d, _ := got.counts(); return fmt.Sprintf("a third of the events (%d handled)", d) })
	first.close(t)
	atStop, _ := got.counts()
	if atStop >= total/2 {
		t.Errorf("the first router handled all %d events published so far before it stopped: no stream to resume", atStop)
	}
	publish(total/2, total)
	if t.Failed() {
		return
	}

	e.startRouter("restart", e.consumer(e.cfg.Consumer.Group), handlers("second"))
	got.wait(e, "events across the restart")
	var byFirst, bySecond, dups int
	for _, routers := range got.snapshot() {
		for _, r := range routers {
			if r == "first" {
				byFirst++
			} else {
				bySecond++
			}
		}
		dups += len(routers) - 1
	}
	t.Logf("first router stopped after %d distinct events (%d handlings cut short by the close); "+
		"deliveries: %d by the first router, %d by the second, %d duplicates", atStop, cut.Load(), byFirst, bySecond, dups)
}

// parallel runs do(0..n-1) on workers goroutines and reports every error.
func parallel(t *testing.T, workers, n int, do func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	next := make(chan int)
	var failures atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := do(i); err != nil && failures.Add(1) <= 5 {
					t.Errorf("publish %d: %v", i, err)
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if f := failures.Load(); f > 5 {
		t.Errorf("... %d publishes failed in all", f)
	}
}

// index parses "<prefix><i>" with 0 <= i < n.
func index(name, prefix string, n int) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	return i, err == nil && i >= 0 && i < n
}

// keySeq parses "<prefix><k>/<j>".
func keySeq(name, prefix string, keys, perKey int) (k, j int, ok bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, 0, false
	}
	ks, js, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, 0, false
	}
	k, err1 := strconv.Atoi(ks)
	j, err2 := strconv.Atoi(js)
	return k, j, err1 == nil && err2 == nil && k >= 0 && k < keys && j >= 0 && j < perKey
}

func protos[M proto.Message](ms []M) []proto.Message {
	out := make([]proto.Message, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

package scenario

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
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

func protos[M proto.Message](ms []M) []proto.Message {
	out := make([]proto.Message, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

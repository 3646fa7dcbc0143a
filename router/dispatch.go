package router

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
	"google.golang.org/protobuf/proto"

	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
)

// ErrUndecodable is matched by the error of a message whose payload is not
// the topic's event; such messages are poisoned without retries.
var ErrUndecodable = errors.New("undecodable event")

type route struct {
	name   string
	topic  string
	handle message.NoPublishHandlerFunc
}

func routes(h Handlers) []route {
	var out []route
	if h.OnCreated != nil {
		out = append(out, route{"created", events.TopicEntryCreated, typed(h.OnCreated, func(ev *eventsv1.EntryCreatedEvent) bool {
			return ev.GetEventId() != "" && ev.GetEntry() != nil
		})})
	}
	if h.OnUpdated != nil {
		out = append(out, route{"updated", events.TopicEntryUpdated, typed(h.OnUpdated, func(ev *eventsv1.EntryUpdatedEvent) bool {
			return ev.GetEventId() != "" && ev.GetEntry() != nil
		})})
	}
	if h.OnDeleted != nil {
		deleted := func(dt eventsv1.EntryDeletedEvent_DeletionType) message.NoPublishHandlerFunc {
			return typed(h.OnDeleted, func(ev *eventsv1.EntryDeletedEvent) bool {
				return ev.GetEventId() != "" && ev.GetEntryId() != "" && ev.GetDeletionType() == dt
			})
		}
		out = append(out,
			route{"deleted.immediate", events.TopicEntryDeletedImmediate, deleted(eventsv1.EntryDeletedEvent_DELETION_TYPE_IMMEDIATE)},
			route{"deleted.waiting_period", events.TopicEntryDeletedWaitingPeriod, deleted(eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD)},
		)
	}
	return out
}

// typed decodes the payload into a new E and calls handle. A payload that
// does not decode, names another schema or lacks required fields is a
// Permanent error; a panicking handler is an ordinary (retried) error.
func typed[E any, P interface {
	*E
	proto.Message
}](handle func(context.Context, P) error, complete func(P) bool) message.NoPublishHandlerFunc {
	return func(msg *message.Message) (err error) {
		ev := P(new(E))
		want := string(proto.MessageName(ev))
		if got := msg.Metadata.Get(events.MetadataSchema); got != "" && got != want {
			return middleware.Permanent(fmt.Errorf("%w: schema %q, want %q", ErrUndecodable, got, want))
		}
		if err := proto.Unmarshal(msg.Payload, ev); err != nil {
			return middleware.Permanent(fmt.Errorf("%w: %s: %w", ErrUndecodable, want, err))
		}
		if !complete(ev) {
			return middleware.Permanent(fmt.Errorf("%w: %s lacks required fields", ErrUndecodable, want))
		}
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("handler panicked: %v", r)
			}
		}()
		return handle(msg.Context(), ev)
	}
}

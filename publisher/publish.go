package publisher

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
)

// PublishCreated validates e and publishes an EntryCreatedEvent to
// TopicEntryCreated. An invalid entry returns an error matching
// entry.ErrInvalidEntry and publishes nothing.
func (p *EntryEventProducer) PublishCreated(ctx context.Context, e *entry.Entry, userID string) error {
	if err := validateEntry(e, userID); err != nil {
		return err
	}
	id := uuid.NewString()
	ev := &eventsv1.EntryCreatedEvent{
		EventId: id, Entry: events.EntryToProto(e), UserId: userID,
		OccurredAt: timestamppb.Now(), SchemaVersion: events.SchemaVersion,
	}
	return p.publish(ctx, TopicEntryCreated, events.EventTypeEntryCreated, id, ev, e.KeyType, e.KeyValue, userID)
}

// PublishUpdated validates e and publishes an EntryUpdatedEvent, carrying
// the entry as it is now, to TopicEntryUpdated.
func (p *EntryEventProducer) PublishUpdated(ctx context.Context, e *entry.Entry, userID string) error {
	if err := validateEntry(e, userID); err != nil {
		return err
	}
	id := uuid.NewString()
	ev := &eventsv1.EntryUpdatedEvent{
		EventId: id, Entry: events.EntryToProto(e), UserId: userID,
		OccurredAt: timestamppb.Now(), SchemaVersion: events.SchemaVersion,
	}
	return p.publish(ctx, TopicEntryUpdated, events.EventTypeEntryUpdated, id, ev, e.KeyType, e.KeyValue, userID)
}

// PublishDeletedImmediate publishes an immediate deletion; it is
// PublishDeleted with DELETION_TYPE_IMMEDIATE.
func (p *EntryEventProducer) PublishDeletedImmediate(ctx context.Context, entryID uuid.UUID, keyValue string, keyType entry.KeyType, ispb, userID string) error {
	return p.PublishDeleted(ctx, entryID, keyValue, keyType, ispb, eventsv1.EntryDeletedEvent_DELETION_TYPE_IMMEDIATE, userID)
}

// PublishDeleted publishes an EntryDeletedEvent. IMMEDIATE deletions go to
// TopicEntryDeletedImmediate, WAITING_PERIOD deletions to
// TopicEntryDeletedWaitingPeriod; any other deletion type returns
// ErrInvalidDeletionType. The key and ISPB are validated like an entry's.
func (p *EntryEventProducer) PublishDeleted(ctx context.Context, entryID uuid.UUID, keyValue string, keyType entry.KeyType, ispb string, deletionType eventsv1.EntryDeletedEvent_DeletionType, userID string) error {
	topic, err := deletionTopic(deletionType)
	if err != nil {
		return err
	}
	if entryID == uuid.Nil {
		return &entry.ValidationError{Field: entry.FieldID, Rule: entry.RuleRequired}
	}
	if err := entry.ValidateKey(keyType, keyValue); err != nil {
		return err
	}
	if err := entry.ValidateISPB(ispb); err != nil {
		return err
	}
	if userID == "" {
		return ErrMissingUserID
	}
	id := uuid.NewString()
	ev := &eventsv1.EntryDeletedEvent{
		EventId: id, EntryId: entryID.String(), KeyType: events.KeyTypeToProto(keyType),
		KeyValue: keyValue, Ispb: ispb, DeletionType: deletionType, UserId: userID,
		OccurredAt: timestamppb.Now(), SchemaVersion: events.SchemaVersion,
	}
	return p.publish(ctx, topic, events.EventTypeEntryDeleted, id, ev, keyType, keyValue, userID)
}

func deletionTopic(t eventsv1.EntryDeletedEvent_DeletionType) (string, error) {
	switch t {
	case eventsv1.EntryDeletedEvent_DELETION_TYPE_IMMEDIATE:
		return TopicEntryDeletedImmediate, nil
	case eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD:
		return TopicEntryDeletedWaitingPeriod, nil
	}
	return "", fmt.Errorf("%w: got %v", ErrInvalidDeletionType, t)
}

func validateEntry(e *entry.Entry, userID string) error {
	if e == nil {
		return &entry.ValidationError{Field: entry.FieldEntry, Rule: entry.RuleRequired}
	}
	if err := e.Validate(); err != nil {
		return err
	}
	if userID == "" {
		return ErrMissingUserID
	}
	return nil
}

// PartitionKey is the message key of every event of one PIX key: a
// hex HMAC-SHA256 of key type and key value under secret. It is stable, so
// all events of a key land on one partition (Kafka) or one consumer (Pulsar
// KeyShared), and it carries no personal data in clear.
func PartitionKey(secret string, keyType entry.KeyType, keyValue string) string {
	mac := hmac.New(sha256.New, []byte("dict-events/partition-key/v1|"+secret))
	mac.Write([]byte(keyType))
	mac.Write([]byte{0})
	mac.Write([]byte(keyValue))
	return hex.EncodeToString(mac.Sum(nil))
}

func (p *EntryEventProducer) publish(ctx context.Context, topic, eventType, id string, ev proto.Message, keyType entry.KeyType, keyValue, userID string) error {
	seq, err := p.begin()
	if err != nil {
		return err
	}
	defer p.end(seq)

	payload, err := proto.Marshal(ev)
	if err != nil {
		return fmt.Errorf("publisher: encode %s event %s: %w", eventType, id, err)
	}
	correlationID, ok := middleware.CorrelationIDFromContext(ctx)
	if !ok {
		correlationID = uuid.NewString()
	}
	msg := message.NewMessage(id, payload)
	msg.Metadata.Set(events.MetadataEventType, eventType)
	msg.Metadata.Set(events.MetadataSchema, string(proto.MessageName(ev)))
	msg.Metadata.Set(events.MetadataSchemaVersion, strconv.Itoa(events.SchemaVersion))
	msg.Metadata.Set(events.MetadataContentType, events.ContentTypeProtobuf)
	msg.Metadata.Set(events.MetadataCorrelationID, correlationID)
	msg.Metadata.Set(events.MetadataUserID, userID)
	msg.Metadata.Set(events.MetadataPartitionKey, PartitionKey(p.config.PartitionKeySecret, keyType, keyValue))
	msg.SetContext(ctx)

	return p.send(ctx, topic, msg)
}

// send publishes msg, retrying with backoff. Every attempt sends the same
// message UUID, so a consumer that deduplicates on it sees one event.
func (p *EntryEventProducer) send(ctx context.Context, topic string, msg *message.Message) error {
	retry := p.config.Retry
	for attempt := 1; ; attempt++ {
		err := p.pub.Publish(topic, msg)
		if err == nil {
			return nil
		}
		if attempt > retry.Retries() {
			return fmt.Errorf("publisher: publish event %s to %s failed after %d attempt(s): %w", msg.UUID, topic, attempt, err)
		}
		delay := retry.Delay(attempt)
		p.config.Logger.Error("Publish failed, retrying", err, watermill.LogFields{
			"topic": topic, "event_id": msg.UUID, "attempt": attempt, "retry_in": delay.String(),
		})
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("publisher: publish event %s to %s abandoned after %d attempt(s): %w (last error: %w)", msg.UUID, topic, attempt, ctx.Err(), err)
		}
	}
}

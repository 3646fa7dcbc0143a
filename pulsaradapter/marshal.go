package pulsaradapter

import (
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/apache/pulsar-client-go/pulsar"
)

// UUIDProperty is the Pulsar message property that carries the Watermill
// message UUID. Metadata may not use this name.
const UUIDProperty = "_watermill_message_uuid"

// ErrMissingPartitionKey is returned by Publish, when
// PublisherConfig.RequirePartitionKey is set, for a message without a key.
var ErrMissingPartitionKey = errors.New("message has no partition key")

// toProducerMessage maps a Watermill message to a Pulsar one: payload as is,
// UUID in UUIDProperty, every metadata entry as a property of the same name,
// the partitionKeyMetadata entry (if present and non-empty) as the key, and
// EventTime set to now.
func toProducerMessage(msg *message.Message, partitionKeyMetadata string, requireKey bool,
	now time.Time) (*pulsar.ProducerMessage, error) {
	if msg == nil {
		return nil, fmt.Errorf("message is nil")
	}
	if requireKey && msg.Metadata.Get(partitionKeyMetadata) == "" {
		return nil, fmt.Errorf("message %s: %w: metadata %q is empty", msg.UUID, ErrMissingPartitionKey, partitionKeyMetadata)
	}
	if _, ok := msg.Metadata[UUIDProperty]; ok {
		return nil, fmt.Errorf("message %s: metadata key %q is reserved for the message UUID", msg.UUID, UUIDProperty)
	}
	props := make(map[string]string, len(msg.Metadata)+1)
	for k, v := range msg.Metadata {
		props[k] = v
	}
	props[UUIDProperty] = msg.UUID

	return &pulsar.ProducerMessage{
		Payload:    msg.Payload,
		Key:        msg.Metadata.Get(partitionKeyMetadata),
		Properties: props,
		EventTime:  now,
	}, nil
}

// toWatermillMessage rebuilds the Watermill message from a received Pulsar
// message. A message without UUIDProperty (published by a non-Watermill
// producer) gets a UUID derived from its Pulsar message ID, which is stable
// across redeliveries; its Pulsar key, if any, is exposed under
// partitionKeyMetadata when that entry is absent.
func toWatermillMessage(msg pulsar.Message, partitionKeyMetadata string) *message.Message {
	props := msg.Properties()
	uuid, ok := props[UUIDProperty]
	if !ok {
		uuid = "pulsar:" + msg.ID().String()
	}
	md := make(message.Metadata, len(props))
	for k, v := range props {
		if k != UUIDProperty {
			md[k] = v
		}
	}
	if _, ok := md[partitionKeyMetadata]; !ok && msg.Key() != "" {
		md[partitionKeyMetadata] = msg.Key()
	}
	wm := message.NewMessage(uuid, msg.Payload())
	wm.Metadata = md
	return wm
}

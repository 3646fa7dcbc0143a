// Package events owns the names every producer and consumer of DICT entry
// events must agree on: topics, metadata keys, event types and schema names.
// The payload types themselves are generated from proto/dict/events/v1 into
// package eventsv1.
package events

import (
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
)

// Topics. Deletions are split by deletion type so that consumers that only
// act on one kind (e.g. a waiting-period scheduler) subscribe to it alone.
const (
	// TopicEntryCreated carries EntryCreatedEvent.
	TopicEntryCreated = "dict.entries.created"
	// TopicEntryUpdated carries EntryUpdatedEvent.
	TopicEntryUpdated = "dict.entries.updated"
	// TopicEntryDeletedImmediate carries EntryDeletedEvent with
	// DELETION_TYPE_IMMEDIATE.
	TopicEntryDeletedImmediate = "dict.entries.deleted.immediate"
	// TopicEntryDeletedWaitingPeriod carries EntryDeletedEvent with
	// DELETION_TYPE_WAITING_PERIOD.
	TopicEntryDeletedWaitingPeriod = "dict.entries.deleted.waiting_period"
	// TopicDLQ is the poison queue: messages that could not be handled,
	// with their original payload and metadata plus the reason.
	TopicDLQ = "dict.entries.dlq"
)

// Topics returns the four event topics (not the poison queue).
func Topics() []string {
	return []string{
		TopicEntryCreated,
		TopicEntryUpdated,
		TopicEntryDeletedImmediate,
		TopicEntryDeletedWaitingPeriod,
	}
}

// Metadata keys set on every published message.
const (
	// MetadataEventType holds one of the EventType* values.
	MetadataEventType = "event_type"
	// MetadataSchema holds the fully qualified protobuf message name.
	MetadataSchema = "schema"
	// MetadataSchemaVersion holds the payload's schema version.
	MetadataSchemaVersion = "schema_version"
	// MetadataContentType holds ContentTypeProtobuf.
	MetadataContentType = "content_type"
	// MetadataCorrelationID is Watermill's correlation ID key, so that its
	// CorrelationID middleware carries it onto messages a handler publishes.
	MetadataCorrelationID = middleware.CorrelationIDMetadataKey
	// MetadataUserID holds the ID of the user who acted.
	MetadataUserID = "user_id"
	// MetadataPartitionKey holds a stable, PII-free hash of key type and key
	// value. Backends use it as the message key (Pulsar key, Kafka record
	// key), so all events of one PIX key stay in order.
	MetadataPartitionKey = "partition_key"
)

// Event types, the values of MetadataEventType.
const (
	EventTypeEntryCreated = "EntryCreated"
	EventTypeEntryUpdated = "EntryUpdated"
	EventTypeEntryDeleted = "EntryDeleted"
)

// ContentTypeProtobuf is the content type of every payload.
const ContentTypeProtobuf = "application/x-protobuf"

// SchemaVersion is the version of the events/v1 contracts written by this
// module.
const SchemaVersion = 1

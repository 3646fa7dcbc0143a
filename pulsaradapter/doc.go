// Package pulsaradapter is a Watermill Pub/Sub backed by Apache Pulsar.
//
// It is the production transport for PIX DICT entry events, so it is built
// around three promises:
//
//   - Nothing is lost silently. Publish returns nil only after the broker has
//     persisted every message; otherwise it returns an error naming the topic
//     and the message UUID. Publisher.Close flushes what was accepted before
//     closing. A subscribed message that is neither acked nor nacked stays
//     unacknowledged on the broker and is delivered again.
//   - Order per key. The metadata entry named by PublisherConfig.PartitionKeyMetadata
//     (default "partition_key", the same name as events.MetadataPartitionKey)
//     becomes the Pulsar message key. Producers batch per key
//     (KeyBasedBatchBuilder) and subscribers default to KeyShared, so the
//     messages of one key reach one consumer at a time, in publish order, while
//     different keys are processed in parallel. Messages without a key are
//     ordered only if the subscription has a single consumer: Pulsar 4 spreads
//     keyless messages over KeyShared consumers. Set
//     PublisherConfig.RequirePartitionKey to reject them. A Nack breaks the order for
//     that key: the broker redelivers the nacked message after
//     NackRedeliveryDelay, possibly after later messages of the same key.
//     Retry in-process (Watermill's Retry middleware) before nacking when order
//     matters.
//   - At-least-once. A message can be delivered more than once (redelivery
//     after a consumer or broker restart, a lost ack, a producer resend after a
//     reconnect), so handlers must be idempotent; the Watermill UUID is stable
//     across redeliveries and can be used to deduplicate. Messages that a
//     producer sent in one batch are acknowledged on the broker together, once
//     all of them are acked: until then a consumer restart or a Nack of one of
//     them redelivers the whole batch. (Batch-index acknowledgement would avoid
//     that but is left off: apache/pulsar#23840 reports lost messages with it.)
//
// Mapping between Watermill and Pulsar messages: the payload is the Pulsar
// payload; every metadata entry is a Pulsar property of the same name; the UUID
// is stored in the reserved property UUIDProperty; the partition-key metadata
// entry, when present, is also copied to the Pulsar key. Subscribers rebuild the
// Watermill message from these, so UUID and metadata come back unchanged.
//
// Topics are passed to Pulsar as given: a short name such as "dict-entries"
// resolves to persistent://public/default/dict-entries; fully qualified names
// are accepted too.
package pulsaradapter

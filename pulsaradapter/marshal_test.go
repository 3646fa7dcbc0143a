package pulsaradapter

import (
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/apache/pulsar-client-go/pulsar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeMessage is the part of a received pulsar.Message that the mapping reads.
type fakeMessage struct {
	pulsar.Message
	payload []byte
	key     string
	props   map[string]string
	id      pulsar.MessageID
}

func (m fakeMessage) Payload() []byte               { return m.payload }
func (m fakeMessage) Key() string                   { return m.key }
func (m fakeMessage) Properties() map[string]string { return m.props }
func (m fakeMessage) ID() pulsar.MessageID          { return m.id }

// received turns what a producer would send into what a consumer would get.
func received(pm *pulsar.ProducerMessage) fakeMessage {
	return fakeMessage{payload: pm.Payload, key: pm.Key, props: pm.Properties, id: pulsar.EarliestMessageID()}
}

func TestPropertyMappingRoundTrip(t *testing.T) {
	msg := message.NewMessage("8c1f0a0e-5a43-4f4e-9f57-1a2b3c4d5e6f", []byte(`{"key":"+5561999999999"}`))
	msg.Metadata.Set("partition_key", "phone:abc123")
	msg.Metadata.Set("event_type", "dict.entry.created")
	msg.Metadata.Set("correlation_id", "c-1")
	msg.Metadata.Set("empty", "")

	now := time.Now()
	pm, err := toProducerMessage(msg, "partition_key", false, now)
	require.NoError(t, err)

	assert.Equal(t, "phone:abc123", pm.Key)
	assert.Equal(t, now, pm.EventTime)
	assert.Equal(t, msg.Payload, message.Payload(pm.Payload))
	assert.Equal(t, map[string]string{
		UUIDProperty:     msg.UUID,
		"partition_key":  "phone:abc123",
		"event_type":     "dict.entry.created",
		"correlation_id": "c-1",
		"empty":          "",
	}, pm.Properties)

	got := toWatermillMessage(received(pm), "partition_key")
	assert.Equal(t, msg.UUID, got.UUID)
	assert.Equal(t, msg.Metadata, got.Metadata)
	assert.Equal(t, msg.Payload, got.Payload)
	assert.True(t, msg.Equals(got))
}

func TestPropertyMappingWithoutKey(t *testing.T) {
	msg := message.NewMessage("u-1", []byte("x"))
	pm, err := toProducerMessage(msg, "partition_key", false, time.Now())
	require.NoError(t, err)
	assert.Empty(t, pm.Key)

	got := toWatermillMessage(received(pm), "partition_key")
	assert.Equal(t, "u-1", got.UUID)
	assert.Empty(t, got.Metadata)
}

func TestPropertyMappingRejectsReservedMetadata(t *testing.T) {
	msg := message.NewMessage("u-1", []byte("x"))
	msg.Metadata.Set(UUIDProperty, "spoofed")
	_, err := toProducerMessage(msg, "partition_key", false, time.Now())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "u-1")

	_, err = toProducerMessage(nil, "partition_key", false, time.Now())
	require.Error(t, err)
}

func TestForeignMessageMapping(t *testing.T) {
	// Published by a non-Watermill producer: no UUID property.
	foreign := fakeMessage{
		payload: []byte("p"),
		key:     "k-9",
		props:   map[string]string{"a": "b"},
		id:      pulsar.EarliestMessageID(),
	}
	got := toWatermillMessage(foreign, "partition_key")
	assert.Equal(t, "pulsar:"+pulsar.EarliestMessageID().String(), got.UUID, "UUID is derived from the message ID")
	assert.Equal(t, message.Metadata{"a": "b", "partition_key": "k-9"}, got.Metadata)

	again := toWatermillMessage(foreign, "partition_key")
	assert.Equal(t, got.UUID, again.UUID, "stable across redeliveries")
}

func TestRequirePartitionKey(t *testing.T) {
	msg := message.NewMessage("u-1", []byte("x"))
	_, err := toProducerMessage(msg, "partition_key", true, time.Now())
	require.ErrorIs(t, err, ErrMissingPartitionKey)
	assert.Contains(t, err.Error(), "u-1")

	msg.Metadata.Set("partition_key", "")
	_, err = toProducerMessage(msg, "partition_key", true, time.Now())
	require.ErrorIs(t, err, ErrMissingPartitionKey)

	msg.Metadata.Set("partition_key", "k")
	pm, err := toProducerMessage(msg, "partition_key", true, time.Now())
	require.NoError(t, err)
	assert.Equal(t, "k", pm.Key)
}

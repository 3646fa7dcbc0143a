package testenv_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/apache/pulsar-client-go/pulsar"

	"github.com/lbpay-lab/dict-events/testenv"
)

// TestPulsarPublishConsume proves the Pulsar harness: one message with a key
// and a property goes through a real standalone broker.
func TestPulsarPublishConsume(t *testing.T) {
	serviceURL := testenv.PulsarURL(t)
	adminURL := testenv.PulsarAdminURL(t)
	topic := "persistent://public/default/" + testenv.UniqueTopic("testenv-pulsar-")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	client, err := pulsar.NewClient(pulsar.ClientOptions{
		URL:               serviceURL,
		OperationTimeout:  30 * time.Second,
		ConnectionTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("pulsar.NewClient: %v", err)
	}
	defer client.Close()

	consumer, err := client.Subscribe(pulsar.ConsumerOptions{
		Topic:                       topic,
		SubscriptionName:            "testenv",
		Type:                        pulsar.Exclusive,
		SubscriptionInitialPosition: pulsar.SubscriptionPositionEarliest,
	})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer consumer.Close()

	producer, err := client.CreateProducer(pulsar.ProducerOptions{Topic: topic})
	if err != nil {
		t.Fatalf("CreateProducer: %v", err)
	}
	defer producer.Close()

	const key = "entry-123"
	payload := []byte(`{"key":"+5561999990000","op":"CREATE"}`)
	sentID, err := producer.Send(ctx, &pulsar.ProducerMessage{
		Key:        key,
		Payload:    payload,
		Properties: map[string]string{"event": "EntryCreated"},
	})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}

	msg, err := consumer.Receive(ctx)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if got := string(msg.Payload()); got != string(payload) {
		t.Errorf("payload = %q, want %q", got, payload)
	}
	if msg.Key() != key {
		t.Errorf("key = %q, want %q", msg.Key(), key)
	}
	if got := msg.Properties()["event"]; got != "EntryCreated" {
		t.Errorf("property event = %q, want EntryCreated", got)
	}
	if msg.ID().LedgerID() != sentID.LedgerID() || msg.ID().EntryID() != sentID.EntryID() {
		t.Errorf("received message id %v, sent %v", msg.ID(), sentID)
	}
	if err := consumer.Ack(msg); err != nil {
		t.Fatalf("Ack: %v", err)
	}

	// The admin API knows the topic and its subscription.
	statsURL := adminURL + "/admin/v2/persistent/public/default/" + url.PathEscape(topic[len("persistent://public/default/"):]) + "/stats"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, statsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", statsURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %s", statsURL, resp.Status)
	}
}

// TestKafkaPublishConsume proves the Kafka harness: a topic created through
// the admin API, one keyed message produced, and read back by a consumer group
// (which also exercises the group coordinator and __consumer_offsets).
func TestKafkaPublishConsume(t *testing.T) {
	brokers := testenv.KafkaBrokers(t)
	topic := testenv.UniqueTopic("testenv-kafka-")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	cfg := sarama.NewConfig()
	cfg.Version = sarama.V4_0_0_0 // never above the broker (Kafka 4.1.2)
	cfg.ClientID = "dict-events-testenv"
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest

	admin, err := sarama.NewClusterAdmin(brokers, cfg)
	if err != nil {
		t.Fatalf("NewClusterAdmin: %v", err)
	}
	defer admin.Close()
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, false); err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}

	producer, err := sarama.NewSyncProducer(brokers, cfg)
	if err != nil {
		t.Fatalf("NewSyncProducer: %v", err)
	}
	defer producer.Close()

	const key = "entry-123"
	payload := []byte(`{"key":"+5561999990000","op":"CREATE"}`)
	partition, offset, err := producer.SendMessage(&sarama.ProducerMessage{
		Topic:   topic,
		Key:     sarama.StringEncoder(key),
		Value:   sarama.ByteEncoder(payload),
		Headers: []sarama.RecordHeader{{Key: []byte("event"), Value: []byte("EntryCreated")}},
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}

	group, err := sarama.NewConsumerGroup(brokers, testenv.UniqueTopic("testenv-group-"), cfg)
	if err != nil {
		t.Fatalf("NewConsumerGroup: %v", err)
	}
	defer group.Close()

	got := make(chan *sarama.ConsumerMessage, 1)
	consumeErr := make(chan error, 1)
	go func() {
		// Consume returns after each rebalance; stop once the context ends.
		for ctx.Err() == nil {
			if err := group.Consume(ctx, []string{topic}, firstMessage(got)); err != nil {
				if !errors.Is(err, sarama.ErrClosedConsumerGroup) {
					consumeErr <- err
				}
				return
			}
		}
	}()

	select {
	case msg := <-got:
		if string(msg.Key) != key {
			t.Errorf("key = %q, want %q", msg.Key, key)
		}
		if string(msg.Value) != string(payload) {
			t.Errorf("value = %q, want %q", msg.Value, payload)
		}
		if msg.Partition != partition || msg.Offset != offset {
			t.Errorf("received at %d/%d, produced at %d/%d", msg.Partition, msg.Offset, partition, offset)
		}
		if len(msg.Headers) != 1 || string(msg.Headers[0].Key) != "event" || string(msg.Headers[0].Value) != "EntryCreated" {
			t.Errorf("headers = %v, want event=EntryCreated", msg.Headers)
		}
	case err := <-consumeErr:
		t.Fatalf("Consume: %v", err)
	case <-ctx.Done():
		t.Fatalf("no message consumed: %v", ctx.Err())
	}
	cancel()
}

// firstMessage is a sarama.ConsumerGroupHandler that hands the first message
// it sees to got and marks it consumed.
type firstMessage chan<- *sarama.ConsumerMessage

func (firstMessage) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (firstMessage) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h firstMessage) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for {
		select {
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			sess.MarkMessage(msg, "")
			select {
			case h <- msg:
			default:
			}
		case <-sess.Context().Done():
			return nil
		}
	}
}

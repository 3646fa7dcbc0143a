package pulsaradapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/apache/pulsar-client-go/pulsar"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/testenv"
)

// receiveOne returns the next message of ch, failing the test after timeout.
func receiveOne(t *testing.T, ch <-chan *message.Message, timeout time.Duration) *message.Message {
	t.Helper()
	select {
	case msg, ok := <-ch:
		require.True(t, ok, "messages channel closed")
		return msg
	case <-time.After(timeout):
		t.Fatalf("no message within %s", timeout)
		return nil
	}
}

// TestPropertiesRoundTrip checks the mapping against the real broker: UUID and
// every metadata entry come back unchanged, and partition_key is the Pulsar key.
func TestPropertiesRoundTrip(t *testing.T) {
	url := testenv.PulsarURL(t)
	topic := uniqueTopic("roundtrip")

	pub := newTestPublisher(t, url)
	defer func() { require.NoError(t, pub.Close()) }()
	sub := newTestSubscriber(t, url, "roundtrip")
	defer func() { require.NoError(t, sub.Close()) }()
	require.NoError(t, sub.SubscribeInitialize(topic))

	// A raw Pulsar consumer on a second subscription sees the key.
	client, err := pulsar.NewClient(pulsar.ClientOptions{URL: url, ConnectionTimeout: 10 * time.Second})
	require.NoError(t, err)
	defer client.Close()
	raw, err := client.Subscribe(pulsar.ConsumerOptions{
		Topic:                       topic,
		SubscriptionName:            "raw",
		SubscriptionInitialPosition: pulsar.SubscriptionPositionEarliest,
	})
	require.NoError(t, err)
	defer raw.Close()

	msg := message.NewMessage(watermill.NewUUID(), []byte(`{"entry":"+5561999999999"}`))
	msg.Metadata.Set("partition_key", "phone:3f9a")
	msg.Metadata.Set("event_type", "dict.entry.created")
	msg.Metadata.Set("schema_version", "1")
	msg.Metadata.Set("correlation_id", watermill.NewUUID())
	msg.Metadata.Set("with spaces and ünïcode", "välue = 1; x")
	msg.Metadata.Set("empty", "")
	require.NoError(t, pub.Publish(topic, msg))

	ch, err := sub.Subscribe(context.Background(), topic)
	require.NoError(t, err)
	got := receiveOne(t, ch, 30*time.Second)
	require.True(t, got.Ack())
	assert.Equal(t, msg.UUID, got.UUID)
	assert.Equal(t, msg.Metadata, got.Metadata)
	assert.Equal(t, string(msg.Payload), string(got.Payload))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rawMsg, err := raw.Receive(ctx)
	require.NoError(t, err)
	assert.Equal(t, "phone:3f9a", rawMsg.Key())
	assert.Equal(t, msg.UUID, rawMsg.Properties()[UUIDProperty])
	assert.False(t, rawMsg.EventTime().IsZero(), "EventTime is set")
	require.NoError(t, raw.Ack(rawMsg))
}

// TestKeySharedPerKeyOrder publishes 20 keys × 50 messages from concurrent
// publishers (sharing batches) and consumes them with 4 KeyShared consumers
// whose handlers run concurrently: each key's messages must arrive in order.
func TestKeySharedPerKeyOrder(t *testing.T) {
	url := testenv.PulsarURL(t)
	topic := uniqueTopic("order")
	const keys, perKey = 20, 50

	pub := newTestPublisher(t, url)
	defer func() { require.NoError(t, pub.Close()) }()
	sub := newTestSubscriber(t, url, "order", func(c *SubscriberConfig) { c.ConsumersCount = 4 })
	defer func() { require.NoError(t, sub.Close()) }()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := sub.Subscribe(ctx, topic)
	require.NoError(t, err)

	var publishers sync.WaitGroup
	for k := range keys {
		publishers.Add(1)
		go func() {
			defer publishers.Done()
			key := fmt.Sprintf("key-%02d", k)
			// Chunks of 10: one Publish call sends several messages of a key.
			for start := 0; start < perKey; start += 10 {
				var batch []*message.Message
				for seq := start; seq < start+10; seq++ {
					m := message.NewMessage(watermill.NewUUID(), []byte(strconv.Itoa(seq)))
					m.Metadata.Set("partition_key", key)
					batch = append(batch, m)
				}
				assert.NoError(t, pub.Publish(topic, batch...))
			}
		}()
	}

	var (
		mu        sync.Mutex
		sequences = map[string][]int{}
		received  int
		handlers  sync.WaitGroup
		done      = make(chan struct{})
	)
	go func() {
		for msg := range ch {
			handlers.Add(1)
			go func() { // handlers of different keys run concurrently
				defer handlers.Done()
				seq, err := strconv.Atoi(string(msg.Payload))
				assert.NoError(t, err)
				mu.Lock()
				key := msg.Metadata.Get("partition_key")
				sequences[key] = append(sequences[key], seq)
				received++
				if received == keys*perKey {
					close(done)
				}
				mu.Unlock()
				msg.Ack()
			}()
		}
	}()

	publishers.Wait()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		mu.Lock()
		t.Fatalf("received %d of %d messages", received, keys*perKey)
	}
	cancel()
	handlers.Wait()

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, sequences, keys)
	want := make([]int, perKey)
	for i := range want {
		want[i] = i
	}
	for key, got := range sequences {
		assert.Equal(t, want, got, "order of %s", key)
	}
}

// TestPublishToUnreachableBrokerFails checks that Publish to a broker that
// cannot be reached returns an error, bounded by the configured timeouts,
// instead of hanging.
func TestPublishToUnreachableBrokerFails(t *testing.T) {
	_ = testenv.PulsarURL(t) // integration-only, like the other broker tests

	pub := newTestPublisher(t, "pulsar://127.0.0.1:1", func(c *PublisherConfig) {
		c.ConnectionTimeout = time.Second
		c.OperationTimeout = 3 * time.Second
		c.SendTimeout = 3 * time.Second
	})
	defer func() { require.NoError(t, pub.Close()) }()

	errCh := make(chan error, 1)
	start := time.Now()
	go func() { errCh <- pub.Publish("unreachable", message.NewMessage(watermill.NewUUID(), []byte("x"))) }()
	select {
	case err := <-errCh:
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"unreachable"`)
		t.Logf("Publish failed after %s: %v", time.Since(start), err)
	case <-time.After(time.Minute): // generous: the timeouts above add up to seconds
		t.Fatal("Publish to an unreachable broker did not return")
	}
}

// TestCloseWithInFlightPublishesLosesNothing closes the publisher while
// thousands of concurrent Publish calls are in flight (many of them blocked on
// a full producer queue): every Publish that returned nil must be consumed,
// every Publish must return, and Publish after Close must fail.
//
// "graceful" uses the default CloseTimeout, so Close waits for the calls in
// flight; "timeout" uses a 1ms CloseTimeout, so Close gives up on them at once
// and they must fail rather than hang or report a message that is not there.
func TestCloseWithInFlightPublishesLosesNothing(t *testing.T) {
	url := testenv.PulsarURL(t)
	for name, closeTimeout := range map[string]time.Duration{
		"graceful": DefaultCloseTimeout,
		"timeout":  time.Millisecond,
	} {
		t.Run(name, func(t *testing.T) {
			testCloseWithInFlightPublishes(t, url, closeTimeout)
		})
	}
}

func testCloseWithInFlightPublishes(t *testing.T, url string, closeTimeout time.Duration) {
	topic := uniqueTopic("close")
	const publishes = 5000

	sub := newTestSubscriber(t, url, "close")
	defer func() { require.NoError(t, sub.Close()) }()
	require.NoError(t, sub.SubscribeInitialize(topic))

	pub := newTestPublisher(t, url, func(c *PublisherConfig) {
		c.MaxPendingMessages = 500 // most calls wait for room in the queue
		c.CloseTimeout = closeTimeout
	})
	// Create the producer first so that Close finds the calls sending, not
	// waiting for the producer.
	require.NoError(t, pub.Publish(topic, message.NewMessage(watermill.NewUUID(), nil)))

	var (
		mu        sync.Mutex
		confirmed = map[string]bool{}
		failed    atomic.Int64
		wg        sync.WaitGroup
		start     = make(chan struct{})
		tenth     = make(chan struct{})
		once      sync.Once
	)
	for range publishes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := message.NewMessage(watermill.NewUUID(), []byte("x"))
			<-start
			if err := pub.Publish(topic, msg); err != nil {
				if closeTimeout == DefaultCloseTimeout {
					assert.ErrorIs(t, err, ErrPublisherClosed, "graceful close fails only calls made after it")
				}
				failed.Add(1)
				return
			}
			mu.Lock()
			confirmed[msg.UUID] = true
			if len(confirmed) == publishes/10 {
				once.Do(func() { close(tenth) })
			}
			mu.Unlock()
		}()
	}
	close(start)

	<-tenth // a tenth confirmed: most calls are in flight
	closeErr := pub.Close()
	if closeTimeout == DefaultCloseTimeout {
		require.NoError(t, closeErr)
	} else {
		t.Logf("Close after its timeout: %v", closeErr)
	}

	returned := make(chan struct{})
	go func() { wg.Wait(); close(returned) }()
	select {
	case <-returned:
	case <-time.After(2 * time.Minute): // generous: bounded by SendTimeout in the worst case
		t.Fatal("Publish calls still blocked after Close")
	}
	mu.Lock()
	t.Logf("confirmed %d, failed %d", len(confirmed), failed.Load())
	require.Equal(t, publishes, len(confirmed)+int(failed.Load()))
	mu.Unlock()
	require.ErrorIs(t, pub.Publish(topic, message.NewMessage(watermill.NewUUID(), nil)), ErrPublisherClosed)
	require.Equal(t, closeErr, pub.Close(), "Close is idempotent and returns the first result")

	ch, err := sub.Subscribe(context.Background(), topic)
	require.NoError(t, err)
	missing := len(confirmed)
	seen := map[string]bool{}
	for missing > 0 {
		msg := receiveOne(t, ch, 30*time.Second)
		if confirmed[msg.UUID] && !seen[msg.UUID] {
			seen[msg.UUID] = true
			missing--
		}
		msg.Ack()
	}
}

// TestNackRedelivers checks that a nacked message comes back (after
// NackRedeliveryDelay) and that its context is cancelled by the Nack.
func TestNackRedelivers(t *testing.T) {
	url := testenv.PulsarURL(t)
	topic := uniqueTopic("nack")

	pub := newTestPublisher(t, url)
	defer func() { require.NoError(t, pub.Close()) }()
	sub := newTestSubscriber(t, url, "nack")
	defer func() { require.NoError(t, sub.Close()) }()
	require.NoError(t, sub.SubscribeInitialize(topic))

	sent := message.NewMessage(watermill.NewUUID(), []byte("x"))
	sent.Metadata.Set("partition_key", "k")
	require.NoError(t, pub.Publish(topic, sent))

	ch, err := sub.Subscribe(context.Background(), topic)
	require.NoError(t, err)

	first := receiveOne(t, ch, 30*time.Second)
	require.Equal(t, sent.UUID, first.UUID)
	require.True(t, first.Nack())
	select {
	case <-first.Context().Done():
	case <-time.After(10 * time.Second):
		t.Fatal("message context not cancelled after Nack")
	}

	again := receiveOne(t, ch, 30*time.Second)
	assert.Equal(t, sent.UUID, again.UUID)
	assert.Equal(t, sent.Metadata, again.Metadata)
	require.True(t, again.Ack())
}

// TestSubscriberCloseWaitsForInFlightAck acks a message while Close is
// waiting for it: the ack must reach the broker, so the next subscriber of
// the group starts after it.
func TestSubscriberCloseWaitsForInFlightAck(t *testing.T) {
	url := testenv.PulsarURL(t)
	topic := uniqueTopic("graceful")

	pub := newTestPublisher(t, url)
	defer func() { require.NoError(t, pub.Close()) }()

	sub := newTestSubscriber(t, url, "graceful", func(c *SubscriberConfig) { c.CloseTimeout = time.Minute })
	require.NoError(t, sub.SubscribeInitialize(topic))
	first := message.NewMessage(watermill.NewUUID(), []byte("1"))
	second := message.NewMessage(watermill.NewUUID(), []byte("2"))
	// Two Publish calls, so two batches: an ack of a batched message reaches
	// the broker only once every message of its batch is acked.
	require.NoError(t, pub.Publish(topic, first))
	require.NoError(t, pub.Publish(topic, second))

	ch, err := sub.Subscribe(context.Background(), topic)
	require.NoError(t, err)
	got := receiveOne(t, ch, 30*time.Second)
	require.Equal(t, first.UUID, got.UUID)

	closed := make(chan error, 1)
	go func() { closed <- sub.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a message was in flight", err)
	case <-time.After(200 * time.Millisecond): // Close is waiting for the handler
	}
	assert.NoError(t, got.Context().Err(), "the handler's context stays live during the grace period")
	require.True(t, got.Ack())
	require.NoError(t, <-closed)
	_, open := <-ch
	assert.False(t, open, "output channel closed by Close")

	next := newTestSubscriber(t, url, "graceful")
	defer func() { require.NoError(t, next.Close()) }()
	ch, err = next.Subscribe(context.Background(), topic)
	require.NoError(t, err)
	got = receiveOne(t, ch, 30*time.Second)
	assert.Equal(t, second.UUID, got.UUID, "the acked message is not redelivered")
	got.Ack()
}

// TestPublishAfterTopicDeleted deletes the topic under a live producer: Publish
// may fail once, but must not hang and must recover (the client re-creates
// the topic, or the adapter replaces the closed producer).
func TestPublishAfterTopicDeleted(t *testing.T) {
	url := testenv.PulsarURL(t)
	admin := testenv.PulsarAdminURL(t)
	topic := uniqueTopic("deleted")

	pub := newTestPublisher(t, url, func(c *PublisherConfig) { c.SendTimeout = 5 * time.Second })
	defer func() { require.NoError(t, pub.Close()) }()
	require.NoError(t, pub.Publish(topic, message.NewMessage(watermill.NewUUID(), nil)))

	req, err := http.NewRequest(http.MethodDelete, admin+"/admin/v2/persistent/public/default/"+topic+"?force=true", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, resp.Status)

	var lastErr error
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		lastErr = pub.Publish(topic, message.NewMessage(watermill.NewUUID(), nil))
		if lastErr == nil {
			return
		}
		t.Logf("publish after delete: %v", lastErr)
		if errors.Is(lastErr, ErrPublisherClosed) {
			t.Fatal(lastErr)
		}
		time.Sleep(100 * time.Millisecond) // retry backoff
	}
	t.Fatalf("publishing never recovered after the topic was deleted: %v", lastErr)
}

// TestProducerNamePrefix checks the producer name the broker sees, and that a
// second publisher with the same prefix cannot publish to the same topic
// (which is why the prefix must be unique per process).
func TestProducerNamePrefix(t *testing.T) {
	url := testenv.PulsarURL(t)
	admin := testenv.PulsarAdminURL(t)
	topic := uniqueTopic("named")
	prefix := "pod-" + watermill.NewShortUUID()

	pub := newTestPublisher(t, url, func(c *PublisherConfig) { c.ProducerNamePrefix = prefix })
	defer func() { require.NoError(t, pub.Close()) }()
	require.NoError(t, pub.Publish(topic, message.NewMessage(watermill.NewUUID(), nil)))

	resp, err := http.Get(admin + "/admin/v2/persistent/public/default/" + topic + "/stats")
	require.NoError(t, err)
	defer resp.Body.Close()
	var stats struct {
		Publishers []struct {
			ProducerName string `json:"producerName"`
		} `json:"publishers"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&stats))
	require.Len(t, stats.Publishers, 1)
	assert.Equal(t, prefix+"-"+topic, stats.Publishers[0].ProducerName)

	twin := newTestPublisher(t, url, func(c *PublisherConfig) { c.ProducerNamePrefix = prefix })
	defer func() { require.NoError(t, twin.Close()) }()
	err = twin.Publish(topic, message.NewMessage(watermill.NewUUID(), nil))
	require.Error(t, err)
	t.Logf("second producer with the same name: %v", err)
}

// TestMetricsRegisterer checks that the client's metrics go to the given
// registerer, and that several clients sharing it do not conflict.
func TestMetricsRegisterer(t *testing.T) {
	url := testenv.PulsarURL(t)
	topic := uniqueTopic("metrics")
	reg := prometheus.NewRegistry()

	for range 2 {
		pub := newTestPublisher(t, url, func(c *PublisherConfig) { c.MetricsRegisterer = reg })
		require.NoError(t, pub.Publish(topic, message.NewMessage(watermill.NewUUID(), nil)))
		require.NoError(t, pub.Close())
	}

	families, err := reg.Gather()
	require.NoError(t, err)
	var published float64
	for _, f := range families {
		if f.GetName() == "pulsar_client_messages_published" {
			for _, m := range f.GetMetric() {
				published += m.GetCounter().GetValue()
			}
		}
	}
	assert.Equal(t, 2.0, published, "both clients counted in the shared registry")
}

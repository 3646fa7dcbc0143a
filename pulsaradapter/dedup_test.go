package pulsaradapter

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/testenv"
)

// Concurrent Publish calls must not reach a deduplicating broker with
// sequence IDs out of order: the broker drops such a message as a duplicate
// and still confirms it. testenv's broker runs with
// brokerDeduplicationEnabled=true; without sendMu about 1 in 1,000
// unbatched messages vanished here.
func TestConcurrentPublishesSurviveBrokerDeduplication(t *testing.T) {
	url := testenv.PulsarURL(t)
	for _, batching := range []bool{false, true} {
		name := map[bool]string{false: "unbatched", true: "batched"}[batching]
		t.Run(name, func(t *testing.T) {
			const total, publishers = 10000, 64
			topic := uniqueTopic("dedup")
			pub := newTestPublisher(t, url, func(c *PublisherConfig) { c.DisableBatching = !batching })
			defer pub.Close()
			sub := newTestSubscriber(t, url, "dedup", func(c *SubscriberConfig) { c.AsyncAck = true })
			defer sub.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			ch, err := sub.Subscribe(ctx, topic)
			require.NoError(t, err)

			var next atomic.Int64
			var wg sync.WaitGroup
			for range publishers {
				wg.Go(func() {
					for i := next.Add(1); i <= total; i = next.Add(1) {
						m := message.NewMessage(uuid.NewString(), []byte("x"))
						m.Metadata.Set(DefaultPartitionKeyMetadata, uuid.NewString())
						if err := pub.Publish(topic, m); err != nil {
							t.Errorf("publish: %v", err)
							return
						}
					}
				})
			}
			wg.Wait()

			seen := map[string]bool{}
			for len(seen) < total {
				select {
				case m := <-ch:
					seen[m.UUID] = true
					m.Ack()
				case <-ctx.Done():
					t.Fatalf("%d of %d confirmed messages consumed: the broker dropped the rest", len(seen), total)
				}
			}
		})
	}
}

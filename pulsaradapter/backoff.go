package pulsaradapter

import (
	"math/rand/v2"
	"time"

	"github.com/apache/pulsar-client-go/pulsar/backoff"
)

// minReconnectBackoff is the first delay before reconnecting.
const minReconnectBackoff = 100 * time.Millisecond

// reconnectBackoff is the delay policy of producers and consumers reconnecting
// to a broker: it doubles from 100ms up to limit, plus up to 20% jitter. The
// client's own policy grows to 60s, so after an outage of a minute a consumer
// could stay idle for another minute.
type reconnectBackoff struct {
	limit time.Duration
	next  time.Duration
}

func newReconnectBackoff(limit time.Duration) func() backoff.Policy {
	return func() backoff.Policy { return &reconnectBackoff{limit: limit} }
}

// Next returns the delay before the next attempt.
func (b *reconnectBackoff) Next() time.Duration {
	b.next = min(max(2*b.next, minReconnectBackoff), b.limit)
	return b.next + time.Duration(rand.Int64N(int64(b.next)/5+1))
}

// IsMaxBackoffReached reports whether the delay stopped growing.
func (b *reconnectBackoff) IsMaxBackoffReached() bool { return b.next >= b.limit }

// Reset starts again from the shortest delay.
func (b *reconnectBackoff) Reset() { b.next = 0 }

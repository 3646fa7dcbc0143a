// Package publisher is the producer side of dict-events: EntryEventProducer
// validates DICT entries, encodes them as protobuf events and publishes them
// on any Watermill publisher, keyed so that every event of one PIX key stays
// in order.
package publisher

import (
	"errors"
	"sync"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/events"
)

// Topics, re-exported from package events for the producer's users.
const (
	TopicEntryCreated              = events.TopicEntryCreated
	TopicEntryUpdated              = events.TopicEntryUpdated
	TopicEntryDeletedImmediate     = events.TopicEntryDeletedImmediate
	TopicEntryDeletedWaitingPeriod = events.TopicEntryDeletedWaitingPeriod
	TopicDLQ                       = events.TopicDLQ
)

// ErrClosed is returned by every publish after Close.
var ErrClosed = errors.New("publisher: producer is closed")

// ErrMissingUserID is returned when an event has no acting user.
var ErrMissingUserID = errors.New("publisher: user ID is required")

// ErrInvalidDeletionType is returned for a deletion type other than
// IMMEDIATE or WAITING_PERIOD.
var ErrInvalidDeletionType = errors.New("publisher: deletion type must be IMMEDIATE or WAITING_PERIOD")

// EntryEventProducer publishes DICT entry events. It is safe for concurrent
// use. Each Publish* call returns when the backend has accepted the event
// (for Pulsar and Kafka: persisted) or failed after the configured retries.
type EntryEventProducer struct {
	pub    message.Publisher
	owned  bool // Close closes pub
	config Config

	mu       sync.Mutex
	finished *sync.Cond          // signalled whenever a publish call returns
	inflight map[uint64]struct{} // sequence numbers of calls in progress
	next     uint64              // sequence number of the next call
	closed   bool
}

// Option changes how NewEntryEventProducer builds a producer.
type Option func(*Config)

// WithConfig replaces the whole configuration (the URL argument still wins
// over Broker.URL).
func WithConfig(c Config) Option { return func(dst *Config) { *dst = c } }

// WithBroker sets the backend options (auth, TLS, Kafka partitions, ...),
// keeping the producer settings of the current configuration.
func WithBroker(b broker.Config) Option {
	return func(dst *Config) {
		producer := dst.Broker.Producer
		dst.Broker = b
		dst.Broker.Producer = producer
	}
}

// NewEntryEventProducer opens the backend brokerURL names (mem://,
// pulsar://, pulsar+ssl://, kafka://) and returns a producer that owns it:
// Close closes it. Without options it uses DefaultConfig. On mem:// the bus
// is private to the producer: nothing can read what it publishes, which
// stays in memory until Close (useful for trying the API only). To consume
// in the same process, open the bus with broker.Open and use New.
func NewEntryEventProducer(brokerURL string, opts ...Option) (*EntryEventProducer, error) {
	config := DefaultConfig()
	for _, opt := range opts {
		opt(&config)
	}
	config.Broker.URL = brokerURL
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	pub, err := broker.NewPublisher(config.Broker, config.Logger)
	if err != nil {
		return nil, err
	}
	p := newProducer(pub, config)
	p.owned = true
	return p, nil
}

// New returns a producer over an existing Watermill publisher, which the
// caller keeps owning: Close does not close it.
func New(pub message.Publisher, config Config) (*EntryEventProducer, error) {
	if pub == nil {
		return nil, errors.New("publisher: message publisher is nil")
	}
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	return newProducer(pub, config), nil
}

func newProducer(pub message.Publisher, config Config) *EntryEventProducer {
	p := &EntryEventProducer{pub: pub, config: config, inflight: map[uint64]struct{}{}}
	p.finished = sync.NewCond(&p.mu)
	return p
}

func (p *EntryEventProducer) begin() (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, ErrClosed
	}
	seq := p.next
	p.next++
	p.inflight[seq] = struct{}{}
	return seq, nil
}

func (p *EntryEventProducer) end(seq uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.inflight, seq)
	p.finished.Broadcast()
}

// Flush blocks until every publish call that was in progress when Flush was
// called has returned, so every event accepted before Flush has been
// persisted or reported as failed to its caller. Calls started later do not
// hold it up.
func (p *EntryEventProducer) Flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waitLocked(p.next)
	return nil
}

// waitLocked waits, with p.mu held, until no call numbered below seq is in
// progress.
func (p *EntryEventProducer) waitLocked(seq uint64) {
	for {
		pending := false
		for s := range p.inflight {
			pending = pending || s < seq
		}
		if !pending {
			return
		}
		p.finished.Wait()
	}
}

// Close stops accepting events, waits for those in progress (as Flush) and
// closes the backend when the producer owns it. Calling it again is a no-op.
func (p *EntryEventProducer) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()

	if err := p.Flush(); err != nil {
		return err
	}
	if p.owned {
		return p.pub.Close()
	}
	return nil
}

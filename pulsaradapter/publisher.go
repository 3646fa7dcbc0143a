package pulsaradapter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/apache/pulsar-client-go/pulsar"
)

// ErrPublisherClosed is returned by Publish after Close was called, and by a
// Publish whose messages were still unconfirmed when Close gave up waiting.
var ErrPublisherClosed = errors.New("pulsar publisher is closed")

// Publisher publishes Watermill messages to Pulsar. It implements
// message.Publisher and is safe for concurrent use.
type Publisher struct {
	config PublisherConfig
	logger watermill.LoggerAdapter
	client pulsar.Client

	// mu guards closed and producers; it is never held across network calls.
	mu        sync.RWMutex
	closed    bool
	producers map[string]*producerEntry

	// publishing counts Publish calls in progress; enqueuing counts those
	// still creating a producer or handing messages to it. Both are only
	// incremented under mu while !closed.
	publishing sync.WaitGroup
	enqueuing  sync.WaitGroup

	// closing is closed when Close stops waiting for Publish calls: those
	// still waiting for room in a producer's queue then give up.
	closing chan struct{}

	// abandoned is closed once every producer is closed: a Publish still
	// waiting for a receipt then returns an error instead of waiting forever.
	abandoned chan struct{}

	closeOnce sync.Once
	closeErr  error
}

var _ message.Publisher = (*Publisher)(nil)

type producerEntry struct {
	ready    chan struct{} // closed when producer/err are set
	producer pulsar.Producer
	err      error

	// tokens bounds the messages handed to producer and not yet completed
	// (MaxPendingMessages): Publish puts a token before SendAsync, the send
	// callback takes it back. This is the backpressure; the producer itself
	// never blocks (DisableBlockIfQueueFull), because its own queue semaphore
	// can deadlock when a blocked SendAsync's context is cancelled
	// (pulsar-client-go v0.21.0 internal/semaphore.go: Release blocks on an
	// unbuffered channel when a waiter left on ctx.Done).
	tokens chan struct{}

	// sendMu serialises SendAsync. For a message sent outside a batch
	// (DisableBatching, or a delayed message), pulsar-client-go v0.21.0
	// assigns the sequence ID in the caller's goroutine
	// (internalSendAsync → updateMetadataSeqID) and only then queues the
	// request for its event loop, so concurrent callers can reach the broker
	// with sequence IDs out of order. With broker deduplication on, the
	// broker then takes a lower ID arriving after a higher one for a
	// duplicate, drops the message and still confirms it: a silent loss
	// (reproduced here: about 25 of 20,000 concurrent unbatched sends).
	// Batched messages get their IDs in the event loop and were not
	// affected, but the lock is cheap (SendAsync never blocks, see tokens)
	// and keeps every path safe.
	sendMu sync.Mutex
}

// NewPublisher creates a Publisher. It connects lazily: producers are created
// on the first Publish to each topic. A nil logger means watermill.NopLogger.
func NewPublisher(config PublisherConfig, logger watermill.LoggerAdapter) (*Publisher, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	client, err := newClient(config.ClientConfig, logger)
	if err != nil {
		return nil, err
	}
	return &Publisher{
		config:    config,
		logger:    logger,
		client:    client,
		producers: map[string]*producerEntry{},
		closing:   make(chan struct{}),
		abandoned: make(chan struct{}),
	}, nil
}

// Publish sends msgs to topic and returns once the broker has persisted every
// one of them, or with the error of the first message (in argument order) that
// failed. Messages are sent asynchronously, so they and those of concurrent
// Publish calls share batches; on failure, some of msgs may have been
// persisted. Publish blocks while MaxPendingMessages messages of the topic
// are awaiting receipts; each receipt is awaited at most SendTimeout. The
// messages' contexts are not used.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	if topic == "" {
		return errors.New("pulsar publish: topic is empty")
	}
	if len(msgs) == 0 {
		return nil
	}

	now := time.Now()
	pms := make([]*pulsar.ProducerMessage, len(msgs))
	for i, msg := range msgs {
		pm, err := toProducerMessage(msg, p.config.PartitionKeyMetadata, p.config.RequirePartitionKey, now)
		if err != nil {
			return fmt.Errorf("pulsar publish to topic %q: %w", topic, err)
		}
		pms[i] = pm
	}

	p.mu.RLock()
	if p.closed {
		p.mu.RUnlock()
		return fmt.Errorf("pulsar publish to topic %q: %w", topic, ErrPublisherClosed)
	}
	p.publishing.Add(1)
	p.enqueuing.Add(1)
	p.mu.RUnlock()
	defer p.publishing.Done()

	results, entry, err := p.enqueue(topic, pms)
	if err != nil {
		return fmt.Errorf("pulsar publish to topic %q: %w", topic, err)
	}
	return p.await(topic, msgs, entry, results)
}

type sendResult struct {
	index int
	err   error
}

// enqueue hands every message to the topic's producer. It waits only for
// the producer to be created and for room in its queue; once Close gives up
// waiting, messages not yet handed over fail with ErrPublisherClosed.
func (p *Publisher) enqueue(topic string, pms []*pulsar.ProducerMessage) (<-chan sendResult, *producerEntry, error) {
	defer p.enqueuing.Done()

	entry, err := p.producer(topic)
	if err != nil {
		return nil, nil, err
	}

	// Buffered for one result per message, and each message reports at most
	// once: callbacks never block the client's event loop.
	results := make(chan sendResult, len(pms))
	for i, pm := range pms {
		select {
		case entry.tokens <- struct{}{}:
		case <-p.closing:
			for j := i; j < len(pms); j++ {
				results <- sendResult{index: j, err: fmt.Errorf("not sent: %w", ErrPublisherClosed)}
			}
			return results, entry, nil
		}
		var once sync.Once
		report := func(_ pulsar.MessageID, _ *pulsar.ProducerMessage, err error) {
			once.Do(func() {
				<-entry.tokens // ours: never blocks
				results <- sendResult{index: i, err: err}
			})
		}
		entry.sendMu.Lock()
		sendAsync(entry.producer, pm, report)
		entry.sendMu.Unlock()
	}
	return results, entry, nil
}

// sendAsync calls SendAsync, turning a panic into a failed send. The client
// can panic with "send on closed channel" when it closes a producer itself
// (topic terminated or deleted, producer fenced) while SendAsync runs.
//
// The context is never cancelled: with the producer's queue never full (see
// producerEntry.tokens), SendAsync does not block.
func sendAsync(producer pulsar.Producer, pm *pulsar.ProducerMessage,
	report func(pulsar.MessageID, *pulsar.ProducerMessage, error)) {
	defer func() {
		if r := recover(); r != nil {
			report(nil, pm, fmt.Errorf("pulsar producer failed: %v: %w", r, pulsar.ErrProducerClosed))
		}
	}()
	producer.SendAsync(context.Background(), pm, report)
}

// await waits for one result per message.
func (p *Publisher) await(topic string, msgs []*message.Message, entry *producerEntry, results <-chan sendResult) error {
	errs := make([]error, len(msgs))
	failed := 0
	record := func(r sendResult) {
		if r.err != nil {
			errs[r.index] = r.err
			failed++
		}
	}
	for received := 0; received < len(msgs); received++ {
		select {
		case r := <-results:
			record(r)
		case <-p.abandoned:
			// Every producer is closed: results still missing will never come.
			for ; received < len(msgs); received++ {
				select {
				case r := <-results:
					record(r)
				default:
					return fmt.Errorf("pulsar publish to topic %q: %w before the broker confirmed every message",
						topic, ErrPublisherClosed)
				}
			}
		}
	}
	if failed == 0 {
		return nil
	}
	for i, err := range errs {
		if err == nil {
			continue
		}
		if producerIsGone(err) {
			p.forgetProducer(topic, entry)
		}
		return fmt.Errorf("pulsar publish message %s to topic %q (%d of %d messages failed): %w",
			msgs[i].UUID, topic, failed, len(msgs), err)
	}
	return nil
}

// producerIsGone reports whether err means the producer was closed for good.
func producerIsGone(err error) bool {
	return errors.Is(err, pulsar.ErrProducerClosed) ||
		errors.Is(err, pulsar.ErrProducerFenced) ||
		errors.Is(err, pulsar.ErrTopicTerminated) ||
		errors.Is(err, pulsar.ErrTopicNotfound)
}

// producer returns the topic's producer, creating it on first use. Concurrent
// callers for the same topic wait for one creation; the lock is not held
// while the producer is created.
func (p *Publisher) producer(topic string) (*producerEntry, error) {
	p.mu.RLock()
	entry, ok := p.producers[topic]
	p.mu.RUnlock()
	if !ok {
		p.mu.Lock()
		entry, ok = p.producers[topic]
		if !ok {
			entry = &producerEntry{ready: make(chan struct{})}
			p.producers[topic] = entry
		}
		p.mu.Unlock()
		if !ok {
			p.createProducer(topic, entry)
		}
	}
	<-entry.ready
	if entry.err != nil {
		return nil, entry.err
	}
	return entry, nil
}

func (p *Publisher) createProducer(topic string, entry *producerEntry) {
	defer close(entry.ready)
	producer, err := p.client.CreateProducer(p.config.producerOptions(topic))
	if err != nil {
		entry.err = fmt.Errorf("create producer: %w", err)
		p.forgetProducer(topic, entry) // the next Publish tries again
		return
	}
	entry.producer = producer
	entry.tokens = make(chan struct{}, p.config.MaxPendingMessages)
	p.logger.Debug("Created pulsar producer", watermill.LogFields{"topic": topic, "producer": producer.Name()})
}

// forgetProducer drops entry so that the next Publish to topic creates a new
// producer. A producer dropped this way was closed by the client already.
func (p *Publisher) forgetProducer(topic string, entry *producerEntry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return // Close closes every producer in the map
	}
	if p.producers[topic] == entry {
		delete(p.producers, topic)
		if entry.producer != nil {
			p.logger.Info("Pulsar producer is gone; the next publish creates a new one",
				watermill.LogFields{"topic": topic})
		}
	}
}

// Close stops accepting messages (Publish then fails with
// ErrPublisherClosed), waits up to CloseTimeout for the Publish calls in
// flight, flushes and closes every producer, then closes the client. If the
// timeout expires, calls still waiting for room in a queue fail with
// ErrPublisherClosed and messages still unconfirmed make their Publish return
// an error: a Publish never returns nil for a message the broker has not
// persisted, and never hangs. Close returns an error if a flush failed. It is
// idempotent; later calls return the first call's result.
func (p *Publisher) Close() error {
	p.closeOnce.Do(func() { p.closeErr = p.close() })
	return p.closeErr
}

func (p *Publisher) close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), p.config.CloseTimeout)
	defer cancel()

	if !waitGroupWithContext(ctx, &p.publishing) {
		p.logger.Error("Pulsar publisher close timeout: Publish calls in flight will fail",
			context.DeadlineExceeded, watermill.LogFields{"close_timeout": p.config.CloseTimeout})
	}
	// Calls still waiting for room in a queue give up, and no SendAsync may
	// start from here on: the client panics when SendAsync races with closing
	// its producer.
	close(p.closing)
	p.enqueuing.Wait()

	p.mu.RLock()
	producers := make(map[string]*producerEntry, len(p.producers))
	for topic, entry := range p.producers {
		producers[topic] = entry
	}
	p.mu.RUnlock()

	var errs []error
	for topic, entry := range producers {
		if entry.producer == nil {
			continue
		}
		if err := entry.producer.FlushWithCtx(ctx); err != nil && !errors.Is(err, pulsar.ErrProducerClosed) {
			errs = append(errs, fmt.Errorf("flush producer of topic %q: %w", topic, err))
		}
		entry.producer.Close()
	}
	close(p.abandoned)
	p.client.Close()

	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close pulsar publisher: %w", err)
	}
	return nil
}

// waitGroupWithContext waits for wg or ctx, whichever comes first, and
// reports whether wg finished.
func waitGroupWithContext(ctx context.Context, wg *sync.WaitGroup) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

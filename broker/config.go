// Package broker turns one setting, a broker URL, into a Watermill
// message.Publisher and message.Subscriber: Apache Pulsar (pulsar://,
// pulsar+ssl://), Apache Kafka (kafka://) or the embedded in-process bus
// (mem://, Watermill's GoChannel). Code above it — the producer, the router,
// the CLI — never names a backend.
package broker

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// URL schemes Open accepts.
const (
	SchemeMemory    = "mem"
	SchemePulsar    = "pulsar"
	SchemePulsarTLS = "pulsar+ssl"
	SchemeKafka     = "kafka"
)

// DefaultURL is the embedded in-process bus.
const DefaultURL = "mem://"

// ErrInvalidConfig is matched by every configuration error.
var ErrInvalidConfig = errors.New("invalid broker configuration")

// Config selects and tunes a backend. Only URL is required; the rest has
// production defaults and is ignored by backends it does not apply to.
type Config struct {
	// URL names the backend: mem://, pulsar://host:6650,
	// pulsar+ssl://host:6651 or kafka://host:9092[,host:9092...].
	URL string
	// Producer tunes publishing.
	Producer ProducerConfig
	// Consumer tunes subscribing.
	Consumer ConsumerConfig
	// Pulsar holds Pulsar-only settings.
	Pulsar PulsarConfig
	// Kafka holds Kafka-only settings.
	Kafka KafkaConfig
}

// ProducerConfig tunes publishing on backends that batch and compress.
type ProducerConfig struct {
	// Compression is "lz4" (default), "zstd" or "none".
	Compression string
	// BatchingMaxMessages flushes a batch at this many messages. Default 100.
	BatchingMaxMessages uint
	// BatchingMaxDelay flushes a batch after this delay. Default 10 ms.
	BatchingMaxDelay time.Duration
	// SendTimeout bounds one send, retries by the client included. Default 30 s.
	SendTimeout time.Duration
}

// ConsumerConfig tunes subscribing.
type ConsumerConfig struct {
	// Group is the durable subscription (Pulsar) or consumer group (Kafka)
	// name. Routers that share it share the work. Default "dict-events".
	Group string
	// Consumers is the number of parallel consumers per topic. Per-key order
	// holds across them (Pulsar KeyShared, Kafka partitions). Default 1.
	Consumers int
	// NackRedeliveryDelay is how soon a nacked message comes back. Default 200 ms.
	NackRedeliveryDelay time.Duration
}

// PulsarConfig holds Pulsar-only settings.
type PulsarConfig struct {
	// AuthToken enables token authentication.
	AuthToken string
	// TLSTrustCertsFile is the CA bundle for pulsar+ssl://.
	TLSTrustCertsFile string
	// TLSValidateHostname checks the broker's certificate host name.
	TLSValidateHostname bool
	// ProducerNamePrefix fixes producer names for broker-side deduplication.
	ProducerNamePrefix string
	// ConnectionTimeout bounds connecting. Default 10 s.
	ConnectionTimeout time.Duration
	// OperationTimeout bounds lookups and producer/consumer creation. Default 30 s.
	OperationTimeout time.Duration
}

// KafkaConfig holds Kafka-only settings.
type KafkaConfig struct {
	// Partitions is the partition count of topics this module creates. Default 4.
	Partitions int32
	// ReplicationFactor of created topics. Default 1.
	ReplicationFactor int16
}

func (c *Config) setDefaults() {
	if c.URL == "" {
		c.URL = DefaultURL
	}
	if c.Producer.Compression == "" {
		c.Producer.Compression = "lz4"
	}
	if c.Producer.BatchingMaxMessages == 0 {
		c.Producer.BatchingMaxMessages = 100
	}
	if c.Producer.BatchingMaxDelay == 0 {
		c.Producer.BatchingMaxDelay = 10 * time.Millisecond
	}
	if c.Producer.SendTimeout == 0 {
		c.Producer.SendTimeout = 30 * time.Second
	}
	if c.Consumer.Group == "" {
		c.Consumer.Group = "dict-events"
	}
	if c.Consumer.Consumers == 0 {
		c.Consumer.Consumers = 1
	}
	if c.Consumer.NackRedeliveryDelay == 0 {
		c.Consumer.NackRedeliveryDelay = 200 * time.Millisecond
	}
	if c.Pulsar.ConnectionTimeout == 0 {
		c.Pulsar.ConnectionTimeout = 10 * time.Second
	}
	if c.Pulsar.OperationTimeout == 0 {
		c.Pulsar.OperationTimeout = 30 * time.Second
	}
	if c.Kafka.Partitions == 0 {
		c.Kafka.Partitions = 4
	}
	if c.Kafka.ReplicationFactor == 0 {
		c.Kafka.ReplicationFactor = 1
	}
}

// Validate reports what is wrong with the configuration and what is accepted.
func (c Config) Validate() error {
	if _, err := parseURL(c.URL); err != nil {
		return err
	}
	switch c.Producer.Compression {
	case "lz4", "zstd", "none":
	default:
		return fmt.Errorf("%w: compression %q: accepted are lz4, zstd, none", ErrInvalidConfig, c.Producer.Compression)
	}
	if c.Consumer.Consumers < 1 {
		return fmt.Errorf("%w: consumers %d: must be at least 1", ErrInvalidConfig, c.Consumer.Consumers)
	}
	if c.Producer.SendTimeout < 0 || c.Producer.BatchingMaxDelay < 0 || c.Consumer.NackRedeliveryDelay < 0 {
		return fmt.Errorf("%w: durations must not be negative", ErrInvalidConfig)
	}
	if c.Kafka.Partitions < 1 {
		return fmt.Errorf("%w: kafka partitions %d: must be at least 1", ErrInvalidConfig, c.Kafka.Partitions)
	}
	return nil
}

// endpoint is a parsed broker URL.
type endpoint struct {
	scheme string
	hosts  []string // host:port, for Kafka possibly several
	url    string   // the URL as Pulsar's client wants it
}

const acceptedURLs = "mem://, pulsar://host:6650, pulsar+ssl://host:6651, kafka://host:9092[,host:9092]"

func parseURL(raw string) (endpoint, error) {
	bad := func(format string, args ...any) (endpoint, error) {
		return endpoint{}, fmt.Errorf("%w: broker URL %q: %s; accepted: %s", ErrInvalidConfig, raw, fmt.Sprintf(format, args...), acceptedURLs)
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return bad("no scheme")
	}
	switch scheme {
	case SchemeMemory:
		return endpoint{scheme: SchemeMemory}, nil
	case SchemePulsar, SchemePulsarTLS, SchemeKafka:
	default:
		return bad("unknown scheme %q", scheme)
	}
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" {
		return bad("has no host")
	}
	hosts := strings.Split(rest, ",")
	for _, h := range hosts {
		host, port, err := net.SplitHostPort(h)
		if err != nil || host == "" {
			return bad("host %q needs a port", h)
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return bad("host %q has an invalid port", h)
		}
	}
	if scheme != SchemeKafka && len(hosts) > 1 {
		return bad("only kafka:// takes several hosts")
	}
	return endpoint{scheme: scheme, hosts: hosts, url: scheme + "://" + rest}, nil
}

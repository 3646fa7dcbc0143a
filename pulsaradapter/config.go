package pulsaradapter

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/apache/pulsar-client-go/pulsar"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults shared by PublisherConfig and SubscriberConfig.
const (
	// DefaultConnectionTimeout bounds establishing a TCP (and TLS) connection to a broker.
	DefaultConnectionTimeout = 10 * time.Second
	// DefaultOperationTimeout bounds client operations such as topic lookup,
	// creating a producer or consumer, and acknowledgements with response.
	DefaultOperationTimeout = 30 * time.Second
	// DefaultMaxReconnectBackoff caps the delay between reconnection attempts.
	DefaultMaxReconnectBackoff = 5 * time.Second
	// DefaultCloseTimeout bounds how long Close waits for in-flight work.
	DefaultCloseTimeout = 30 * time.Second
	// DefaultPartitionKeyMetadata is the metadata entry whose value becomes the Pulsar message key.
	DefaultPartitionKeyMetadata = "partition_key"
)

// ClientConfig holds the connection settings shared by the Publisher and the
// Subscriber. Each Publisher and Subscriber owns one Pulsar client built from it.
type ClientConfig struct {
	// URL of the Pulsar service, e.g. "pulsar://127.0.0.1:6650" or
	// "pulsar+ssl://broker:6651". Required.
	URL string

	// ConnectionTimeout bounds establishing a connection to a broker.
	// Default DefaultConnectionTimeout (10s). Pulsar treats zero as "no timeout",
	// so zero is replaced by the default and negative values are rejected.
	ConnectionTimeout time.Duration

	// OperationTimeout bounds lookups, producer and consumer creation and acks
	// with response. Default DefaultOperationTimeout (30s).
	OperationTimeout time.Duration

	// MaxReconnectBackoff caps the delay between attempts of a producer or
	// consumer to reconnect after losing its broker (the delay doubles from
	// 100ms). Default DefaultMaxReconnectBackoff (5s); the client's own cap is
	// 60s, which can leave a consumer idle for a minute after the broker is back.
	MaxReconnectBackoff time.Duration

	// AuthToken, when set, authenticates with this JWT token.
	// Mutually exclusive with AuthTokenFile.
	AuthToken string

	// AuthTokenFile, when set, authenticates with the token read from this
	// file (re-read on every connection, so a rotated secret is picked up).
	// Mutually exclusive with AuthToken.
	AuthTokenFile string

	// TLSTrustCertsFilePath is the PEM file of CAs trusted for pulsar+ssl:// URLs.
	// Empty uses the system pool.
	TLSTrustCertsFilePath string

	// TLSValidateHostname checks the broker certificate's host name.
	TLSValidateHostname bool

	// TLSAllowInsecureConnection accepts untrusted broker certificates.
	// Never enable it in production.
	TLSAllowInsecureConnection bool

	// MetricsRegisterer receives the Pulsar client's Prometheus collectors
	// (pulsar_client_*). Nil means prometheus.DefaultRegisterer, which is what
	// the Pulsar client does itself. Creating several clients in one process is
	// safe either way: the client reuses collectors already registered with
	// identical descriptors instead of failing, so the counters of all clients
	// sharing a registerer are aggregated.
	MetricsRegisterer prometheus.Registerer
}

func (c *ClientConfig) setDefaults() {
	if c.ConnectionTimeout == 0 {
		c.ConnectionTimeout = DefaultConnectionTimeout
	}
	if c.OperationTimeout == 0 {
		c.OperationTimeout = DefaultOperationTimeout
	}
	if c.MaxReconnectBackoff == 0 {
		c.MaxReconnectBackoff = DefaultMaxReconnectBackoff
	}
}

// Validate reports whether the client settings are usable.
func (c ClientConfig) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("URL is required"))
	} else if u, err := url.Parse(c.URL); err != nil {
		errs = append(errs, fmt.Errorf("URL %q: %w", c.URL, err))
	} else {
		switch u.Scheme {
		case "pulsar", "pulsar+ssl", "http", "https":
		default:
			errs = append(errs, fmt.Errorf("URL %q: scheme must be pulsar, pulsar+ssl, http or https", c.URL))
		}
	}
	if c.ConnectionTimeout <= 0 {
		errs = append(errs, fmt.Errorf("ConnectionTimeout must be positive, got %s", c.ConnectionTimeout))
	}
	if c.OperationTimeout <= 0 {
		errs = append(errs, fmt.Errorf("OperationTimeout must be positive, got %s", c.OperationTimeout))
	}
	if c.MaxReconnectBackoff < minReconnectBackoff {
		errs = append(errs, fmt.Errorf("MaxReconnectBackoff must be at least %s, got %s",
			minReconnectBackoff, c.MaxReconnectBackoff))
	}
	if c.AuthToken != "" && c.AuthTokenFile != "" {
		errs = append(errs, errors.New("AuthToken and AuthTokenFile are mutually exclusive"))
	}
	return errors.Join(errs...)
}

func (c ClientConfig) clientOptions(logger watermill.LoggerAdapter) pulsar.ClientOptions {
	opts := pulsar.ClientOptions{
		URL:                        c.URL,
		ConnectionTimeout:          c.ConnectionTimeout,
		OperationTimeout:           c.OperationTimeout,
		TLSTrustCertsFilePath:      c.TLSTrustCertsFilePath,
		TLSValidateHostname:        c.TLSValidateHostname,
		TLSAllowInsecureConnection: c.TLSAllowInsecureConnection,
		MetricsRegisterer:          c.MetricsRegisterer,
		Logger:                     newPulsarLogger(logger),
	}
	switch {
	case c.AuthToken != "":
		opts.Authentication = pulsar.NewAuthenticationToken(c.AuthToken)
	case c.AuthTokenFile != "":
		opts.Authentication = pulsar.NewAuthenticationTokenFromFile(c.AuthTokenFile)
	}
	return opts
}

func newClient(c ClientConfig, logger watermill.LoggerAdapter) (pulsar.Client, error) {
	client, err := pulsar.NewClient(c.clientOptions(logger))
	if err != nil {
		return nil, fmt.Errorf("create pulsar client for %s: %w", c.URL, err)
	}
	return client, nil
}

package broker

import (
	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/lbpay-lab/dict-events/events"
	"github.com/lbpay-lab/dict-events/pulsaradapter"
)

func pulsarClientConfig(ep endpoint, config Config) pulsaradapter.ClientConfig {
	return pulsaradapter.ClientConfig{
		URL:                   ep.url,
		ConnectionTimeout:     config.Pulsar.ConnectionTimeout,
		OperationTimeout:      config.Pulsar.OperationTimeout,
		AuthToken:             config.Pulsar.AuthToken,
		TLSTrustCertsFilePath: config.Pulsar.TLSTrustCertsFile,
		TLSValidateHostname:   config.Pulsar.TLSValidateHostname,
	}
}

func newPulsarPublisher(ep endpoint, config Config, logger watermill.LoggerAdapter) (message.Publisher, error) {
	pub, err := pulsaradapter.NewPublisher(pulsaradapter.PublisherConfig{
		ClientConfig:            pulsarClientConfig(ep, config),
		PartitionKeyMetadata:    events.MetadataPartitionKey,
		SendTimeout:             config.Producer.SendTimeout,
		Compression:             pulsaradapter.Compression(config.Producer.Compression),
		BatchingMaxMessages:     config.Producer.BatchingMaxMessages,
		BatchingMaxPublishDelay: config.Producer.BatchingMaxDelay,
		ProducerNamePrefix:      config.Pulsar.ProducerNamePrefix,
	}, logger)
	if err != nil {
		return nil, err
	}
	return pub, nil
}

// newPulsarSubscriber subscribes with a durable KeyShared subscription named
// after the consumer group, from the earliest message: per-key order holds
// across Consumer.Consumers consumers.
func newPulsarSubscriber(ep endpoint, config Config, logger watermill.LoggerAdapter) (message.Subscriber, error) {
	sub, err := pulsaradapter.NewSubscriber(pulsaradapter.SubscriberConfig{
		ClientConfig:         pulsarClientConfig(ep, config),
		SubscriptionName:     config.Consumer.Group,
		SubscriptionType:     pulsaradapter.SubscriptionKeyShared,
		InitialPosition:      pulsaradapter.InitialPositionEarliest,
		ConsumersCount:       config.Consumer.Consumers,
		NackRedeliveryDelay:  config.Consumer.NackRedeliveryDelay,
		PartitionKeyMetadata: events.MetadataPartitionKey,
	}, logger)
	if err != nil {
		return nil, err
	}
	return sub, nil
}

package broker

import (
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

func newPulsarPublisher(ep endpoint, config Config, logger watermill.LoggerAdapter) (message.Publisher, error) {
	return nil, fmt.Errorf("%w: the Pulsar backend is not available in this build yet", ErrInvalidConfig)
}

func newPulsarSubscriber(ep endpoint, config Config, logger watermill.LoggerAdapter) (message.Subscriber, error) {
	return nil, fmt.Errorf("%w: the Pulsar backend is not available in this build yet", ErrInvalidConfig)
}

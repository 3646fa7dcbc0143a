package broker_test

import (
	"errors"
	"fmt"

	"github.com/lbpay-lab/dict-events/broker"
)

// One setting, the URL, chooses the backend: mem:// is the embedded bus,
// pulsar://host:6650 and kafka://host:9092 the real brokers.
func ExampleOpen() {
	backend, err := broker.Open(broker.Config{URL: "mem://"}, nil)
	if err != nil {
		panic(err)
	}
	defer backend.Close()
	fmt.Println(backend.Scheme)
	// Output:
	// mem
}

// A wrong URL fails at once, naming the problem and what is accepted.
func ExampleOpen_invalidURL() {
	_, err := broker.Open(broker.Config{URL: "amqp://127.0.0.1:5672"}, nil)
	fmt.Println(errors.Is(err, broker.ErrInvalidConfig))
	fmt.Println(err)
	// Output:
	// true
	// invalid broker configuration: broker URL "amqp://127.0.0.1:5672": unknown scheme "amqp"; accepted: mem://, pulsar://host:6650, pulsar+ssl://host:6651, kafka://host:9092[,host:9092]
}

// Create a producer from a broker URL. Run with
//
//	go run ./examples/create_producer [broker-url]
//
// The default is the embedded bus (mem://); try pulsar://127.0.0.1:6650 or
// kafka://127.0.0.1:9092 after `make brokers-up`.
package main

import (
	"context"
	"log"
	"os"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/publisher"
)

func main() {
	url := "mem://"
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	producer, err := publisher.NewEntryEventProducer(url)
	if err != nil {
		log.Fatalf("create producer: %v", err)
	}
	defer producer.Close()

	e := entrytest.Entry(entry.KeyTypeEmail, 1)
	if err := producer.PublishCreated(context.Background(), e, "user-123"); err != nil {
		log.Fatalf("publish: %v", err)
	}
	log.Printf("published EntryCreated for entry %s to %s", e.ID, publisher.TopicEntryCreated)
}

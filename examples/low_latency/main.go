// Low-latency producer: batches wait at most 1 ms.
//
//	go run ./examples/low_latency [broker-url]
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
	producer, err := publisher.NewEntryEventProducer(url, publisher.WithConfig(publisher.LowLatencyConfig()))
	if err != nil {
		log.Fatal(err)
	}
	defer producer.Close()
	if err := producer.PublishCreated(context.Background(), entrytest.Entry(entry.KeyTypeEmail, 7), "user-123"); err != nil {
		log.Fatal(err)
	}
	log.Print("published with the low-latency configuration")
}

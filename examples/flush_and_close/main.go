// Publish from many goroutines, then Flush and Close: every publish that
// returned nil was accepted by the broker; nothing is left behind.
//
//	go run ./examples/flush_and_close [broker-url]
package main

import (
	"context"
	"log"
	"os"
	"sync"
	"sync/atomic"

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
		log.Fatal(err)
	}
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for _, e := range entrytest.Entries(500) {
		wg.Go(func() {
			if err := producer.PublishCreated(context.Background(), e, "batch-import"); err != nil {
				failed.Add(1)
				log.Printf("entry %s: %v", e.ID, err)
				return
			}
			ok.Add(1)
		})
	}
	wg.Wait()
	// Flush waits for publishes still in progress in goroutines this code
	// does not track (request handlers, say); Close does the same and then
	// refuses new publishes with publisher.ErrClosed, so none is dropped
	// silently.
	if err := producer.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := producer.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("published %d, failed %d", ok.Load(), failed.Load())
}

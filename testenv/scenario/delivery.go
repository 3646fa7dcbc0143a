package scenario

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lbpay-lab/dict-events/entry/entrytest"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/publisher"
	"github.com/lbpay-lab/dict-events/router"
)

// FlushAndClose publishes 5,000 events from 50 goroutines, calls Flush once
// while they publish and again after, then Close, and checks that all 5,000
// are consumed (distinct event IDs; duplicates counted) and that publishing
// after Close fails. Where the producer can own its backend (not mem://),
// it does, so Close also closes the broker publisher.
func FlushAndClose(t *testing.T, b Backend) {
	const total, workers = 5000, 50
	e := newEnv(t, b, nil)
	var p *publisher.EntryEventProducer
	if e.private() {
		p = e.producer()
	} else {
		c := publisher.DefaultConfig()
		c.Broker = e.cfg
		c.PartitionKeySecret = secret
		c.Logger = e.logger
		var err error
		if p, err = publisher.NewEntryEventProducer(e.cfg.URL, publisher.WithConfig(c)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() })
	}

	got := newTally[string](total)
	e.startRouter("flush", e.main, router.Handlers{
		OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			if _, ok := index(name, "flush/", total); !ok {
				t.Errorf("unexpected event %q", name)
				return nil
			}
			got.add(name, ev.GetEventId())
			return nil
		},
	})

	entries := entrytest.Entries(total)
	var published atomic.Int64
	half := make(chan struct{})
	flushed := make(chan error, 1)
	go func() {
		<-half
		flushed <- p.Flush()
	}()
	parallel(t, workers, total, func(i int) error {
		err := p.PublishCreated(e.ctx(fmt.Sprintf("flush/%d", i)), entries[i], userID)
		if published.Add(1) == total/2 {
			close(half)
		}
		return err
	})
	select {
	case err := <-flushed:
		if err != nil {
			t.Errorf("Flush while publishing: %v", err)
		}
	case <-time.After(b.Timeout):
		t.Errorf("Flush while publishing did not return within %v", b.Timeout)
	}
	if err := p.Flush(); err != nil {
		t.Errorf("Flush: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := p.PublishCreated(e.ctx("flush/after-close"), entries[0], userID); !errors.Is(err, publisher.ErrClosed) {
		t.Errorf("publish after Close: %v, want ErrClosed", err)
	}
	if t.Failed() {
		return
	}

	got.wait(e, "events")
	ids := map[string]bool{}
	for name, evIDs := range got.snapshot() {
		for _, id := range evIDs {
			ids[id] = true
			if id != evIDs[0] {
				t.Errorf("%s delivered as two events %s and %s", name, evIDs[0], id)
			}
		}
	}
	if len(ids) != total {
		t.Errorf("%d distinct event IDs consumed, want %d", len(ids), total)
	}
}

// ConsumerRestart: a router is stopped in the middle of a stream and a new
// one, on a new connection with the same consumer group, continues it
// without losing an event. Half of the 2,000 events are published; once the
// first router has handled a third of all, its handler slows down (20 ms of
// work per event, so events it has not handled are still waiting and some
// are in flight when it stops) and it is closed; the other half is
// published while no router runs, and the second router is started. An
// event whose handling was cut short by the close (its context cancelled)
// returns an error and is not acked, so it must come again.
func ConsumerRestart(t *testing.T, b Backend) {
	if !b.Resumable {
		t.Skipf("%s cannot resume a stream in a new router: %s", b.Name, b.NotResumableReason)
	}
	const total, workers = 2000, 10
	e := newEnv(t, b, nil)
	p := e.producer()
	got := newTally[string](total)
	third := make(chan struct{})
	var thirdOnce sync.Once
	var slow atomic.Bool
	var cut atomic.Int64 // handlings cut short by the first router's close
	handlers := func(routerName string) router.Handlers {
		return router.Handlers{OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			if _, ok := index(name, "restart/", total); !ok {
				t.Errorf("unexpected event %q", name)
				return nil
			}
			if routerName == "first" && slow.Load() {
				select {
				case <-time.After(20 * time.Millisecond):
				case <-ctx.Done():
					cut.Add(1)
					return ctx.Err()
				}
			}
			got.add(name, routerName)
			if d, _ := got.counts(); d >= total/3 {
				slow.Store(true)
				thirdOnce.Do(func() { close(third) })
			}
			return nil
		}}
	}

	first := e.startRouter("restart", e.main, handlers("first"))
	entries := entrytest.Entries(total)
	publish := func(from, to int) {
		parallel(t, workers, to-from, func(i int) error {
			return p.PublishCreated(e.ctx(fmt.Sprintf("restart/%d", from+i)), entries[from+i], userID)
		})
	}
	publish(0, total/2)
	e.await(third, func() string { d, _ := got.counts(); return fmt.Sprintf("a third of the events (%d handled)", d) })
	first.close(t)
	atStop, _ := got.counts()
	if atStop >= total/2 {
		t.Errorf("the first router handled all %d events published so far before it stopped: no stream to resume", atStop)
	}
	publish(total/2, total)
	if t.Failed() {
		return
	}

	e.startRouter("restart", e.consumer(e.cfg.Consumer.Group), handlers("second"))
	got.wait(e, "events across the restart")
	var byFirst, bySecond, dups int
	for _, routers := range got.snapshot() {
		for _, r := range routers {
			if r == "first" {
				byFirst++
			} else {
				bySecond++
			}
		}
		dups += len(routers) - 1
	}
	t.Logf("first router stopped after %d distinct events (%d handlings cut short by the close); "+
		"deliveries: %d by the first router, %d by the second, %d duplicates", atStop, cut.Load(), byFirst, bySecond, dups)
}

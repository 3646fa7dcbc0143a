package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/lbpay-lab/dict-events/events"
	"github.com/lbpay-lab/dict-events/middleware"
)

// demoStats counts what the demo published and what its handlers and the
// poison queue saw. Messages of other runs (on a broker that keeps history)
// are recognised by their correlation ID and only counted as foreign.
type demoStats struct {
	runID string

	mu           sync.Mutex
	changed      chan struct{} // closed and replaced on every change
	publishedBy  map[string]int
	handledBy    map[string]int
	attempts     map[string]int // event ID → handler calls
	succeeded    map[string]bool
	transient    map[string]bool
	poisonedMsgs []*message.Message
	duplicates   int
	foreign      int
	latencies    []time.Duration
}

func newDemoStats(runID string) *demoStats {
	return &demoStats{
		runID: runID, changed: make(chan struct{}),
		publishedBy: map[string]int{}, handledBy: map[string]int{},
		attempts: map[string]int{}, succeeded: map[string]bool{}, transient: map[string]bool{},
	}
}

func (s *demoStats) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *demoStats) published(topic string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.publishedBy[topic]++
}

// firstTransient reports true once, for the first PHONE entry created.
func (s *demoStats) firstTransient(eventID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.transient) > 0 && !s.transient[eventID] {
		return false
	}
	s.transient[eventID] = true
	return true
}

func (s *demoStats) handle(ctx context.Context, topic, eventID string, occurred time.Time, ledger func(attempt int) error) error {
	if id, _ := middleware.CorrelationIDFromContext(ctx); id != s.runID {
		s.mu.Lock()
		s.foreign++
		s.mu.Unlock()
		return nil
	}
	s.mu.Lock()
	s.attempts[eventID]++
	attempt := s.attempts[eventID]
	s.mu.Unlock()

	err := ledger(attempt)

	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		if s.succeeded[eventID] {
			s.duplicates++
		} else {
			s.succeeded[eventID] = true
			s.handledBy[topic]++
			s.latencies = append(s.latencies, time.Since(occurred))
		}
		s.notify()
	}
	return err
}

func (s *demoStats) poisoned(msg *message.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg.Metadata.Get(events.MetadataCorrelationID) != s.runID {
		s.foreign++
		return
	}
	s.poisonedMsgs = append(s.poisonedMsgs, msg)
	s.notify()
}

// wait returns when every published event was handled or poisoned.
func (s *demoStats) wait(ctx context.Context, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		total, done := 0, len(s.succeeded)+len(s.poisonedMsgs)
		for _, n := range s.publishedBy {
			total += n
		}
		changed := s.changed
		s.mu.Unlock()
		if done >= total {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("timed out after %s: %d of %d events handled or poisoned", timeout, done, total)
		}
	}
}

func (s *demoStats) print(out io.Writer, scheme string, publishTook time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, n := range s.publishedBy {
		total += n
	}
	poisonedBy := map[string]int{}
	for _, m := range s.poisonedMsgs {
		poisonedBy[m.Metadata.Get(middleware.MetadataPoisonTopic)]++
	}
	fmt.Fprintf(out, "dict-events demo on %s:// (run %s)\n\n", scheme, s.runID)
	fmt.Fprintf(out, "Published %d events in %s\n\n", total, publishTook.Round(time.Microsecond))
	fmt.Fprintf(out, "  %-38s %9s %8s %9s\n", "topic", "published", "handled", "poisoned")
	for _, t := range events.Topics() {
		fmt.Fprintf(out, "  %-38s %9d %8d %9d\n", t, s.publishedBy[t], s.handledBy[t], poisonedBy[t])
	}

	retried, first := 0, 0
	for id := range s.succeeded {
		if s.attempts[id] > 1 {
			retried++
		} else {
			first++
		}
	}
	fmt.Fprintf(out, "\nHandler outcomes\n")
	fmt.Fprintf(out, "  succeeded at first attempt  %d\n", first)
	fmt.Fprintf(out, "  succeeded after a retry     %d\n", retried)
	fmt.Fprintf(out, "  rejected (poison queue)     %d\n", len(s.poisonedMsgs))
	fmt.Fprintf(out, "  duplicate deliveries        %d\n", s.duplicates)
	if s.foreign > 0 {
		fmt.Fprintf(out, "  messages of earlier runs    %d (ignored)\n", s.foreign)
	}

	fmt.Fprintf(out, "\nPoison queue (%s): %d message(s)\n", events.TopicDLQ, len(s.poisonedMsgs))
	for _, m := range s.poisonedMsgs {
		printPoisoned(out, m)
	}

	fmt.Fprintf(out, "\nLatency, publish to handler (%d events): %s\n", len(s.latencies), percentiles(s.latencies))
}

// percentiles formats p50, p90, p99 and max of ds (nearest rank).
func percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n/a"
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(sorted))+0.999999) - 1
		return sorted[max(0, min(i, len(sorted)-1))]
	}
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s", r(at(0.5)), r(at(0.9)), r(at(0.99)), r(sorted[len(sorted)-1]))
}

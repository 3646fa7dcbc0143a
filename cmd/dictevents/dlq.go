package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/events"
	"github.com/lbpay-lab/dict-events/middleware"
)

func runDLQ(ctx context.Context, args []string, env func(string) string, out io.Writer) error {
	var cfg broker.Config
	fs := newFlagSet("dlq", "dlq [flags] list|replay", out)
	if err := cfg.RegisterFlags(fs, env); err != nil {
		return err
	}
	idle := fs.Duration("idle", 5*time.Second, "stop after the queue has been quiet this long")
	limit := fs.Int("max", 0, "stop after this many messages (0: no limit)")
	action, err := parseVerb(fs, args)
	if err != nil {
		return err
	}
	if scheme, _, _ := strings.Cut(cfg.URL, "://"); scheme == broker.SchemeMemory {
		return errors.New("dlq needs a broker (--broker pulsar://... or kafka://...): mem:// is private to the process that opened it")
	}
	switch action {
	case "list":
		// A fresh group reads the whole queue from the start and leaves the
		// replay group's position alone.
		if cfg.Consumer.Group == "" {
			cfg.Consumer.Group = "dictevents-dlq-list-" + uuid.NewString()
		}
	case "replay":
		if cfg.Consumer.Group == "" {
			cfg.Consumer.Group = "dictevents-dlq-replay"
		}
	default:
		fs.Usage()
		return errors.New("say list or replay")
	}
	backend, err := broker.Open(cfg, newLogger(env))
	if err != nil {
		return err
	}
	defer backend.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs, err := backend.Subscriber.Subscribe(ctx, events.TopicDLQ)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", events.TopicDLQ, err)
	}

	n := 0
	for *limit == 0 || n < *limit {
		var msg *message.Message
		select {
		case msg = <-msgs:
		case <-time.After(*idle):
		case <-ctx.Done():
		}
		if msg == nil {
			break
		}
		printPoisoned(out, msg)
		if action == "replay" {
			if err := replay(backend.Publisher, msg); err != nil {
				msg.Nack()
				return fmt.Errorf("replay %s (left in the queue): %w", msg.UUID, err)
			}
			fmt.Fprintf(out, "    replayed to %s\n", msg.Metadata.Get(middleware.MetadataPoisonTopic))
		}
		msg.Ack()
		n++
	}
	fmt.Fprintf(out, "%d message(s) %s\n", n, map[string]string{"list": "listed", "replay": "replayed"}[action])
	return nil
}

func printPoisoned(out io.Writer, m *message.Message) {
	md := m.Metadata
	fmt.Fprintf(out, "%s %s from %s (handler %s, %s attempt(s), permanent=%s, correlation %s)\n    reason: %s\n",
		m.UUID, md.Get(events.MetadataEventType), md.Get(middleware.MetadataPoisonTopic),
		md.Get(middleware.MetadataPoisonHandler), md.Get(middleware.MetadataPoisonAttempts),
		md.Get(middleware.MetadataPoisonPermanent), md.Get(events.MetadataCorrelationID),
		md.Get(middleware.MetadataPoisonReason))
}

// replay publishes a poisoned message back to its original topic with its
// UUID, payload and original metadata, without the poison annotations.
func replay(pub message.Publisher, m *message.Message) error {
	topic := m.Metadata.Get(middleware.MetadataPoisonTopic)
	if topic == "" {
		return errors.New("no origin topic in its metadata")
	}
	out := m.Copy()
	for _, k := range middleware.PoisonMetadataKeys() {
		delete(out.Metadata, k)
	}
	return pub.Publish(topic, out)
}

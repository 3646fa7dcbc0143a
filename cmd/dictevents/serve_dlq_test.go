package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/events"
	"github.com/lbpay-lab/dict-events/middleware"
)

func TestServeExposesHealthAndMetricsAndStopsOnSignal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--metrics-addr", "127.0.0.1:0"}, noEnv, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	require.True(t, lines.Scan(), "serve printed nothing")
	addr := regexp.MustCompile(`http://(\S+)`).FindStringSubmatch(lines.Text())
	require.Len(t, addr, 2, "no address in %q", lines.Text())

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr[1] + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}
	code, _ := get("/healthz")
	assert.Equal(t, http.StatusOK, code)
	code, _ = get("/readyz")
	assert.Equal(t, http.StatusOK, code)
	code, body := get("/metrics")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "go_goroutines")
	assert.Contains(t, body, `dictevents_events_handled_total{event_type="EntryCreated"} 0`)

	cancel() // what SIGTERM does
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
}

type recorder struct {
	topic string
	msg   *message.Message
}

func (r *recorder) Publish(topic string, msgs ...*message.Message) error {
	r.topic, r.msg = topic, msgs[0]
	return nil
}
func (r *recorder) Close() error { return nil }

func TestReplayRestoresTheOriginalMessage(t *testing.T) {
	m := message.NewMessage("uuid-1", []byte("payload"))
	m.Metadata.Set(events.MetadataEventType, events.EventTypeEntryUpdated)
	m.Metadata.Set(events.MetadataCorrelationID, "c1")
	for k, v := range map[string]string{
		middleware.MetadataPoisonReason: "boom", middleware.MetadataPoisonTopic: events.TopicEntryUpdated,
		middleware.MetadataPoisonHandler: "h", middleware.MetadataPoisonSubscriber: "s",
		middleware.MetadataPoisonAttempts: "4", middleware.MetadataPoisonPermanent: "false",
	} {
		m.Metadata.Set(k, v)
	}
	var r recorder
	require.NoError(t, replay(&r, m))
	assert.Equal(t, events.TopicEntryUpdated, r.topic)
	assert.Equal(t, "uuid-1", r.msg.UUID)
	assert.Equal(t, "payload", string(r.msg.Payload))
	assert.Equal(t, message.Metadata{events.MetadataEventType: events.EventTypeEntryUpdated, events.MetadataCorrelationID: "c1"}, r.msg.Metadata)
	assert.Equal(t, "boom", m.Metadata.Get(middleware.MetadataPoisonReason), "the poisoned message itself is untouched")

	err := replay(&r, message.NewMessage("no-origin", nil))
	assert.ErrorContains(t, err, "no origin topic")
}

func TestPrintPoisoned(t *testing.T) {
	m := message.NewMessage("u", nil)
	m.Metadata.Set(middleware.MetadataPoisonReason, "ledger down")
	m.Metadata.Set(middleware.MetadataPoisonAttempts, "4")
	var b strings.Builder
	printPoisoned(&b, m)
	assert.Contains(t, b.String(), "4 attempt(s)")
	assert.Contains(t, b.String(), "reason: ledger down")
}

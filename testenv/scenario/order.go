package scenario

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/router"
)

// OrderPerKey publishes 40 updates to each of 50 keys, one goroutine per key
// publishing its updates one after the other (all keys at once), consumes
// them with 4 parallel consumers, and checks that each key's updates reach
// the handler in publish order. Redeliveries may replay earlier updates; the
// order is checked on first deliveries: the first delivery of update j of a
// key must come after the first deliveries of updates 0..j-1.
func OrderPerKey(t *testing.T, b Backend) {
	if !b.OrderPerKey {
		t.Skipf("%s does not keep order per key: %s", b.Name, b.NoOrderReason)
	}
	const keys, perKey = 50, 40
	e := newEnv(t, b, func(c *broker.Config) { c.Consumer.Consumers = 4 })
	p := e.producer()
	bases := entrytest.Entries(keys)

	type keyState struct {
		mu         sync.Mutex
		next       int      // sequence expected next on a first delivery
		violations []string // the first few
		late       int      // all of them
	}
	states := make([]*keyState, keys)
	for k := range states {
		states[k] = &keyState{}
	}
	all := newTally[struct{}](keys * perKey)
	var replays atomic.Int64
	e.startRouter("order", e.main, router.Handlers{
		OnUpdated: func(ctx context.Context, ev *eventsv1.EntryUpdatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			k, j, ok := keySeq(name, "order/", keys, perKey)
			if !ok || ev.GetEntry().GetAccountNumber() != account(j) || ev.GetEntry().GetKeyValue() != bases[k].KeyValue {
				t.Errorf("unexpected update %q (account %s)", name, ev.GetEntry().GetAccountNumber())
				return nil
			}
			s := states[k]
			s.mu.Lock()
			switch {
			case j == s.next:
				s.next++
			case j < s.next:
				replays.Add(1)
			default:
				if s.late++; s.late <= 5 {
					s.violations = append(s.violations, fmt.Sprintf("update %d arrived when %d was next", j, s.next))
				}
			}
			s.mu.Unlock()
			// A little work, so that handlers of different keys interleave.
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
			all.add(name, struct{}{})
			return nil
		},
	})

	parallel(t, keys, keys, func(k int) error {
		for j := range perKey {
			u := *bases[k]
			u.AccountNumber = account(j)
			u.UpdatedAt = bases[k].UpdatedAt.Add(time.Duration(j) * time.Second)
			if err := p.PublishUpdated(e.ctx(fmt.Sprintf("order/%d/%d", k, j)), &u, userID); err != nil {
				return err
			}
		}
		return nil
	})
	if t.Failed() {
		return
	}
	all.wait(e, "updates")
	if n := replays.Load(); n > 0 {
		t.Logf("%d replayed updates (redeliveries), ignored for the order check", n)
	}
	for k, s := range states {
		s.mu.Lock()
		if len(s.violations) > 0 {
			t.Errorf("key %d (%s): %d updates out of order, first: %s", k, bases[k].KeyType, s.late, strings.Join(s.violations, "; "))
		}
		if s.next != perKey {
			t.Errorf("key %d: %d of %d updates in order", k, s.next, perKey)
		}
		s.mu.Unlock()
	}
}

func account(seq int) string { return fmt.Sprintf("%010d", 5000000+seq) }

// keySeq parses "<prefix><k>/<j>".
func keySeq(name, prefix string, keys, perKey int) (k, j int, ok bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, 0, false
	}
	ks, js, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, 0, false
	}
	k, err1 := strconv.Atoi(ks)
	j, err2 := strconv.Atoi(js)
	return k, j, err1 == nil && err2 == nil && k >= 0 && k < keys && j >= 0 && j < perKey
}

package scenario

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// parallel runs do(0..n-1) on workers goroutines and reports every error.
func parallel(t *testing.T, workers, n int, do func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	next := make(chan int)
	var failures atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := do(i); err != nil && failures.Add(1) <= 5 {
					t.Errorf("publish %d: %v", i, err)
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if f := failures.Load(); f > 5 {
		t.Errorf("... %d publishes failed in all", f)
	}
}

// index parses "<prefix><i>" with 0 <= i < n.
func index(name, prefix string, n int) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	return i, err == nil && i >= 0 && i < n
}

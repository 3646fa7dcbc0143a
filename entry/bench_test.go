package entry_test

import (
	"testing"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
)

func BenchmarkValidate(b *testing.B) {
	for _, kt := range entry.KeyTypes() {
		e := entrytest.Entry(kt, 1)
		b.Run(string(kt), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := e.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

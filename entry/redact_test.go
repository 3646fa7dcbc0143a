package entry_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
)

func TestPrintingAndLoggingAnEntryMasksPersonalData(t *testing.T) {
	for _, kt := range entry.KeyTypes() {
		e := entrytest.Entry(kt, 3)
		var logged bytes.Buffer
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("entry", "value", *e, "pointer", e)
		outputs := map[string]string{
			"%v": fmt.Sprintf("%v", *e), "%+v": fmt.Sprintf("%+v", *e), "%#v": fmt.Sprintf("%#v", *e),
			"%s": fmt.Sprintf("%s", e), "%v pointer": fmt.Sprintf("%v", e), "slog": logged.String(),
		}
		for how, out := range outputs {
			for _, secret := range []string{e.KeyValue, e.OwnerTaxID, e.OwnerName} {
				assert.NotContains(t, out, secret, "%s %s", kt, how)
			}
			assert.Contains(t, out, e.ID.String(), "%s %s keeps the ID", kt, how)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "a": "*", "ab": "*b", "abcd": "***d", "abcde": "***de",
		"24843803480": "*********80", "José": "***é",
	} {
		assert.Equal(t, want, entry.Mask(in), in)
	}
}

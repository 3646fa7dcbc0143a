package entry

import (
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// String describes e without personal data: the key, tax ID and names are
// masked (see Mask). Printing an entry with fmt (%v, %+v, %s) or logging it
// with log/slog therefore never shows them whole; JSON encoding is
// unaffected.
func (e Entry) String() string {
	return fmt.Sprintf("Entry{id=%s key_type=%s key=%s ispb=%s owner_type=%s owner_tax_id=%s owner_name=%s status=%s}",
		e.ID, e.KeyType, Mask(e.KeyValue), e.ISPB, e.OwnerType, Mask(e.OwnerTaxID), Mask(e.OwnerName), e.Status)
}

// GoString is String, so %#v masks too.
func (e Entry) GoString() string { return e.String() }

// LogValue makes slog log the entry's identifiers with its personal data
// masked.
func (e Entry) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", e.ID.String()),
		slog.String("key_type", string(e.KeyType)),
		slog.String("key", Mask(e.KeyValue)),
		slog.String("ispb", e.ISPB),
		slog.String("owner_type", string(e.OwnerType)),
		slog.String("owner_tax_id", Mask(e.OwnerTaxID)),
		slog.String("owner_name", Mask(e.OwnerName)),
		slog.String("status", string(e.Status)),
	)
}

// Mask hides all of s but its last two characters (one for strings of two
// to four, none for a single character), enough to tell values apart in a log line without revealing them:
// Mask("24843803480") is "*********80". The empty string stays empty.
func Mask(s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	keep := 2
	if n <= 4 {
		keep = min(1, n-1)
	}
	runes := []rune(s)
	return strings.Repeat("*", n-keep) + string(runes[n-keep:])
}

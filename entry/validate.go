package entry

import (
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Length limits of owner names, in characters (runes, not bytes).
const (
	// MaxNameLength is the longest OwnerName the DICT accepts.
	MaxNameLength = 120
	// MaxTradeNameLength is the longest OwnerTradeName the DICT accepts.
	MaxTradeNameLength = 100
)

// Validate checks e against the DICT rules and returns nil or an error
// holding every failure. Each failure is a *ValidationError wrapping
// ErrInvalidEntry; several are joined with errors.Join, so errors.Is,
// errors.As and Violations all work, and the message lists one failure per
// line. Messages never contain the values checked.
//
// The rules, by field:
//   - id: not uuid.Nil;
//   - key_type, key_value: see ValidateKey;
//   - ispb: 8 digits;
//   - branch: empty, or 1 to 4 digits;
//   - account_number: 1 to 20 digits;
//   - account_type, owner_type: one of AccountTypes, OwnerTypes;
//   - opening_date: set (the DICT requires the account's opening date);
//   - owner_tax_id: a valid CPF for a natural person, a valid CNPJ for a
//     legal person;
//   - a CPF key must belong to a natural person and a CNPJ key to a legal
//     person whose tax ID is the key (RuleOwnerMismatch, which maps to the
//     DICT error EntryTaxIdNumberByDifferentOwner);
//   - owner_name: not blank, valid UTF-8, at most MaxNameLength characters;
//   - owner_trade_name: empty for a natural person; otherwise valid UTF-8
//     and at most MaxTradeNameLength characters;
//   - status: empty or one of KeyStatuses.
//
// Each field reports at most one failure, the first rule it breaks.
func (e *Entry) Validate() error {
	var v violations
	if e == nil {
		v.add(FieldEntry, RuleRequired)
		return v.err()
	}
	if e.ID == uuid.Nil {
		v.add(FieldID, RuleRequired)
	}

	keyOK := false
	if rule := enumRule(string(e.KeyType), e.KeyType.Valid()); rule != "" {
		v.add(FieldKeyType, rule)
	} else {
		rule := keyRule(e.KeyType, e.KeyValue)
		v.add(FieldKeyValue, rule)
		keyOK = rule == ""
	}

	v.add(FieldISPB, ispbRule(e.ISPB))
	if e.Branch != "" && !allDigits(e.Branch, 1, 4) {
		v.add(FieldBranch, RuleFormat)
	}
	switch {
	case e.AccountNumber == "":
		v.add(FieldAccountNumber, RuleRequired)
	case !allDigits(e.AccountNumber, 1, 20):
		v.add(FieldAccountNumber, RuleFormat)
	}
	v.add(FieldAccountType, enumRule(string(e.AccountType), e.AccountType.Valid()))
	if e.OpeningDate.IsZero() {
		v.add(FieldOpeningDate, RuleRequired)
	}

	v.add(FieldOwnerType, enumRule(string(e.OwnerType), e.OwnerType.Valid()))
	taxRule := e.taxIDRule()
	v.add(FieldOwnerTaxID, taxRule)
	if keyOK && (e.KeyType == KeyTypeCPF || e.KeyType == KeyTypeCNPJ) {
		e.checkKeyOwner(&v, taxRule == "")
	}

	if strings.TrimSpace(e.OwnerName) == "" {
		v.add(FieldOwnerName, RuleRequired)
	} else {
		v.add(FieldOwnerName, textRule(e.OwnerName, MaxNameLength))
	}
	if e.OwnerTradeName != "" {
		if e.OwnerType == OwnerTypeNaturalPerson {
			v.add(FieldOwnerTradeName, RuleNotAllowed)
		} else {
			v.add(FieldOwnerTradeName, textRule(e.OwnerTradeName, MaxTradeNameLength))
		}
	}

	if e.Status != "" && !e.Status.Valid() {
		v.add(FieldStatus, RuleUnknownValue)
	}
	return v.err()
}

// taxIDRule returns the rule OwnerTaxID fails for OwnerType, or "". With an
// unknown owner type only emptiness can be checked.
func (e *Entry) taxIDRule() string {
	switch {
	case e.OwnerTaxID == "":
		return RuleRequired
	case e.OwnerType == OwnerTypeNaturalPerson:
		return cpfRule(e.OwnerTaxID)
	case e.OwnerType == OwnerTypeLegalPerson:
		return cnpjRule(e.OwnerTaxID)
	}
	return ""
}

// checkKeyOwner checks that a valid CPF or CNPJ key belongs to the owner:
// right owner type and, when the tax ID is valid, the same number.
func (e *Entry) checkKeyOwner(v *violations, taxIDOK bool) {
	want := OwnerTypeNaturalPerson
	if e.KeyType == KeyTypeCNPJ {
		want = OwnerTypeLegalPerson
	}
	switch {
	case !e.OwnerType.Valid():
		// Already reported on owner_type.
	case e.OwnerType != want:
		v.add(FieldOwnerType, RuleOwnerMismatch)
	case taxIDOK && e.OwnerTaxID != e.KeyValue:
		v.add(FieldKeyValue, RuleOwnerMismatch)
	}
}

// textRule returns the rule a name fails, or "": it must be valid UTF-8 and
// at most maxLen characters long, counted in runes since names carry
// accents.
func textRule(name string, maxLen int) string {
	switch {
	case !utf8.ValidString(name):
		return RuleFormat
	case utf8.RuneCountInString(name) > maxLen:
		return RuleMaxLength
	}
	return ""
}

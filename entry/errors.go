package entry

import "errors"

// ErrInvalidEntry is the sentinel every validation failure wraps: test for it
// with errors.Is(err, entry.ErrInvalidEntry).
var ErrInvalidEntry = errors.New("invalid DICT entry")

// DICT error names a ValidationError maps to (see ValidationError.Code).
const (
	// CodeEntryInvalid is the DICT error for invalid fields in an entry.
	CodeEntryInvalid = "EntryInvalid"
	// CodeEntryTaxIDNumberByDifferentOwner is the DICT error for a CPF or
	// CNPJ key that differs from the owner's tax ID.
	CodeEntryTaxIDNumberByDifferentOwner = "EntryTaxIdNumberByDifferentOwner"
)

// Field names used in ValidationError.Field. They match the JSON names of
// the Entry fields.
const (
	FieldEntry          = "entry"
	FieldID             = "id"
	FieldKeyType        = "key_type"
	FieldKeyValue       = "key_value"
	FieldISPB           = "ispb"
	FieldBranch         = "branch"
	FieldAccountNumber  = "account_number"
	FieldAccountType    = "account_type"
	FieldOwnerName      = "owner_name"
	FieldOwnerTradeName = "owner_trade_name"
	FieldOwnerTaxID     = "owner_tax_id"
	FieldOwnerType      = "owner_type"
	FieldStatus         = "status"
	FieldOpeningDate    = "opening_date"
)

// Rule names used in ValidationError.Rule.
const (
	// RuleRequired: the field is empty (or blank) but must be set.
	RuleRequired = "required"
	// RuleFormat: the value does not match the field's format.
	RuleFormat = "format"
	// RuleMaxLength: the value has more characters than allowed.
	RuleMaxLength = "max_length"
	// RuleCheckDigits: the CPF or CNPJ check digits do not match.
	RuleCheckDigits = "check_digits"
	// RuleRepeatedDigits: the CPF or CNPJ is one character repeated.
	RuleRepeatedDigits = "repeated_digits"
	// RuleLowercase: the key must be lowercase (EMAIL and EVP keys).
	RuleLowercase = "lowercase"
	// RuleUnknownValue: the enum value is not one this package knows.
	RuleUnknownValue = "unknown_value"
	// RuleNotAllowed: the field must be empty here (a trade name for a
	// natural person).
	RuleNotAllowed = "not_allowed"
	// RuleOwnerMismatch: a CPF or CNPJ key does not belong to the owner,
	// either because the owner type is wrong for the key type or because
	// the owner's tax ID differs from the key.
	RuleOwnerMismatch = "owner_mismatch"
)

// ValidationError is one failed rule on one field. Its message names the
// field and the rule but never the value, which may be personal data.
type ValidationError struct {
	// Field is the JSON name of the field that failed, one of the Field
	// constants.
	Field string
	// Rule is the rule that failed, one of the Rule constants.
	Rule string
}

// Code returns the DICT error name that fits the failure:
// CodeEntryTaxIDNumberByDifferentOwner for RuleOwnerMismatch, otherwise
// CodeEntryInvalid.
func (e *ValidationError) Code() string {
	if e.Rule == RuleOwnerMismatch {
		return CodeEntryTaxIDNumberByDifferentOwner
	}
	return CodeEntryInvalid
}

// Error returns "<code>: <field>: <rule>", e.g.
// "EntryInvalid: key_value: check_digits".
func (e *ValidationError) Error() string {
	return e.Code() + ": " + e.Field + ": " + e.Rule
}

// Unwrap returns ErrInvalidEntry.
func (e *ValidationError) Unwrap() error {
	return ErrInvalidEntry
}

// Violations returns every *ValidationError in err's tree, in order: all
// the failures of a Validate call, or nil when err holds none.
func Violations(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *ValidationError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// violations collects failures during a validation.
type violations []error

// add records a failure of rule on field; an empty rule means no failure.
func (v *violations) add(field, rule string) {
	if rule != "" {
		*v = append(*v, &ValidationError{Field: field, Rule: rule})
	}
}

// err returns nil, the single failure, or all failures joined.
func (v violations) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return v[0]
	}
	return errors.Join(v...)
}

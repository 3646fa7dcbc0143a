package entry

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxKeyLength is the longest addressing key the DICT accepts, in
// characters. It also bounds EMAIL keys.
const MaxKeyLength = 77

// Key formats from the DICT API specification.
var (
	// phonePattern is the DICT's PHONE regex, kept as published: "+", a
	// non-zero digit, a digit, then 1 to 14 digits (3 to 16 digits in all).
	phonePattern = regexp.MustCompile(`^\+[1-9][0-9][0-9]{1,14}$`)
	// emailPattern is the DICT's EMAIL regex (without '%', removed in
	// v1.7.2 of the API).
	emailPattern = regexp.MustCompile("^[a-z0-9.!#$&'*+/=?^_`{|}~-]+" +
		`@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$`)
	// evpPattern is the DICT's EVP regex, anchored.
	evpPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// ValidateKey checks an addressing key on its own, as needed where only the
// key is known (deletion events carry no account or owner). It reports the
// same failures as Entry.Validate does for the key_type and key_value
// fields: a *ValidationError wrapping ErrInvalidEntry, or nil.
//
// The formats are:
//   - CPF: 11 digits, valid check digits, not all the same digit;
//   - CNPJ: 14 digits, or 12 characters of [0-9A-Z] and 2 digits, with
//     valid check digits;
//   - PHONE: "+" then 3 to 16 digits, the first not 0 (the DICT regex);
//   - EMAIL: lowercase, matching the DICT regex;
//   - EVP: a lowercase UUID in 8-4-4-4-12 form.
//
// No key may be longer than MaxKeyLength characters.
func ValidateKey(keyType KeyType, keyValue string) error {
	var v violations
	if rule := enumRule(string(keyType), keyType.Valid()); rule != "" {
		v.add(FieldKeyType, rule)
	} else {
		v.add(FieldKeyValue, keyRule(keyType, keyValue))
	}
	return v.err()
}

// ValidateISPB checks a participant's ISPB: exactly 8 digits. It returns a
// *ValidationError wrapping ErrInvalidEntry, or nil.
func ValidateISPB(ispb string) error {
	var v violations
	v.add(FieldISPB, ispbRule(ispb))
	return v.err()
}

// keyRule returns the first rule value fails as a key of type t (which must
// be valid), or "" if it passes.
func keyRule(t KeyType, value string) string {
	if value == "" {
		return RuleRequired
	}
	if utf8.RuneCountInString(value) > MaxKeyLength {
		return RuleMaxLength
	}
	switch t {
	case KeyTypeCPF:
		return cpfRule(value)
	case KeyTypeCNPJ:
		return cnpjRule(value)
	case KeyTypePhone:
		return patternRule(phonePattern, value)
	case KeyTypeEmail, KeyTypeEVP:
		if strings.IndexFunc(value, unicode.IsUpper) >= 0 {
			return RuleLowercase
		}
		if t == KeyTypeEmail {
			return patternRule(emailPattern, value)
		}
		return patternRule(evpPattern, value)
	}
	return RuleUnknownValue
}

// ispbRule returns the rule ispb fails, or "".
func ispbRule(ispb string) string {
	switch {
	case ispb == "":
		return RuleRequired
	case !allDigits(ispb, 8, 8):
		return RuleFormat
	}
	return ""
}

// patternRule returns RuleFormat unless p matches s.
func patternRule(p *regexp.Regexp, s string) string {
	if p.MatchString(s) {
		return ""
	}
	return RuleFormat
}

// enumRule returns RuleRequired for an empty value, RuleUnknownValue for an
// invalid one, or "".
func enumRule(value string, valid bool) string {
	switch {
	case value == "":
		return RuleRequired
	case !valid:
		return RuleUnknownValue
	}
	return ""
}

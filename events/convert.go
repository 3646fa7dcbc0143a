package events

import (
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lbpay-lab/dict-events/entry"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
)

// Wire enum names are the proto names with their prefix; a value this
// module does not know travels as UNSPECIFIED on the way out and keeps its
// number on the way in (proto3 enums are open).
var (
	keyTypes = map[entry.KeyType]eventsv1.KeyType{
		entry.KeyTypeCPF:   eventsv1.KeyType_KEY_TYPE_CPF,
		entry.KeyTypeCNPJ:  eventsv1.KeyType_KEY_TYPE_CNPJ,
		entry.KeyTypeEmail: eventsv1.KeyType_KEY_TYPE_EMAIL,
		entry.KeyTypePhone: eventsv1.KeyType_KEY_TYPE_PHONE,
		entry.KeyTypeEVP:   eventsv1.KeyType_KEY_TYPE_EVP,
	}
	accountTypes = map[entry.AccountType]eventsv1.AccountType{
		entry.AccountTypeCACC: eventsv1.AccountType_ACCOUNT_TYPE_CACC,
		entry.AccountTypeSVGS: eventsv1.AccountType_ACCOUNT_TYPE_SVGS,
		entry.AccountTypeSLRY: eventsv1.AccountType_ACCOUNT_TYPE_SLRY,
		entry.AccountTypeTRAN: eventsv1.AccountType_ACCOUNT_TYPE_TRAN,
	}
	ownerTypes = map[entry.OwnerType]eventsv1.OwnerType{
		entry.OwnerTypeNaturalPerson: eventsv1.OwnerType_OWNER_TYPE_NATURAL_PERSON,
		entry.OwnerTypeLegalPerson:   eventsv1.OwnerType_OWNER_TYPE_LEGAL_PERSON,
	}
)

func reverse[K, V comparable](m map[K]V, v V) (K, bool) {
	for k, mv := range m {
		if mv == v {
			return k, true
		}
	}
	var zero K
	return zero, false
}

// KeyTypeToProto maps a domain key type to the wire enum.
func KeyTypeToProto(t entry.KeyType) eventsv1.KeyType { return keyTypes[t] }

// KeyTypeFromProto maps the wire enum to a domain key type; an unknown value
// becomes its proto name or number, so it is kept rather than lost.
func KeyTypeFromProto(t eventsv1.KeyType) entry.KeyType {
	if k, ok := reverse(keyTypes, t); ok {
		return k
	}
	return entry.KeyType(t.String())
}

// EntryToProto converts a domain entry to its wire form.
func EntryToProto(e *entry.Entry) *eventsv1.Entry {
	return &eventsv1.Entry{
		Id:             e.ID.String(),
		KeyType:        KeyTypeToProto(e.KeyType),
		KeyValue:       e.KeyValue,
		Ispb:           e.ISPB,
		Branch:         e.Branch,
		AccountNumber:  e.AccountNumber,
		AccountType:    accountTypes[e.AccountType],
		OwnerName:      e.OwnerName,
		OwnerTradeName: e.OwnerTradeName,
		OwnerTaxId:     e.OwnerTaxID,
		OwnerType:      ownerTypes[e.OwnerType],
		OpeningDate:    timestamp(e.OpeningDate),
		Status:         string(e.Status),
		CreatedAt:      timestamp(e.CreatedAt),
		UpdatedAt:      timestamp(e.UpdatedAt),
	}
}

// EntryFromProto converts the wire form back to a domain entry. An ID that
// is not a UUID becomes uuid.Nil, which Validate rejects.
func EntryFromProto(p *eventsv1.Entry) *entry.Entry {
	id, _ := uuid.Parse(p.GetId())
	accountType, ok := reverse(accountTypes, p.GetAccountType())
	if !ok {
		accountType = entry.AccountType(p.GetAccountType().String())
	}
	ownerType, ok := reverse(ownerTypes, p.GetOwnerType())
	if !ok {
		ownerType = entry.OwnerType(p.GetOwnerType().String())
	}
	return &entry.Entry{
		ID:             id,
		KeyType:        KeyTypeFromProto(p.GetKeyType()),
		KeyValue:       p.GetKeyValue(),
		ISPB:           p.GetIspb(),
		Branch:         p.GetBranch(),
		AccountNumber:  p.GetAccountNumber(),
		AccountType:    accountType,
		OwnerName:      p.GetOwnerName(),
		OwnerTradeName: p.GetOwnerTradeName(),
		OwnerTaxID:     p.GetOwnerTaxId(),
		OwnerType:      ownerType,
		OpeningDate:    fromTimestamp(p.GetOpeningDate()),
		Status:         entry.KeyStatus(p.GetStatus()),
		CreatedAt:      fromTimestamp(p.GetCreatedAt()),
		UpdatedAt:      fromTimestamp(p.GetUpdatedAt()),
	}
}

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func fromTimestamp(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

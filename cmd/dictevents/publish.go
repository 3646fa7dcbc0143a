package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lbpay-lab/dict-events/entry"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/publisher"
)

func runPublish(ctx context.Context, args []string, env func(string) string, out io.Writer) error {
	cfg := publisher.DefaultConfig()
	fs := newFlagSet("publish", "publish [flags] created|updated|deleted", out)
	if err := cfg.Broker.RegisterFlags(fs, env); err != nil {
		return err
	}
	var e entry.Entry
	jsonPath := fs.String("json", "", "read the entry from this JSON file ('-' for stdin); see entry.Entry for the field names")
	user := fs.String("user", "", "ID of the acting user (required)")
	correlation := fs.String("correlation-id", "", "correlation ID (default: a new UUID)")
	secret := fs.String("partition-key-secret", env("DICTEVENTS_PARTITION_KEY_SECRET"), "HMAC secret of partition keys (env DICTEVENTS_PARTITION_KEY_SECRET)")
	id := fs.String("id", "", "entry ID (UUID)")
	keyType := fs.String("key-type", "", "key type: CPF, CNPJ, EMAIL, PHONE, EVP")
	fs.StringVar(&e.KeyValue, "key", "", "key value")
	fs.StringVar(&e.ISPB, "ispb", "", "participant ISPB (8 digits)")
	fs.StringVar(&e.Branch, "branch", "", "branch (up to 4 digits)")
	fs.StringVar(&e.AccountNumber, "account", "", "account number")
	accountType := fs.String("account-type", "CACC", "account type: CACC, SVGS, SLRY, TRAN")
	fs.StringVar(&e.OwnerName, "owner-name", "", "owner name")
	fs.StringVar(&e.OwnerTradeName, "owner-trade-name", "", "legal person's trade name")
	fs.StringVar(&e.OwnerTaxID, "owner-tax-id", "", "owner CPF or CNPJ")
	ownerType := fs.String("owner-type", "NATURAL_PERSON", "NATURAL_PERSON or LEGAL_PERSON")
	openingDate := fs.String("opening-date", "", "account opening date, YYYY-MM-DD")
	deletion := fs.String("deletion-type", "immediate", "for deleted: immediate or waiting_period")
	kind, err := parseVerb(fs, args)
	if err != nil {
		return err
	}
	if kind == "" {
		fs.Usage()
		return errors.New("say which event: created, updated or deleted")
	}
	e.KeyType, e.AccountType, e.OwnerType = entry.KeyType(*keyType), entry.AccountType(*accountType), entry.OwnerType(*ownerType)
	if *openingDate != "" {
		d, err := time.Parse(time.DateOnly, *openingDate)
		if err != nil {
			return fmt.Errorf("--opening-date: want YYYY-MM-DD: %w", err)
		}
		e.OpeningDate = d
	}
	if *id != "" {
		parsed, err := uuid.Parse(*id)
		if err != nil {
			return fmt.Errorf("--id: %w", err)
		}
		e.ID = parsed
	}
	if *jsonPath != "" {
		if err := readEntryJSON(*jsonPath, &e); err != nil {
			return err
		}
	}
	cfg.PartitionKeySecret = *secret
	cfg.Logger = newLogger(env)
	p, err := publisher.NewEntryEventProducer(cfg.Broker.URL, publisher.WithConfig(cfg))
	if err != nil {
		return err
	}
	defer p.Close()
	if *correlation == "" {
		*correlation = uuid.NewString()
	}
	ctx = middleware.WithCorrelationID(ctx, *correlation)

	switch kind {
	case "created":
		err = p.PublishCreated(ctx, &e, *user)
	case "updated":
		err = p.PublishUpdated(ctx, &e, *user)
	case "deleted":
		dt, ok := map[string]eventsv1.EntryDeletedEvent_DeletionType{
			"immediate":      eventsv1.EntryDeletedEvent_DELETION_TYPE_IMMEDIATE,
			"waiting_period": eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD,
		}[strings.ToLower(*deletion)]
		if !ok {
			return fmt.Errorf("--deletion-type %q: use immediate or waiting_period", *deletion)
		}
		err = p.PublishDeleted(ctx, e.ID, e.KeyValue, e.KeyType, e.ISPB, dt, *user)
	default:
		return fmt.Errorf("unknown event %q: use created, updated or deleted", kind)
	}
	if err != nil {
		return err
	}
	if err := p.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "published %s event for entry %s (correlation ID %s) to %s\n", kind, e.ID, *correlation, redactURL(cfg.Broker.URL))
	return nil
}

func readEntryJSON(path string, e *entry.Entry) error {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(e); err != nil {
		return fmt.Errorf("read entry JSON: %w", err)
	}
	return nil
}

// redactURL keeps the scheme and hosts of a broker URL; URLs here carry no
// credentials, but print nothing after the hosts in case one does.
func redactURL(u string) string {
	if i := strings.Index(u, "@"); i >= 0 {
		scheme, _, _ := strings.Cut(u, "://")
		return scheme + "://***" + u[i:]
	}
	return u
}

package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func noEnv(string) string { return "" }

func TestDemoSummary(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"demo", "--entries-per-type", "2", "--retry-delay", "1ms"}, noEnv, &out))
	s := out.String()
	// 10 entries: 10 created, 5 updated (one rejected), 3 + 2 deleted.
	for _, row := range []string{
		`dict.entries.created\s+10\s+10\s+0`,
		`dict.entries.updated\s+5\s+4\s+1`,
		`dict.entries.deleted.immediate\s+3\s+3\s+0`,
		`dict.entries.deleted.waiting_period\s+2\s+2\s+0`,
		`succeeded after a retry\s+1`,
		`rejected \(poison queue\)\s+1`,
		`reason: .*branch 9999 is closed`,
		`Latency, publish to handler \(19 events\): p50 `,
	} {
		assert.Regexp(t, regexp.MustCompile(row), s)
	}
}

func TestPublishFromJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.json")
	require.NoError(t, os.WriteFile(path, []byte(`{
		"id": "0b9a4c5e-6f4f-4a8e-9d3c-2f1d7c6b5a41", "key_type": "CPF", "key_value": "24843803480",
		"ispb": "26264220", "branch": "1", "account_number": "123456", "account_type": "CACC",
		"owner_name": "Maria Silva", "owner_tax_id": "24843803480", "owner_type": "NATURAL_PERSON",
		"opening_date": "2020-01-02T00:00:00Z"}`), 0o600))
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"publish", "--json", path, "--user", "u1", "created"}, noEnv, &out))
	assert.Contains(t, out.String(), "published created event for entry 0b9a4c5e-6f4f-4a8e-9d3c-2f1d7c6b5a41")
}

func TestPublishRefusesInvalidEntryWithoutLeakingIt(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"publish", "--user", "u", "--id", "0b9a4c5e-6f4f-4a8e-9d3c-2f1d7c6b5a41",
		"--key-type", "CPF", "--key", "24843803481", "--ispb", "26264220", "--account", "1",
		"--owner-name", "Maria Secreta", "--owner-tax-id", "24843803481", "created"}, noEnv, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "check_digits")
	assert.NotContains(t, err.Error(), "24843803481")
	assert.NotContains(t, err.Error(), "Secreta")
}

func TestHelpAndErrors(t *testing.T) {
	for _, cmd := range []string{"demo", "publish", "serve", "dlq", "load"} {
		var out bytes.Buffer
		err := run(context.Background(), []string{cmd, "--help"}, noEnv, &out)
		assert.ErrorIs(t, err, flag.ErrHelp, cmd)
		assert.Contains(t, out.String(), "Usage: dictevents "+cmd)
		assert.Contains(t, out.String(), "DICTEVENTS_BROKER_URL")
	}
	var out bytes.Buffer
	assert.ErrorContains(t, run(context.Background(), []string{"nope"}, noEnv, &out), `unknown subcommand "nope"`)
	assert.ErrorContains(t, run(context.Background(), []string{"demo", "--broker", "amqp://x:1"}, noEnv, &out), "accepted: mem://")
	assert.ErrorContains(t, run(context.Background(), []string{"demo"}, func(k string) string {
		return map[string]string{"DICTEVENTS_CONSUMERS": "lots"}[k]
	}, &out), "DICTEVENTS_CONSUMERS")
}

func TestVerbBeforeOrAfterFlags(t *testing.T) {
	tests := []struct {
		args    []string
		verb    string
		wantErr string
	}{
		{[]string{"list", "--broker", "kafka://k:1"}, "list", ""},
		{[]string{"--broker", "kafka://k:1", "list"}, "list", ""},
		{[]string{"--broker", "kafka://k:1"}, "", ""},
		{[]string{"list", "--broker", "kafka://k:1", "extra"}, "", "unexpected arguments"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		url := fs.String("broker", "", "")
		verb, err := parseVerb(fs, tt.args)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, tt.args)
			continue
		}
		require.NoError(t, err, tt.args)
		assert.Equal(t, tt.verb, verb, tt.args)
		assert.Equal(t, "kafka://k:1", *url, tt.args)
	}
}

func TestDLQRefusesTheInProcessBus(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"dlq", "list"}, noEnv, &out)
	assert.ErrorContains(t, err, "dlq needs a broker")
}

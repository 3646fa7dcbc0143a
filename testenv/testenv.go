// Package testenv connects integration tests to the real Apache Pulsar and
// Apache Kafka brokers that the testenv/brokers script runs on 127.0.0.1.
//
// Integration tests run only when DICTEVENTS_INTEGRATION=1 (as `make test`
// sets it). Without it, the helpers below skip the calling test with a message
// that says how to run it. With it, a broker that cannot be reached fails the
// test: a requested integration run never passes by skipping.
//
//	func TestSomething(t *testing.T) {
//		url := testenv.PulsarURL(t) // skips, fails, or returns the URL
//		...
//	}
package testenv

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Environment variables read by this package.
const (
	// EnvIntegration must be "1" for integration tests to run.
	EnvIntegration = "DICTEVENTS_INTEGRATION"
	// EnvPulsarURL overrides DefaultPulsarURL.
	EnvPulsarURL = "PULSAR_URL"
	// EnvPulsarAdminURL overrides DefaultPulsarAdminURL.
	EnvPulsarAdminURL = "PULSAR_ADMIN_URL"
	// EnvKafkaBrokers overrides DefaultKafkaBrokers (comma-separated host:port list).
	EnvKafkaBrokers = "KAFKA_BROKERS"
)

// Addresses of the brokers started by `testenv/brokers up`.
const (
	// DefaultPulsarURL is the Pulsar binary protocol service URL.
	DefaultPulsarURL = "pulsar://127.0.0.1:6650"
	// DefaultPulsarAdminURL is the Pulsar admin (HTTP) service URL.
	DefaultPulsarAdminURL = "http://127.0.0.1:8080"
	// DefaultKafkaBrokers is the Kafka bootstrap address.
	DefaultKafkaBrokers = "127.0.0.1:9092"
)

// reachTimeout bounds how long a helper tries to reach a broker before it
// fails the test.
const reachTimeout = 5 * time.Second

// Integration reports whether integration tests were requested, that is
// whether DICTEVENTS_INTEGRATION is "1".
func Integration() bool {
	return os.Getenv(EnvIntegration) == "1"
}

// PulsarURL returns the Pulsar service URL for the test (PULSAR_URL, default
// DefaultPulsarURL). It skips t when integration tests were not requested, and
// fails t when they were but the broker does not answer on its binary port and
// on its admin health endpoint within a few seconds.
func PulsarURL(t testing.TB) string {
	t.Helper()
	serviceURL, _ := requirePulsar(t)
	return serviceURL
}

// PulsarAdminURL returns the Pulsar admin HTTP URL for the test
// (PULSAR_ADMIN_URL, default DefaultPulsarAdminURL), with the same skip and
// failure rules as PulsarURL.
func PulsarAdminURL(t testing.TB) string {
	t.Helper()
	_, adminURL := requirePulsar(t)
	return adminURL
}

// KafkaBrokers returns the Kafka bootstrap addresses for the test
// (KAFKA_BROKERS, comma-separated, default DefaultKafkaBrokers). It skips t
// when integration tests were not requested, and fails t when they were but a
// listed broker does not accept a TCP connection within a few seconds.
func KafkaBrokers(t testing.TB) []string {
	t.Helper()
	requireIntegration(t, "Kafka")
	raw := envOr(EnvKafkaBrokers, DefaultKafkaBrokers)
	var brokers []string
	for _, b := range strings.Split(raw, ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	if len(brokers) == 0 {
		t.Fatalf("testenv: %s=%q lists no broker", EnvKafkaBrokers, raw)
	}
	deadline := time.Now().Add(reachTimeout)
	for _, b := range brokers {
		if err := retryUntil(deadline, func() error { return dial(b, deadline) }); err != nil {
			t.Fatalf("testenv: Kafka broker %s is unreachable: %v\n"+
				"Start it with `testenv/brokers up kafka` (from the repository root), "+
				"or set %s to a running broker.", b, err, EnvKafkaBrokers)
		}
	}
	return brokers
}

// RestartCommand returns the command that restarts broker ("pulsar" or
// "kafka") keeping its data, and returns once it serves requests again:
// the absolute path of testenv/brokers, "restart", broker. It is meant for
// Watermill's tests.Features.RestartServiceCommand.
func RestartCommand(broker string) []string {
	return []string{brokersScript(), "restart", broker}
}

// UniqueTopic returns prefix followed by a random UUID, a topic name that no
// other test (or earlier run against the same broker) uses.
func UniqueTopic(prefix string) string {
	return prefix + uuid.NewString()
}

// requireIntegration skips t unless integration tests were requested.
func requireIntegration(t testing.TB, broker string) {
	t.Helper()
	if !Integration() {
		t.Skipf("integration test not run: it needs a real %s broker and %s=1.\n"+
			"Run `make test` (starts the brokers, runs every test, stops them), or "+
			"`testenv/brokers up` and then `%s=1 go test ./...`.",
			broker, EnvIntegration, EnvIntegration)
	}
}

// requirePulsar skips or fails t as PulsarURL documents and returns the
// service and admin URLs.
func requirePulsar(t testing.TB) (serviceURL, adminURL string) {
	t.Helper()
	requireIntegration(t, "Pulsar")
	serviceURL = envOr(EnvPulsarURL, DefaultPulsarURL)
	adminURL = strings.TrimRight(envOr(EnvPulsarAdminURL, DefaultPulsarAdminURL), "/")
	hint := fmt.Sprintf("Start it with `testenv/brokers up pulsar` (from the repository root), "+
		"or set %s and %s to a running broker.", EnvPulsarURL, EnvPulsarAdminURL)

	addr, err := pulsarAddr(serviceURL)
	if err != nil {
		t.Fatalf("testenv: %s=%q: %v", EnvPulsarURL, serviceURL, err)
	}
	deadline := time.Now().Add(reachTimeout)
	if err := retryUntil(deadline, func() error { return dial(addr, deadline) }); err != nil {
		t.Fatalf("testenv: Pulsar is unreachable at %s: %v\n%s", serviceURL, err, hint)
	}
	health := adminURL + "/admin/v2/brokers/health"
	if err := retryUntil(deadline, func() error { return httpOK(health, deadline) }); err != nil {
		t.Fatalf("testenv: Pulsar admin at %s is not healthy: %v\n%s", adminURL, err, hint)
	}
	return serviceURL, adminURL
}

// pulsarAddr returns the host:port of the first host in a Pulsar service URL
// such as pulsar://h1:6650,h2:6650 or pulsar+ssl://h:6651.
func pulsarAddr(serviceURL string) (string, error) {
	u, err := url.Parse(serviceURL)
	if err != nil {
		return "", err
	}
	port := "6650"
	switch u.Scheme {
	case "pulsar":
	case "pulsar+ssl":
		port = "6651"
	default:
		return "", fmt.Errorf("scheme %q is not pulsar:// or pulsar+ssl://", u.Scheme)
	}
	host := strings.Split(u.Host, ",")[0]
	if host == "" {
		return "", errors.New("no host")
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, port)
	}
	return host, nil
}

// retryUntil calls try until it succeeds or deadline passes, and returns the
// last error.
func retryUntil(deadline time.Time, try func() error) error {
	for {
		err := try()
		if err == nil || !time.Now().Before(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func dial(addr string, deadline time.Time) error {
	conn, err := net.DialTimeout("tcp", addr, max(time.Until(deadline), 100*time.Millisecond))
	if err != nil {
		return err
	}
	return conn.Close()
}

func httpOK(u string, deadline time.Time) error {
	client := http.Client{Timeout: max(time.Until(deadline), 100*time.Millisecond)}
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

func envOr(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}

// brokersScript returns the absolute path of testenv/brokers: next to this
// source file, or, when the binary was built with -trimpath (no absolute
// source paths), found by walking up from the working directory, which for
// `go test` is the package directory inside this module.
func brokersScript() string {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		p := filepath.Join(filepath.Dir(file), "brokers")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			p := filepath.Join(dir, "testenv", "brokers")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	// Last resort: relative to the repository root.
	return filepath.Join("testenv", "brokers")
}

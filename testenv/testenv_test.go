package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPulsarAddr(t *testing.T) {
	cases := map[string]string{
		"pulsar://127.0.0.1:6650":          "127.0.0.1:6650",
		"pulsar://localhost":               "localhost:6650",
		"pulsar+ssl://broker":              "broker:6651",
		"pulsar://h1:7000,h2:7000,h3:7000": "h1:7000",
	}
	for in, want := range cases {
		got, err := pulsarAddr(in)
		if err != nil || got != want {
			t.Errorf("pulsarAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"http://127.0.0.1:8080", "pulsar://", "::"} {
		if got, err := pulsarAddr(bad); err == nil {
			t.Errorf("pulsarAddr(%q) = %q, want an error", bad, got)
		}
	}
}

func TestRestartCommand(t *testing.T) {
	cmd := RestartCommand("pulsar")
	if len(cmd) != 3 || cmd[1] != "restart" || cmd[2] != "pulsar" {
		t.Fatalf("RestartCommand = %q", cmd)
	}
	if !filepath.IsAbs(cmd[0]) || filepath.Base(cmd[0]) != "brokers" {
		t.Errorf("script path %q is not an absolute path to testenv/brokers", cmd[0])
	}
	st, err := os.Stat(cmd[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o111 == 0 {
		t.Errorf("%s is not executable", cmd[0])
	}
}

func TestUniqueTopic(t *testing.T) {
	a, b := UniqueTopic("p-"), UniqueTopic("p-")
	if a == b || !strings.HasPrefix(a, "p-") || len(a) != len("p-")+36 {
		t.Errorf("UniqueTopic gave %q and %q", a, b)
	}
}

func TestIntegrationFlag(t *testing.T) {
	t.Setenv(EnvIntegration, "")
	if Integration() {
		t.Error("Integration() with the variable empty")
	}
	t.Setenv(EnvIntegration, "true")
	if Integration() {
		t.Error(`Integration() with "true": only "1" enables`)
	}
	t.Setenv(EnvIntegration, "1")
	if !Integration() {
		t.Error(`Integration() false with "1"`)
	}
}

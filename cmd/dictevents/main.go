// Command dictevents runs dict-events from the shell: a demo on the
// embedded bus, one-off publishing, the router as a service, poison-queue
// tools and a load test. Every subcommand takes the broker flags, which also
// read DICTEVENTS_* environment variables; run "dictevents <cmd> --help".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ThreeDotsLabs/watermill"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, env func(string) string, out io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "publish a realistic sequence of entry events, route it and print a summary", runDemo},
		{"publish", "publish one created, updated or deleted event from flags or JSON", runPublish},
		{"serve", "run the router as a service with Prometheus metrics and health endpoints", runServe},
		{"dlq", "list the poison queue, or replay it to the original topics", runDLQ},
		{"load", "publish and consume many events and report throughput and latency", runLoad},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dictevents:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, env func(string) string, out io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(out)
		if len(args) == 0 {
			return errors.New("a subcommand is required")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], env, out)
		}
	}
	usage(out)
	return fmt.Errorf("unknown subcommand %q", args[0])
}

func usage(out io.Writer) {
	fmt.Fprintln(out, "Usage: dictevents <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(out, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(out, "\nRun 'dictevents <command> --help' for its flags. Flags also read DICTEVENTS_* variables.")
}

// newFlagSet returns a flag set whose --help prints to out.
func newFlagSet(name, synopsis string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: dictevents %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// newLogger logs to stderr as text at the level DICTEVENTS_LOG_LEVEL names
// (debug, info, warn, error; default warn, so summaries stay readable).
func newLogger(env func(string) string) watermill.LoggerAdapter {
	level := slog.LevelWarn
	switch strings.ToLower(env("DICTEVENTS_LOG_LEVEL")) {
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "error":
		level = slog.LevelError
	}
	return watermill.NewSlogLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
}

// parseVerb parses args with fs and returns the one positional argument (a
// verb such as "list" or "created"), which may come before or after the
// flags: "dlq list --broker X" and "dlq --broker X list" are the same.
func parseVerb(fs *flag.FlagSet, args []string) (string, error) {
	var verb string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		verb, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	rest := fs.Args()
	if verb == "" && len(rest) > 0 {
		verb, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		return "", fmt.Errorf("unexpected arguments %q (flags go before or right after the verb)", rest)
	}
	return verb, nil
}

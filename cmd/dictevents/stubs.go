package main

import (
	"context"
	"errors"
	"io"
)

func runServe(ctx context.Context, args []string, env func(string) string, out io.Writer) error {
	return errors.New("serve: not implemented yet")
}

func runDLQ(ctx context.Context, args []string, env func(string) string, out io.Writer) error {
	return errors.New("dlq: not implemented yet")
}

func runLoad(ctx context.Context, args []string, env func(string) string, out io.Writer) error {
	return errors.New("load: not implemented yet")
}

// Command atlas-backup backs up and restores Apache Atlas metadata. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/atlas-backup/atlas-backup/shared/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

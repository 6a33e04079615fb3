package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/atlas-backup/atlas-backup/shared/archive"
	"github.com/atlas-backup/atlas-backup/shared/clients"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/handler"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

const agentUsage = `atlas-backup agent: what only a cluster host can do, run there by SSM Run Command
(template.yaml AgentDocument) for the serverless backup.

Usage:
  atlas-backup agent archive-config --dir D --store URL --key K [--part P] [--backup-id ID]
      stream a tar.gz of folder D (the Atlas config folder) into the store at key K,
      print its record (key, sha256, size, files) as JSON on stdout, and store the same
      record at key P for the state machine's Finalize.

The host's own AWS credentials (instance profile) reach the store. Values follow the
document's allowedPatterns; no value passes through a shell here.
`

type agentOpts struct {
	dir, store, key, part, id *string
}

func agentFlags(fs *flag.FlagSet) agentOpts {
	return agentOpts{
		dir:   fs.String("dir", "", "the `folder` to archive (absolute)"),
		store: fs.String("store", "", "the backup store: s3://bucket/prefix or file:///dir"),
		key:   fs.String("key", "", "the archive's `key` in the store"),
		part:  fs.String("part", "", "`key` where the archive's record for Finalize is stored (optional)"),
		id:    fs.String("backup-id", "agent", "the backup `id` (for the record only)"),
	}
}

func (a *app) agent(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] != "archive-config" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			fmt.Fprint(a.stdout, agentUsage)
			return ExitOK
		}
		fmt.Fprint(a.stderr, agentUsage)
		return ExitUsage
	}
	fs := flag.NewFlagSet("agent archive-config", flag.ContinueOnError)
	o := agentFlags(fs)
	pos, code, ok := a.parse("agent archive-config", fs, args[1:])
	if !ok {
		return code
	}
	if len(pos) > 0 {
		a.errorf("agent archive-config takes no arguments, got %q", pos)
		return ExitUsage
	}
	loc, err := store.ParseURL(*o.store)
	if err != nil {
		a.errorf("agent parameter store: %v", err)
		return ExitUsage
	}
	partKey := *o.part
	if partKey == "" {
		partKey = *o.key // validated the same way; not written
	}
	if _, err := handler.AgentParameters(handler.AgentArchiveRequest{BackupID: *o.id, ConfDir: *o.dir, Store: loc, Key: *o.key, Part: partKey}); err != nil {
		a.errorf("%v", err)
		return ExitUsage
	}
	st, err := openStore(ctx, loc)
	if err != nil {
		a.errorf("%v", err)
		return ExitUsage
	}
	res, err := archive.Upload(ctx, st, *o.key, *o.dir)
	if err != nil {
		a.errorf("archive %s into %s: %v", *o.dir, st.URL(*o.key), err)
		return ExitFailed
	}
	rec := manifest.Config{Key: *o.key, SHA256: res.SHA256, Size: res.Size, Dir: *o.dir, Files: res.Files}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		a.errorf("record: %v", err)
		return ExitFailed
	}
	if *o.part != "" {
		if _, err := st.Put(ctx, *o.part, bytes.NewReader(b)); err != nil {
			a.errorf("write record %s: %v", st.URL(*o.part), err)
			return ExitFailed
		}
	}
	fmt.Fprintln(a.stdout, string(b))
	return ExitOK
}

// openStore opens the agent's store with the host's own AWS configuration (the
// instance profile; AWS_REGION and AWS_ENDPOINT_URL when set).
func openStore(ctx context.Context, loc store.Location) (store.Store, error) {
	var s3c store.S3API
	if loc.Scheme == "s3" {
		c, err := clients.NewS3Client(ctx, config.AWS{Region: os.Getenv("AWS_REGION"), Endpoint: os.Getenv("AWS_ENDPOINT_URL")})
		if err != nil {
			return nil, err
		}
		s3c = c
	}
	return store.Open(ctx, loc, s3c)
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/atlas-backup/atlas-backup/shared/archive"
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

func (a *app) agent(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] != "archive-config" {
		fmt.Fprint(a.stderr, agentUsage)
		return ExitUsage
	}
	fs := flag.NewFlagSet("agent archive-config", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	dir := fs.String("dir", "", "the folder to archive (absolute)")
	storeURL := fs.String("store", "", "the backup store: s3://bucket/prefix or file:///dir")
	key := fs.String("key", "", "the archive's key in the store")
	part := fs.String("part", "", "where to store the archive's record for Finalize (optional)")
	id := fs.String("backup-id", "agent", "the backup id (for the record only)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		if fs.NArg() > 0 {
			a.errorf("agent archive-config takes no arguments, got %q", fs.Args())
		}
		return ExitUsage
	}
	partKey := *part
	if partKey == "" {
		partKey = *key // validated the same way; not written
	}
	if _, err := handler.AgentParameters(handler.AgentArchiveRequest{BackupID: *id, ConfDir: *dir, Store: *storeURL, Key: *key, Part: partKey}); err != nil {
		a.errorf("%v", err)
		return ExitUsage
	}
	st, prefix, err := openStore(ctx, *storeURL)
	if err != nil {
		a.errorf("%v", err)
		return ExitUsage
	}
	for _, k := range []string{*key, *part} {
		if k != "" && prefix != "" && !strings.HasPrefix(k, prefix+"/") {
			a.errorf("key %q is outside the store's prefix %q", k, prefix)
			return ExitUsage
		}
	}
	res, err := archive.Upload(ctx, st, *key, *dir)
	if err != nil {
		a.errorf("archive %s into %s: %v", *dir, st.URL(*key), err)
		return ExitFailed
	}
	rec := manifest.Config{Key: *key, SHA256: res.SHA256, Size: res.Size, Dir: *dir, Files: res.Files}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		a.errorf("record: %v", err)
		return ExitFailed
	}
	if *part != "" {
		if _, err := st.Put(ctx, *part, bytes.NewReader(b)); err != nil {
			a.errorf("write record %s: %v", st.URL(*part), err)
			return ExitFailed
		}
	}
	fmt.Fprintln(a.stdout, string(b))
	return ExitOK
}

func openStore(ctx context.Context, raw string) (store.Store, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("--store: %w", err)
	}
	var s3c store.S3API
	if u.Scheme == "s3" {
		c, err := store.NewS3Client(ctx, os.Getenv("AWS_ENDPOINT_URL"))
		if err != nil {
			return nil, "", fmt.Errorf("s3 client: %w", err)
		}
		if c.Options().Region == "" {
			return nil, "", errors.New("AWS region not set: set AWS_REGION")
		}
		s3c = c
	}
	return store.Open(ctx, raw, s3c)
}

package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/atlas-backup/atlas-backup/shared/store"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	s3c := s3.New(s3.Options{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}})
	cases := []struct {
		name    string
		url     string
		noS3    bool
		wantURL string // URL("k") of the opened store
		prefix  string
		errHas  string
	}{
		{name: "s3 bucket only", url: "s3://atlas-backups", wantURL: "s3://atlas-backups/k"},
		{name: "s3 with prefix", url: "s3://atlas-backups/a/b", wantURL: "s3://atlas-backups/k", prefix: "a/b"},
		{name: "s3 trailing slash", url: "s3://atlas-backups/a/b/", wantURL: "s3://atlas-backups/k", prefix: "a/b"},
		{name: "file", url: "file:///var/backups/atlas", wantURL: "file:///var/backups/atlas/k"},
		{name: "file localhost", url: "file://localhost/var/backups", wantURL: "file:///var/backups/k"},
		{name: "s3 without client", url: "s3://atlas-backups", noS3: true, errHas: "no S3 client"},
		{name: "s3 bad bucket", url: "s3://Atlas_Backups/x", errHas: "bucket name"},
		{name: "s3 prefix with dotdot", url: "s3://atlas-backups/a/../b", errHas: "prefix"},
		{name: "s3 prefix empty segment", url: "s3://atlas-backups/a//b", errHas: "prefix"},
		{name: "s3 query", url: "s3://atlas-backups/a?versionId=1", errHas: "query"},
		{name: "file relative", url: "file://backups/atlas", errHas: "three slashes"},
		{name: "file no path", url: "file:", errHas: "absolute"},
		{name: "scheme https", url: "https://example.com/x", errHas: `scheme "https" not supported: use s3://bucket[/prefix] or file:///absolute/dir`},
		{name: "bare path", url: "/var/backups", errHas: `scheme "" not supported`},
		{name: "gs", url: "gs://bucket", errHas: "not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var api store.S3API = s3c
			if c.noS3 {
				api = nil
			}
			st, prefix, err := store.Open(ctx, c.url, api)
			if c.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), c.errHas) {
					t.Fatalf("Open(%q) err = %v, want one containing %q", c.url, err, c.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q): %v", c.url, err)
			}
			if got := st.URL("k"); got != c.wantURL {
				t.Errorf("URL = %q, want %q", got, c.wantURL)
			}
			if prefix != c.prefix {
				t.Errorf("prefix = %q, want %q", prefix, c.prefix)
			}
		})
	}
}

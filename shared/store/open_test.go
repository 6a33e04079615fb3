package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/atlas-backup/atlas-backup/shared/store"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		name   string
		url    string
		want   store.Location
		canon  string
		errHas string
	}{
		{name: "s3 bucket only", url: "s3://atlas-backups", want: store.Location{Scheme: "s3", Bucket: "atlas-backups"}, canon: "s3://atlas-backups"},
		{name: "s3 bucket slash", url: "s3://atlas-backups/", want: store.Location{Scheme: "s3", Bucket: "atlas-backups"}, canon: "s3://atlas-backups"},
		{name: "s3 with prefix", url: "s3://atlas-backups/a/b", want: store.Location{Scheme: "s3", Bucket: "atlas-backups", Prefix: "a/b"}, canon: "s3://atlas-backups/a/b"},
		{name: "s3 trailing slash", url: "s3://atlas-backups/a/b/", want: store.Location{Scheme: "s3", Bucket: "atlas-backups", Prefix: "a/b"}, canon: "s3://atlas-backups/a/b"},
		{name: "s3 prefix with =", url: "s3://b12/env=prod/atlas", want: store.Location{Scheme: "s3", Bucket: "b12", Prefix: "env=prod/atlas"}, canon: "s3://b12/env=prod/atlas"},
		{name: "file", url: "file:///var/backups/atlas", want: store.Location{Scheme: "file", Dir: "/var/backups/atlas"}, canon: "file:///var/backups/atlas"},
		{name: "file trailing slash", url: "file:///var/backups/", want: store.Location{Scheme: "file", Dir: "/var/backups"}, canon: "file:///var/backups"},
		{name: "file localhost", url: "file://localhost/var/backups", errHas: "three slashes"},
		{name: "s3 bad bucket", url: "s3://Atlas_Backups/x", errHas: "bucket name"},
		{name: "s3 bucket ip", url: "s3://192.168.0.1/x", errHas: "bucket name"},
		{name: "s3 bucket idn", url: "s3://xn--bcher-kva/x", errHas: "bucket name"},
		{name: "s3 bucket trailing dot", url: "s3://bucket./x", errHas: "bucket name"},
		{name: "s3 bucket user", url: "s3://user@bucket/x", errHas: "bucket name"},
		{name: "s3 bucket port", url: "s3://bucket:443/x", errHas: "bucket name"},
		{name: "s3 prefix with dotdot", url: "s3://atlas-backups/a/../b", errHas: "prefix"},
		{name: "s3 prefix empty segment", url: "s3://atlas-backups/a//b", errHas: "prefix"},
		{name: "s3 prefix double slash after bucket", url: "s3://atlas-backups//", errHas: "prefix"},
		{name: "s3 prefix percent", url: "s3://atlas-backups/a%26b", errHas: "prefix"},
		{name: "s3 prefix space", url: "s3://atlas-backups/a b", errHas: "prefix"},
		{name: "s3 prefix semicolon", url: "s3://atlas-backups/a;reboot", errHas: "prefix"},
		{name: "s3 prefix option-like segment", url: "s3://atlas-backups/-rf", errHas: "prefix"},
		{name: "s3 prefix dot segment", url: "s3://atlas-backups/.hidden", errHas: "prefix"},
		{name: "s3 query", url: "s3://atlas-backups/a?versionId=1", errHas: "prefix"},
		{name: "s3 fragment", url: "s3://atlas-backups/a#b", errHas: "prefix"},
		{name: "s3 upper scheme", url: "S3://atlas-backups", errHas: `scheme "S3" not supported`},
		{name: "s3 long prefix", url: "s3://atlas-backups/" + strings.Repeat("a/", 300) + "a", errHas: "prefix"},
		{name: "file relative", url: "file://backups/atlas", errHas: "three slashes"},
		{name: "file no path", url: "file:", errHas: "not supported"},
		{name: "file root", url: "file:///", errHas: "folder"},
		{name: "file dotdot", url: "file:///var/../etc", errHas: "folder segment"},
		{name: "file space", url: "file:///var/a b", errHas: "folder segment"},
		{name: "scheme https", url: "https://example.com/x", errHas: `scheme "https" not supported`},
		{name: "bare path", url: "/var/backups", errHas: `scheme "" not supported`},
		{name: "gs", url: "gs://bucket", errHas: "not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc, err := store.ParseURL(c.url)
			if c.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), c.errHas) {
					t.Fatalf("ParseURL(%q) err = %v, want one containing %q", c.url, err, c.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", c.url, err)
			}
			if loc != c.want || loc.String() != c.canon {
				t.Fatalf("ParseURL(%q) = %+v (%s), want %+v (%s)", c.url, loc, loc, c.want, c.canon)
			}
			if again, err := store.ParseURL(loc.String()); err != nil || again != loc {
				t.Fatalf("ParseURL(String()) = %+v, %v", again, err)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	s3c := s3.New(s3.Options{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}})
	loc, _ := store.ParseURL("s3://atlas-backups/a")
	st, err := store.Open(ctx, loc, s3c)
	if err != nil || st.URL("k") != "s3://atlas-backups/k" {
		t.Fatalf("%v %v", st, err)
	}
	if _, err := store.Open(ctx, loc, nil); err == nil || !strings.Contains(err.Error(), "no S3 client") {
		t.Fatalf("s3 without client: %v", err)
	}
	dir := t.TempDir()
	floc, err := store.ParseURL("file://" + dir)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := store.Open(ctx, floc, nil)
	if err != nil || fs.URL("k") != "file://"+dir+"/k" {
		t.Fatalf("%v %v", fs, err)
	}
	if _, err := store.Open(ctx, store.Location{Scheme: "gs"}, nil); err == nil {
		t.Fatal("an unparsed location opened")
	}
}

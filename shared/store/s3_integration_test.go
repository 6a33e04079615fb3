//go:build integration

package store_test

// Run against the local stack's moto (after scripts/stack up):
//
//	go test -tags integration ./shared/store/...
//
// Without the stack the test fails, unless STACK_OPTIONAL=1 (then it skips).

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/atlas-backup/atlas-backup/shared/stacktest"
	"github.com/atlas-backup/atlas-backup/shared/store"
	"github.com/atlas-backup/atlas-backup/shared/store/storetest"
)

// stackS3 returns a client for the stack's S3 and a fresh bucket, removed with
// its objects when the test ends.
func stackS3(t *testing.T) (*s3.Client, string) {
	t.Helper()
	stacktest.Require(t, stacktest.AWS...)
	ctx := context.Background()
	c, err := store.NewS3Client(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	// Our own bucket, so runs never clash with the stack's STACK_BUCKET or each other.
	bucket := fmt.Sprintf("storetest-%d", time.Now().UnixNano())
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	t.Cleanup(func() {
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Logf("cleanup list: %v", err)
				return
			}
			for _, o := range page.Contents {
				c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			}
		}
		if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Logf("cleanup bucket %s: %v", bucket, err)
		}
	})
	return c, bucket
}

// countingS3 counts multipart calls, to prove large objects went multipart.
type countingS3 struct {
	store.S3API
	parts, completes atomic.Int64
}

func (c *countingS3) UploadPart(ctx context.Context, in *s3.UploadPartInput, o ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	c.parts.Add(1)
	return c.S3API.UploadPart(ctx, in, o...)
}

func (c *countingS3) CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, o ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	c.completes.Add(1)
	return c.S3API.CompleteMultipartUpload(ctx, in, o...)
}

func TestS3StoreContract(t *testing.T) {
	c, bucket := stackS3(t)
	counting := &countingS3{S3API: c}
	storetest.Run(t, func() store.Store {
		return store.NewS3(counting, bucket, store.S3Options{
			PartSize:     store.MinPartSize, // LargeSize is then 4 parts
			ListPageSize: 7,                 // exercise pagination with few keys
		})
	})
	// Large and LargePutIfAbsentLoses commit (or try to) two multipart uploads of
	// 4 parts; FailedPutLeavesNothing aborts two more after 2 parts each.
	if n := counting.completes.Load(); n < 2 {
		t.Errorf("%d multipart uploads completed; the large objects did not go multipart", n)
	}
	if n := counting.parts.Load(); n < 2*4 {
		t.Errorf("%d parts uploaded, want at least 8 (2 large objects of 4 parts)", n)
	}
	// No multipart upload is left behind by the failed or losing uploads.
	ups, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list multipart uploads: %v", err)
	}
	for _, u := range ups.Uploads {
		t.Errorf("multipart upload left behind: %s", aws.ToString(u.Key))
	}
}

func TestS3StoreNoBucket(t *testing.T) {
	c, _ := stackS3(t)
	ctx := context.Background()
	st := store.NewS3(c, fmt.Sprintf("absent-%d", time.Now().UnixNano()), store.S3Options{})
	if err := st.Check(ctx); !errors.Is(err, store.ErrNoBucket) {
		t.Errorf("Check: err = %v, want ErrNoBucket", err)
	}
	if _, err := st.Put(ctx, "a/b", strings.NewReader("x")); !errors.Is(err, store.ErrNoBucket) {
		t.Errorf("Put: err = %v, want ErrNoBucket", err)
	}
	if _, err := st.Get(ctx, "a/b"); !errors.Is(err, store.ErrNoBucket) {
		t.Errorf("Get: err = %v, want ErrNoBucket", err)
	}
	if _, err := st.List(ctx, "a/"); !errors.Is(err, store.ErrNoBucket) {
		t.Errorf("List: err = %v, want ErrNoBucket", err)
	}
}

func TestS3Open(t *testing.T) {
	c, bucket := stackS3(t)
	ctx := context.Background()
	loc, err := store.ParseURL("s3://" + bucket + "/atlas/")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, loc, c)
	if err != nil {
		t.Fatal(err)
	}
	prefix := loc.Prefix
	if err := st.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	l := store.Layout{Prefix: prefix, Cluster: "prod"}
	info, err := st.PutIfAbsent(ctx, l.Plan("b1"), strings.NewReader(`{"attempt":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.URL(info.Key), "s3://"+bucket+"/atlas/prod/b1/plan.json"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if err := store.VerifyObject(ctx, st, info); err != nil {
		t.Error(err)
	}
}

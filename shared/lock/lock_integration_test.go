//go:build integration

package lock_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/atlas-backup/atlas-backup/shared/stacktest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// TestLockS3 runs the lock's contract on the stack's S3 (moto): PutIfAbsent is a
// single PUT with If-None-Match "*".
func TestLockS3(t *testing.T) {
	stacktest.Require(t, stacktest.AWS...)
	ctx := context.Background()
	c, err := store.NewS3Client(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	bucket := fmt.Sprintf("locktest-%d", time.Now().UnixNano())
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	st := store.NewS3(c, bucket, store.S3Options{})
	t.Cleanup(func() {
		objs, _ := st.List(ctx, "")
		for _, o := range objs {
			_ = st.Delete(ctx, o.Key)
		}
		_, _ = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	})
	runSuite(t, st, "atlas")
}

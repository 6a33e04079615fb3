package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// S3API is the part of *s3.Client the S3 store uses: the multipart upload calls
// of the transfer manager, plus reads, listing, deletes and HeadBucket.
type S3API interface {
	manager.UploadAPIClient
	s3.ListObjectsV2APIClient
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
}

var _ S3API = (*s3.Client)(nil)

// Defaults of S3Options.
const (
	// MinPartSize is the smallest multipart part S3 accepts (5 MiB).
	MinPartSize int64 = manager.MinUploadPartSize
	// DefaultPartSize gives objects up to 80 GiB (10,000 parts).
	DefaultPartSize int64 = 8 << 20
	// DefaultPartConcurrency is the number of parts in flight per object.
	DefaultPartConcurrency = 3
)

// S3Options tunes the S3 store. Zero values take the defaults.
//
// Each Put buffers at most about (PartConcurrency+1) × PartSize bytes (32 MiB
// with the defaults) whatever the object size; objects are limited to
// 10,000 × PartSize bytes.
type S3Options struct {
	PartSize        int64 // bytes per multipart part, at least MinPartSize
	PartConcurrency int   // parts uploaded at once per object
	ListPageSize    int32 // keys per ListObjectsV2 page (S3's maximum, 1000, by default)
}

// S3Store is a Store in one S3 bucket. Keys are object keys in the bucket; the
// URL prefix returned by Open is applied by Layout, not here.
type S3Store struct {
	c        S3API
	bucket   string
	up       *manager.Uploader
	pageSize int32
}

var _ Store = (*S3Store)(nil)

// NewS3 returns the store of bucket, using c for every call.
func NewS3(c S3API, bucket string, opts S3Options) *S3Store {
	if opts.PartSize < MinPartSize {
		if opts.PartSize == 0 {
			opts.PartSize = DefaultPartSize
		} else {
			opts.PartSize = MinPartSize
		}
	}
	if opts.PartConcurrency <= 0 {
		opts.PartConcurrency = DefaultPartConcurrency
	}
	//lint:ignore SA1019 the transfer manager's successor (feature/s3/transfermanager) is not in go.mod
	up := manager.NewUploader(c, func(u *manager.Uploader) {
		u.PartSize = opts.PartSize
		u.Concurrency = opts.PartConcurrency
		u.LeavePartsOnError = false
		// Only the checksums S3 requires: the SDK's default CRC64NVME full-object
		// checksum for multipart uploads needs awscrt on moto, and the store keeps
		// its own SHA-256 anyway.
		u.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	})
	return &S3Store{c: c, bucket: bucket, up: up, pageSize: opts.ListPageSize}
}

// NewS3Client builds an S3 client from the default AWS configuration chain
// (environment, shared files, IMDS/Lambda role). endpoint, or else
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, overrides the endpoint and turns on
// path-style addressing (moto, MinIO). Checksums are computed and validated only
// where S3 requires them (moto's multipart CRC64NVME is wrong without awscrt).
func NewS3Client(ctx context.Context, endpoint string) (*s3.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3 client: load aws config: %w", err)
	}
	for _, v := range []string{endpoint, os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL")} {
		if v != "" {
			endpoint = v
			break
		}
	}
	return NewS3FromConfig(cfg, endpoint), nil
}

// NewS3FromConfig is an S3 client on cfg for the store: checksums only where S3 requires
// them (moto and S3-compatible stores), and path-style addressing at endpoint when one is
// given.
func NewS3FromConfig(cfg aws.Config, endpoint string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	})
}

// Bucket is the store's bucket.
func (s *S3Store) Bucket() string { return s.bucket }

// URL implements Store.
func (s *S3Store) URL(key string) string { return "s3://" + s.bucket + "/" + key }

// s3Err maps S3 error codes to the package's sentinel errors.
func (s *S3Store) s3Err(op, key string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchBucket":
			return fmt.Errorf("%s %s: %w", op, s.URL(key), ErrNoBucket)
		case "NoSuchKey", "NotFound":
			return fmt.Errorf("%s %s: %w", op, s.URL(key), ErrNotFound)
		case "PreconditionFailed":
			return fmt.Errorf("%s %s: %w", op, s.URL(key), ErrExists)
		case "ConditionalRequestConflict":
			return fmt.Errorf("%s %s: another conditional write in flight: %w", op, s.URL(key), ErrExists)
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound:
			return fmt.Errorf("%s %s: %w", op, s.URL(key), ErrNotFound)
		case http.StatusPreconditionFailed:
			return fmt.Errorf("%s %s: %w", op, s.URL(key), ErrExists)
		}
	}
	return fmt.Errorf("%s %s: %w", op, s.URL(key), err)
}

// Check implements Store.
func (s *S3Store) Check(ctx context.Context) error {
	_, err := s.c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)})
	if err != nil {
		if err := s.s3Err("check", "", err); errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoBucket) {
			return fmt.Errorf("check %s: %w", s.URL(""), ErrNoBucket)
		}
		return s.s3Err("check", "", err)
	}
	return nil
}

// Put implements Store.
func (s *S3Store) Put(ctx context.Context, key string, r io.Reader) (ObjectInfo, error) {
	return s.put(ctx, "put", key, r, false)
}

// PutIfAbsent implements Store. The condition is checked by S3 when the object
// is committed (PutObject, or CompleteMultipartUpload for large objects), so a
// large losing upload transfers its bytes before failing with ErrExists; a Stat
// first answers the common case cheaply.
func (s *S3Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) (ObjectInfo, error) {
	if err := ValidateKey(key); err != nil {
		return ObjectInfo{}, fmt.Errorf("put-if-absent: %w", err)
	}
	if _, err := s.Stat(ctx, key); err == nil {
		return ObjectInfo{}, fmt.Errorf("put-if-absent %s: %w", s.URL(key), ErrExists)
	} else if !errors.Is(err, ErrNotFound) {
		return ObjectInfo{}, fmt.Errorf("put-if-absent: %w", err)
	}
	return s.put(ctx, "put-if-absent", key, r, true)
}

func (s *S3Store) put(ctx context.Context, op, key string, r io.Reader, ifAbsent bool) (ObjectInfo, error) {
	if err := ValidateKey(key); err != nil {
		return ObjectInfo{}, fmt.Errorf("%s: %w", op, err)
	}
	hr := newHashingReader(ctxReader{ctx: ctx, r: r})
	in := &s3.PutObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
		Body:   hr,
	}
	if ifAbsent {
		in.IfNoneMatch = aws.String("*")
	}
	if _, err := s.up.Upload(ctx, in); err != nil {
		return ObjectInfo{}, s.s3Err(op, key, err)
	}
	return hr.info(key), nil
}

// Get implements Store.
func (s *S3Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateKey(key); err != nil {
		return nil, fmt.Errorf("get: %w", err)
	}
	out, err := s.c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, s.s3Err("get", key, err)
	}
	return out.Body, nil
}

// Stat implements Store. HeadObject has no body, so a missing bucket shows as
// ErrNotFound here; Check tells the two apart.
func (s *S3Store) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := ValidateKey(key); err != nil {
		return ObjectInfo{}, fmt.Errorf("stat: %w", err)
	}
	out, err := s.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return ObjectInfo{}, s.s3Err("stat", key, err)
	}
	return ObjectInfo{Key: key, Size: aws.ToInt64(out.ContentLength)}, nil
}

// List implements Store.
func (s *S3Store) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	if s.pageSize > 0 {
		in.MaxKeys = aws.Int32(s.pageSize)
	}
	var out []ObjectInfo
	p := s3.NewListObjectsV2Paginator(s.c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.s3Err("list", prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, ObjectInfo{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)})
		}
	}
	slices.SortFunc(out, func(a, b ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Delete implements Store.
func (s *S3Store) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	_, err := s.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		if err := s.s3Err("delete", key, err); errors.Is(err, ErrNotFound) {
			return nil
		} else {
			return err
		}
	}
	return nil
}

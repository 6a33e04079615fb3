package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
)

// ObjectInfo describes one stored object. SHA256 is the lowercase hex SHA-256 of
// the object's bytes; it is filled by Put and PutIfAbsent (computed while
// streaming) and left empty by Stat and List, which do not read the object.
type ObjectInfo struct {
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
}

var (
	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("object not found")
	// ErrExists: PutIfAbsent found the object already there (or another
	// conditional write to the same key in flight).
	ErrExists = errors.New("object already exists")
	// ErrNoBucket: the S3 bucket or the root folder of a file store does not exist.
	ErrNoBucket = errors.New("bucket or root folder does not exist")
	// ErrMismatch: a stored or downloaded object does not have the recorded size
	// or SHA-256.
	ErrMismatch = errors.New("object does not match its record")
)

// Store is a backup store. Implementations are safe for concurrent use.
type Store interface {
	// Put streams r into key, replacing any object there, and returns the size and
	// SHA-256 of what was stored, computed in the same pass. The object appears
	// whole or not at all: a failed Put leaves no partial object.
	Put(ctx context.Context, key string, r io.Reader) (ObjectInfo, error)
	// PutIfAbsent is Put that fails with ErrExists, storing nothing, if key
	// already exists (S3: If-None-Match "*"; file: link(2) of a complete temp file).
	PutIfAbsent(ctx context.Context, key string, r io.Reader) (ObjectInfo, error)
	// Get opens key for reading; ErrNotFound if it does not exist.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat returns the key and size of an object; ErrNotFound if it does not exist.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// List returns every object whose key starts with prefix (a plain string
	// prefix, not only a folder boundary), full keys, sorted bytewise.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)
	// Delete removes key; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// Check reports whether the bucket or root folder exists and is reachable;
	// ErrNoBucket if it does not exist.
	Check(ctx context.Context) error
	// URL names key for humans and logs: s3://bucket/key or file:///abs/path.
	URL(key string) string
}

// Open opens the store at loc (from ParseURL); its key prefix is loc.Prefix (to be used
// as Layout.Prefix). s3c is required for s3 locations and ignored otherwise. Open does no
// I/O; call Check to find out whether the bucket or folder exists.
func Open(ctx context.Context, loc Location, s3c S3API) (Store, error) {
	_ = ctx // reserved: opening may one day resolve a bucket region
	switch loc.Scheme {
	case "s3":
		if s3c == nil {
			return nil, fmt.Errorf("store %s: no S3 client given", loc)
		}
		return NewS3(s3c, loc.Bucket, S3Options{}), nil
	case "file":
		fs, err := NewFile(loc.Dir)
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", loc, err)
		}
		return fs, nil
	}
	return nil, fmt.Errorf("store location %+v: not parsed by ParseURL", loc)
}

// ValidateKey checks an object key: not empty, at most 1024 bytes, '/'-separated
// segments none of which is empty, "." or "..", so no leading, trailing or doubled
// '/', and no NUL, CR or LF. Both implementations refuse other keys, so a key
// means the same object on S3 and on disk.
func ValidateKey(key string) error {
	const rule = "keys are '/'-separated, non-empty segments other than \".\" and \"..\", no leading or trailing '/', no NUL/CR/LF, at most 1024 bytes"
	switch {
	case key == "":
		return fmt.Errorf("key is empty: %s", rule)
	case len(key) > 1024:
		return fmt.Errorf("key %.40q...: too long: %s", key, rule)
	case strings.ContainsAny(key, "\x00\r\n"):
		return fmt.Errorf("key %q: %s", key, rule)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("key %q: %s", key, rule)
		}
	}
	return nil
}

// hashingReader counts and hashes what is read through it. It deliberately has
// only Read, so the S3 transfer manager cannot seek around it and every byte is
// hashed exactly once, in order.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func newHashingReader(r io.Reader) *hashingReader {
	return &hashingReader{r: r, h: sha256.New()}
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	if n > 0 {
		hr.h.Write(p[:n])
		hr.n += int64(n)
	}
	return n, err
}

func (hr *hashingReader) info(key string) ObjectInfo {
	return ObjectInfo{Key: key, Size: hr.n, SHA256: hex.EncodeToString(hr.h.Sum(nil))}
}

// ctxReader fails reads once ctx is done, so a long copy stops on cancellation.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

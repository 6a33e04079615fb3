// Package store is the backup store: the place every artifact of a backup ends up
// (HBase exports, Solr backup folders, the Atlas config archive, the manifest).
//
// A Store is a flat key space of immutable-once-written objects with two
// implementations behind one interface and one contract suite
// (package storetest):
//
//   - S3 (s3://bucket/prefix), over aws-sdk-go-v2 with the multipart transfer
//     manager, so memory stays bounded whatever the object size;
//   - a local folder (file:///abs/dir), with atomic temp-file-then-rename writes,
//     for laptops, edge nodes and tests.
//
// Every write streams: the size and SHA-256 of what was stored are computed in the
// same pass as the upload and returned in ObjectInfo, so callers never read an
// artifact twice to record its checksum in the manifest.
//
// Keys are built by one type, Layout, and nowhere else (the pattern of velero's
// ObjectStoreLayout). Keys are '/'-separated, never start with '/', and have no
// empty, "." or ".." segments; both implementations refuse anything else, so a key
// means the same thing on S3 and on disk.
//
// Errors are wrapped with the operation and the object URL; test the cause with
// errors.Is against ErrNotFound, ErrExists, ErrNoBucket and ErrMismatch.
package store

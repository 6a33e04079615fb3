// Package manifest is the contract of a backup: one versioned JSON document, written
// last, listing every artifact with its size and SHA-256, the Atlas version, HBase table
// schemas and counts, Solr collection shards and doc counts, the time windows, and a
// final status. A backup without a SUCCEEDED manifest does not exist for list, restore
// or retention; the `latest` pointer only ever names a SUCCEEDED one.
//
// Read, ReadLatest and ReadDrill are the one way every package (backup, restore,
// retention, the CLI and the Lambda handlers) reads a backup's records from the store;
// WriteDrill records a drill's result beside the manifest.
package manifest

// Package backup takes one backup of an Atlas: plan → HBase export ∥ Solr backup ∥
// config archive (bounded concurrency) → ship into the store → finalize (manifest
// last, `latest` moved only on SUCCEEDED).
//
// Each step is a method with typed input and output, so a Lambda can run exactly one
// of them (the state machine waits between submit and status) and the CLI can run
// them all in-process (Run). Long work is submitted, then polled: HBase Export through
// a runner.Runner, Solr BACKUP with an async id derived from the backup id and the
// collection, so a retry or a second run finds the first attempt instead of starting
// another.
package backup

// Package hbase is the HBase side of a backup as data: validated names, argv for the
// HBase/Hadoop tools (Export, Import, kinit, hdfs dfs, distcp, s3-dist-cp), scripts for
// the non-interactive HBase shell, and parsers for what those tools print or write
// (describe output, MapReduce counters, Export SequenceFiles). Nothing here runs a
// process: a runner.Runner does that with the argv built here.
//
// # Names and quoting
//
// Table names, family names, paths, principals and shell attribute values are validated
// before they are used (ValidateTable, ValidateFamily, ValidatePath); what passes cannot
// start an option, contains no shell or Ruby metacharacter, and is written in single
// quotes in shell scripts.
//
// # Export files
//
// An HBase Export (org.apache.hadoop.hbase.mapreduce.Export) writes Hadoop SequenceFiles
// (version 6) named part-m-NNNNN, with key class ImmutableBytesWritable (int32 length,
// row) and value class Result serialized by ResultSerialization: a varint-delimited
// ClientProtos.Result whose repeated field 1 holds the cells (CellProtos.Cell: row=1,
// family=2, qualifier=3, timestamp=4, cell_type=5, value=6, tags=7). Files may be
// uncompressed, record-compressed or block-compressed with DefaultCodec/DeflateCodec
// (zlib), GzipCodec or SnappyCodec. ReadExport decodes them in a stream, one record (or
// one compressed block) in memory at a time, bounded by MaxRecordSize.
//
// # Cell digest
//
// ReadExport and ReadExportDir return the number of rows and cells and a digest of the
// cells, "cellsum-sha256:" followed by 64 hex digits. For every cell
//
//	h = SHA-256( u32(len(row)) row  u32(len(family)) family  u32(len(qualifier)) qualifier
//	             i64(timestamp)  u8(type)  u32(len(value)) value )
//
// with u32/i64 big-endian and type the HBase cell type code (Put = 4, Delete = 8,
// DeleteFamilyVersion = 10, DeleteColumn = 12, DeleteFamily = 14); tags, sequence ids and
// MVCC are not part of it. The digest is the sum of all h, read as 256-bit big-endian
// unsigned integers, modulo 2^256. A sum does not depend on the order of the cells, so
// part files, regions, parallel scans or an Export of a restored table all give the same
// digest for the same multiset of cells, and partial digests combine with Digest.Merge.
// The restore drill compares the digest recorded in the manifest at backup time with the
// digest of the restored table (e.g. an Export of it read with ReadExportDir, or any scan
// that feeds Digest.AddCell); equal digests and counts mean the same cells came back.
// Export writes the versions asked for (ExportOptions.Versions), so compare exports
// taken with the same versions and time range.
package hbase

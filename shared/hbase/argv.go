package hbase

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/atlas-backup/atlas-backup/shared/hostpath"
	"github.com/atlas-backup/atlas-backup/shared/kerberos"
)

var (
	propKeyRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	propValRe = regexp.MustCompile(`^[A-Za-z0-9._:/,=@+-]*$`)
)

// Main classes of the HBase MapReduce tools.
const (
	ExportClass     = "org.apache.hadoop.hbase.mapreduce.Export"
	ImportClass     = "org.apache.hadoop.hbase.mapreduce.Import"
	RowCounterClass = "org.apache.hadoop.hbase.mapreduce.RowCounter"
)

// DefaultCompressionCodec is used when ExportOptions.Compress is set without a codec.
const DefaultCompressionCodec = "org.apache.hadoop.io.compress.DefaultCodec"

// ExportOptions are the inputs of an HBase Export job.
type ExportOptions struct {
	Table  string `json:"table"`
	OutDir string `json:"outDir"`
	// Versions is the number of cell versions to export; 0 leaves HBase's default (1)
	// unless a time range is set, which needs the positional argument (then 1 is written).
	Versions int `json:"versions,omitempty"`
	// StartTime and EndTime bound cell timestamps [StartTime, EndTime), compared with the
	// raw cell timestamps, so they must be in the table's own unit (ms for HBase's own
	// clients, µs for Atlas's JanusGraph store: see TimeUnit); 0 = unset.
	StartTime int64 `json:"startTime,omitempty"`
	EndTime   int64 `json:"endTime,omitempty"`
	// Compress sets mapreduce.output.fileoutputformat.compress, with CompressionCodec
	// (a Java class name; default DefaultCodec, i.e. zlib) and CompressionType (RECORD,
	// the Hadoop default, or BLOCK).
	Compress         bool   `json:"compress,omitempty"`
	CompressionCodec string `json:"compressionCodec,omitempty"`
	CompressionType  string `json:"compressionType,omitempty"`
	// Properties are further -Dkey=value job settings, written in key order after the
	// compression ones: e.g. mapreduce.job.queuename, hbase.export.scanner.batch,
	// hbase.export.scanner.caching, hbase.mapreduce.include.deleted.rows. Keys are
	// [A-Za-z0-9][A-Za-z0-9._-]*, values [A-Za-z0-9._:/,=@+-]*.
	Properties map[string]string `json:"properties,omitempty"`
}

// ExportArgv builds
//
//	bin org.apache.hadoop.hbase.mapreduce.Export [-D...compress=true -D...codec=C [-D...type=T]] [-Dk=v ...] table outdir [versions [start [end]]]
//
// Export reads its optional arguments by position (ExportUtils: versions = args[2],
// starttime = args[3], endtime = args[4]), so a later one forces the earlier ones:
// versions defaults to 1 and starttime to 0, the values Export itself would use.
func ExportArgv(bin string, o ExportOptions) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("export argv: %w", err)
	}
	if err := ValidateTable(o.Table); err != nil {
		return nil, fmt.Errorf("export argv: %w", err)
	}
	if err := ValidatePath(o.OutDir); err != nil {
		return nil, fmt.Errorf("export argv: out dir: %w", err)
	}
	if o.Versions < 0 {
		return nil, fmt.Errorf("export argv: versions %d: must be >= 0", o.Versions)
	}
	if o.StartTime < 0 || o.EndTime < 0 {
		return nil, fmt.Errorf("export argv: start/end time: must be >= 0")
	}
	if o.EndTime != 0 && o.EndTime <= o.StartTime {
		return nil, fmt.Errorf("export argv: end time %d: must be after start time %d", o.EndTime, o.StartTime)
	}
	argv := []string{bin, ExportClass}
	if o.Compress {
		codec := o.CompressionCodec
		if codec == "" {
			codec = DefaultCompressionCodec
		}
		if !classNameRe.MatchString(codec) {
			return nil, fmt.Errorf("export argv: compression codec %q: must be a Java class name such as %s", codec, DefaultCompressionCodec)
		}
		argv = append(argv,
			"-Dmapreduce.output.fileoutputformat.compress=true",
			"-Dmapreduce.output.fileoutputformat.compress.codec="+codec)
		switch o.CompressionType {
		case "":
		case "RECORD", "BLOCK":
			argv = append(argv, "-Dmapreduce.output.fileoutputformat.compress.type="+o.CompressionType)
		default:
			return nil, fmt.Errorf("export argv: compression type %q: must be RECORD or BLOCK", o.CompressionType)
		}
	} else if o.CompressionCodec != "" || o.CompressionType != "" {
		return nil, fmt.Errorf("export argv: compression codec/type set without compress")
	}
	keys := make([]string, 0, len(o.Properties))
	for k := range o.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := o.Properties[k]
		if !propKeyRe.MatchString(k) || strings.HasPrefix(k, "mapreduce.output.fileoutputformat.compress") {
			return nil, fmt.Errorf("export argv: property %q: key must be [A-Za-z0-9][A-Za-z0-9._-]* (compression has its own fields)", k)
		}
		if !propValRe.MatchString(v) {
			return nil, fmt.Errorf("export argv: property %s value %q: must be [A-Za-z0-9._:/,=@+-]*", k, v)
		}
		argv = append(argv, "-D"+k+"="+v)
	}
	argv = append(argv, o.Table, HadoopPath(o.OutDir))
	versions := o.Versions
	if versions == 0 && (o.StartTime != 0 || o.EndTime != 0) {
		versions = 1
	}
	if versions != 0 {
		argv = append(argv, strconv.Itoa(versions))
	}
	if o.StartTime != 0 || o.EndTime != 0 {
		argv = append(argv, strconv.FormatInt(o.StartTime, 10))
	}
	if o.EndTime != 0 {
		argv = append(argv, strconv.FormatInt(o.EndTime, 10))
	}
	return argv, nil
}

// RowCounterArgv builds
//
//	bin org.apache.hadoop.hbase.mapreduce.RowCounter table [--starttime=S --endtime=E]
//
// RowCounter is a MapReduce job: it counts the rows of the live table on the cluster
// (a scan with FirstKeyOnlyFilter per region), those with at least one cell in
// [start, end) when a window is given, and prints the count as the counter ROWS of
// group org.apache.hadoop.hbase.mapreduce.RowCounter$RowCounterMapper$Counters (parse
// it with ParseRowCounter). Both times are given when end is set: HBase 2.0's RowCounter
// only applies a time range when one of them is non-zero, and later ones accept either.
// start and end are in the table's own timestamp unit, as for Export.
func RowCounterArgv(bin, table string, start, end int64) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("rowcounter argv: %w", err)
	}
	if err := ValidateTable(table); err != nil {
		return nil, fmt.Errorf("rowcounter argv: %w", err)
	}
	if start < 0 || end < 0 || (end == 0 && start != 0) || (end != 0 && end <= start) {
		return nil, fmt.Errorf("rowcounter argv: window [%d, %d): must be empty (no window) or 0 <= start < end", start, end)
	}
	argv := []string{bin, RowCounterClass, table}
	if end != 0 {
		argv = append(argv, "--starttime="+strconv.FormatInt(start, 10), "--endtime="+strconv.FormatInt(end, 10))
	}
	return argv, nil
}

// ImportArgv builds `bin org.apache.hadoop.hbase.mapreduce.Import table dir`. The table
// must exist with the exported families; Import merges into what is there.
func ImportArgv(bin, table, dir string) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("import argv: %w", err)
	}
	if err := ValidateTable(table); err != nil {
		return nil, fmt.Errorf("import argv: %w", err)
	}
	if err := ValidatePath(dir); err != nil {
		return nil, fmt.Errorf("import argv: input dir: %w", err)
	}
	return []string{bin, ImportClass, table, HadoopPath(dir)}, nil
}

// KinitArgv builds `kinit -kt keytab principal`: the principal after
// kerberos.ParsePrincipal, the keytab an absolute path on the runner host (hostpath).
func KinitArgv(principal, keytab string) ([]string, error) {
	p, err := kerberos.ParsePrincipal(principal)
	if err != nil {
		return nil, fmt.Errorf("kinit argv: %w", err)
	}
	if err := hostpath.Validate(keytab); err != nil {
		return nil, fmt.Errorf("kinit argv: keytab: %w", err)
	}
	return []string{"kinit", "-kt", keytab, p.String()}, nil
}

// HDFSMkdirArgv builds `hdfs dfs -mkdir -p dir` (bin: the hdfs launcher, hbase.hdfsCommand).
func HDFSMkdirArgv(bin, dir string) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("hdfs mkdir argv: %w", err)
	}
	if err := ValidatePath(dir); err != nil {
		return nil, fmt.Errorf("hdfs mkdir argv: %w", err)
	}
	return []string{bin, "dfs", "-mkdir", "-p", dir}, nil
}

// HDFSChownArgv builds `hdfs dfs -chown owner dir`; owner is user or user:group (the
// seed procedure makes hbase the owner of the export folder). HDFS lets only its
// superuser give a folder away, and the owner chown to itself: run as hbase, the step
// fails on a folder hbase does not own ("Permission denied ... is not the owner").
func HDFSChownArgv(bin, dir, owner string) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("hdfs chown argv: %w", err)
	}
	if err := ValidatePath(dir); err != nil {
		return nil, fmt.Errorf("hdfs chown argv: %w", err)
	}
	if err := ValidateOwner(owner); err != nil {
		return nil, fmt.Errorf("hdfs chown argv: %w", err)
	}
	return []string{bin, "dfs", "-chown", owner, dir}, nil
}

// HDFSRemoveArgv builds `hdfs dfs -rm -r -f dir` (no error when dir is absent): a
// partial export from an interrupted run must go before Export writes there again.
func HDFSRemoveArgv(bin, dir string) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("hdfs rm argv: %w", err)
	}
	if err := ValidatePath(dir); err != nil {
		return nil, fmt.Errorf("hdfs rm argv: %w", err)
	}
	return []string{bin, "dfs", "-rm", "-r", "-f", "-skipTrash", dir}, nil
}

// DistCpArgv builds `hadoop distcp src dst` (bin: the hadoop launcher, hbase.hadoopCommand).
func DistCpArgv(bin, src, dst string) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("distcp argv: %w", err)
	}
	if err := ValidatePath(src); err != nil {
		return nil, fmt.Errorf("distcp argv: src: %w", err)
	}
	if err := ValidatePath(dst); err != nil {
		return nil, fmt.Errorf("distcp argv: dst: %w", err)
	}
	return []string{bin, "distcp", src, dst}, nil
}

// S3DistCpArgv builds `s3-dist-cp --src=src --dest=dst` (EMR's copier; the option=value
// form is the one AWS documents for EMR steps).
func S3DistCpArgv(src, dst string) ([]string, error) {
	if err := ValidatePath(src); err != nil {
		return nil, fmt.Errorf("s3-dist-cp argv: src: %w", err)
	}
	if err := ValidatePath(dst); err != nil {
		return nil, fmt.Errorf("s3-dist-cp argv: dest: %w", err)
	}
	return []string{"s3-dist-cp", "--src=" + src, "--dest=" + dst}, nil
}

// ShellArgv is the HBase shell in non-interactive mode: it reads commands from stdin and
// exits non-zero on the first error.
func ShellArgv(bin string) []string { return []string{bin, "shell", "-n"} }

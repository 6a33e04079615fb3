package hbase

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The snapshot method (config hbase.method: snapshot): a table is backed up by an HBase
// snapshot (`snapshot` in the shell: a flush and a list of HFiles, no data copied),
// which ExportSnapshot (a MapReduce job) copies with its HFiles to the backup's storage;
// a restore copies it back into the cluster's root dir with ExportSnapshot and makes a
// table of it with `clone_snapshot` (a new name) or `restore_snapshot` (the table it
// was taken of). Names, scripts and argv for those steps are built here.

// ExportSnapshotClass is HBase's snapshot copier (`hbase snapshot export` runs it).
const ExportSnapshotClass = "org.apache.hadoop.hbase.snapshot.ExportSnapshot"

// Backup methods (config hbase.method, manifest hbase[].method).
const (
	MethodExport   = "export"
	MethodSnapshot = "snapshot"
)

// ValidateMethod is the one rule for hbase.method.
func ValidateMethod(m string) error {
	if m != MethodExport && m != MethodSnapshot {
		return fmt.Errorf("method %.40q: must be export or snapshot", m)
	}
	return nil
}

var snapshotNameRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// ValidateSnapshot checks a snapshot name: [A-Za-z0-9_.-], not starting with '.' or
// '-', no "..", at most 255 characters (HBase's rule for a table qualifier, which
// snapshot names follow). Names that pass are safe as argv words and in single quotes.
func ValidateSnapshot(name string) error {
	if len(name) > 255 || strings.Contains(name, "..") || !snapshotNameRe.MatchString(name) {
		return fmt.Errorf("snapshot name %.80q: must be [A-Za-z0-9_.-]+, not starting with '.' or '-', no '..', at most 255 characters", name)
	}
	return nil
}

// SnapshotName derives the snapshot of one table in one backup (or restore) from its
// id, so a retry finds the first attempt's: <kind>-<id>-<table, ':' as '.'>-<6 hex of
// the table name> (the hash keeps ns:t and ns.t apart). kind is "atlasbk" for a
// backup's snapshot, "atlasrs" for the copy a restore brings into the cluster.
func SnapshotName(kind, id, table string) (string, error) {
	if err := ValidateTable(table); err != nil {
		return "", fmt.Errorf("snapshot name: %w", err)
	}
	sum := sha256.Sum256([]byte(table))
	name := kind + "-" + id + "-" + strings.ReplaceAll(table, ":", ".") + "-" + hex.EncodeToString(sum[:3])
	if err := ValidateSnapshot(name); err != nil {
		return "", err
	}
	return name, nil
}

// ScratchTable is the temporary clone a snapshot backup reads its rows, cells and
// digest from: the table name with "_abk_" and 8 hex of the snapshot name (in the
// table's namespace).
func ScratchTable(table, snapshot string) (string, error) {
	sum := sha256.Sum256([]byte(snapshot))
	name := table + "_abk_" + hex.EncodeToString(sum[:4])
	if err := ValidateTable(name); err != nil {
		return "", fmt.Errorf("scratch table: %w", err)
	}
	return name, nil
}

// SnapshotScript takes a snapshot of table (a flush first, HBase's default).
func SnapshotScript(table, snapshot string) (string, error) {
	if err := ValidateTable(table); err != nil {
		return "", fmt.Errorf("snapshot script: %w", err)
	}
	if err := ValidateSnapshot(snapshot); err != nil {
		return "", fmt.Errorf("snapshot script: %w", err)
	}
	return "snapshot " + quoteRuby(table) + ", " + quoteRuby(snapshot) + "\n", nil
}

// CloneSnapshotScript makes a new table of a snapshot (the table must not exist).
func CloneSnapshotScript(snapshot, table string) (string, error) {
	if err := ValidateSnapshot(snapshot); err != nil {
		return "", fmt.Errorf("clone_snapshot script: %w", err)
	}
	if err := ValidateTable(table); err != nil {
		return "", fmt.Errorf("clone_snapshot script: %w", err)
	}
	return "clone_snapshot " + quoteRuby(snapshot) + ", " + quoteRuby(table) + "\n", nil
}

// RestoreSnapshotScript puts a snapshot back over the table it was taken of (table):
// disable, restore_snapshot (the table's schema and cells become the snapshot's),
// enable.
func RestoreSnapshotScript(snapshot, table string) (string, error) {
	if err := ValidateSnapshot(snapshot); err != nil {
		return "", fmt.Errorf("restore_snapshot script: %w", err)
	}
	if err := ValidateTable(table); err != nil {
		return "", fmt.Errorf("restore_snapshot script: %w", err)
	}
	q := quoteRuby(table)
	return "disable " + q + "\nrestore_snapshot " + quoteRuby(snapshot) + "\nenable " + q + "\n", nil
}

// DeleteSnapshotScript deletes snapshots (their HFiles stay while a table uses them).
func DeleteSnapshotScript(snapshots ...string) (string, error) {
	var b strings.Builder
	for _, s := range snapshots {
		if err := ValidateSnapshot(s); err != nil {
			return "", fmt.Errorf("delete_snapshot script: %w", err)
		}
		b.WriteString("delete_snapshot " + quoteRuby(s) + "\n")
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("delete_snapshot script: no snapshot named")
	}
	return b.String(), nil
}

// ListSnapshotsScript lists every snapshot (parse it with ParseListSnapshots).
func ListSnapshotsScript() string { return "list_snapshots\n" }

// SnapshotInfo is one line of list_snapshots.
type SnapshotInfo struct {
	Name  string `json:"name"`
	Table string `json:"table"`
}

var snapshotLineRe = regexp.MustCompile(`^\s*(\S+)\s+(\S+) \(.*\)\s*$`)

// ParseListSnapshots reads the output of ListSnapshotsScript:
//
//	SNAPSHOT  TABLE + CREATION TIME
//	 atlasbk-... atlas_janus (2026-12-02 15:40:00 +0000)
//	1 row(s)
func ParseListSnapshots(out string) ([]SnapshotInfo, error) {
	lines := strings.Split(cleanShellOutput(out), "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "SNAPSHOT") && strings.Contains(l, "TABLE + CREATION TIME") {
			start = i + 1
			break
		}
	}
	if start < 0 {
		if err := ShellError(out); err != nil {
			return nil, fmt.Errorf("parse list_snapshots: %w", err)
		}
		return nil, fmt.Errorf("parse list_snapshots: no SNAPSHOT header in %q", tailString(out, 200))
	}
	infos := []SnapshotInfo{}
	for _, l := range lines[start:] {
		if m := rowsLineRe.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n != len(infos) {
				return nil, fmt.Errorf("parse list_snapshots: %d snapshots before %q", len(infos), l)
			}
			return infos, nil
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		m := snapshotLineRe.FindStringSubmatch(l)
		if m == nil {
			return nil, fmt.Errorf("parse list_snapshots: line %q: want \"name table (creation time)\"", l)
		}
		infos = append(infos, SnapshotInfo{Name: m[1], Table: m[2]})
	}
	return nil, fmt.Errorf("parse list_snapshots: no \"N row(s)\" line in %q", tailString(out, 200))
}

// ExportSnapshotOptions are the inputs of an ExportSnapshot job.
type ExportSnapshotOptions struct {
	Snapshot string
	// CopyFrom is the root the snapshot is read from (empty: the cluster's
	// hbase.rootdir); CopyTo the root it is written to (required).
	CopyFrom string
	CopyTo   string
	// Target renames the snapshot in CopyTo (empty: the same name).
	Target string
	// Mappers bounds the copy's map tasks (0: ExportSnapshot's own choice); Bandwidth
	// each mapper's rate in MB/s (0: unlimited). EMR's documentation asks for both on a
	// busy cluster: the copy competes with HBase for disks and network.
	Mappers   int
	Bandwidth int
	// NoChecksumVerify passes -no-checksum-verify (file sizes are still compared).
	NoChecksumVerify bool
	// Owner (user[:group], optional) becomes the copied files' owner (-chuser/-chgroup):
	// the hbase user must own what is copied into its root dir.
	Owner string
}

// ExportSnapshotArgv builds
//
//	bin org.apache.hadoop.hbase.snapshot.ExportSnapshot -snapshot S [-copy-from F] -copy-to T [-target N] [-mappers M] [-bandwidth B] [-no-checksum-verify] [-chuser U [-chgroup G]]
func ExportSnapshotArgv(bin string, o ExportSnapshotOptions) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("exportsnapshot argv: %w", err)
	}
	if err := ValidateSnapshot(o.Snapshot); err != nil {
		return nil, fmt.Errorf("exportsnapshot argv: %w", err)
	}
	if err := ValidatePath(o.CopyTo); err != nil {
		return nil, fmt.Errorf("exportsnapshot argv: copy-to: %w", err)
	}
	if o.Mappers < 0 || o.Bandwidth < 0 {
		return nil, fmt.Errorf("exportsnapshot argv: mappers %d, bandwidth %d: must be >= 0", o.Mappers, o.Bandwidth)
	}
	argv := []string{bin, ExportSnapshotClass, "-snapshot", o.Snapshot}
	if o.CopyFrom != "" {
		if err := ValidatePath(o.CopyFrom); err != nil {
			return nil, fmt.Errorf("exportsnapshot argv: copy-from: %w", err)
		}
		argv = append(argv, "-copy-from", HadoopPath(o.CopyFrom))
	}
	argv = append(argv, "-copy-to", HadoopPath(o.CopyTo))
	if o.Target != "" {
		if err := ValidateSnapshot(o.Target); err != nil {
			return nil, fmt.Errorf("exportsnapshot argv: target: %w", err)
		}
		argv = append(argv, "-target", o.Target)
	}
	if o.Mappers > 0 {
		argv = append(argv, "-mappers", strconv.Itoa(o.Mappers))
	}
	if o.Bandwidth > 0 {
		argv = append(argv, "-bandwidth", strconv.Itoa(o.Bandwidth))
	}
	if o.NoChecksumVerify {
		argv = append(argv, "-no-checksum-verify")
	}
	if o.Owner != "" {
		if err := ValidateOwner(o.Owner); err != nil {
			return nil, fmt.Errorf("exportsnapshot argv: %w", err)
		}
		u, g, hasGroup := strings.Cut(o.Owner, ":")
		argv = append(argv, "-chuser", u)
		if hasGroup {
			argv = append(argv, "-chgroup", g)
		}
	}
	return argv, nil
}

// GuardArgv runs argv and, when it fails, feeds cleanup to the HBase shell in its
// lenient mode (without -n the shell reports an error and goes on with the next
// statement, exit 0), then exits with argv's status: a snapshot or scratch table a
// failed step leaves is removed on the runner host, whatever becomes of the caller.
// The program text is fixed; the script and argv travel as positional data ($1, $2,
// ${@:3}), so bash interprets none of them.
func GuardArgv(bin, cleanup string, argv []string) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("guard argv: %w", err)
	}
	if cleanup == "" || strings.ContainsRune(cleanup, 0) {
		return nil, fmt.Errorf("guard argv: cleanup must be non-empty text without NUL")
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("guard argv: no command")
	}
	return append([]string{"bash", "-c", `"${@:3}" && exit 0; rc=$?; printf '%s\n' "$1" | "$2" shell >&2; exit $rc`, "hbase-guard", cleanup, bin}, argv...), nil
}

// LenientShellArgv feeds script to the HBase shell without -n: every statement is
// tried and an error does not stop the next (exit 0). For cleanups whose objects may
// or may not exist (delete_snapshot of a snapshot an interrupted run may have left).
func LenientShellArgv(bin, script string) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("hbase shell argv: %w", err)
	}
	if script == "" || strings.ContainsRune(script, 0) {
		return nil, fmt.Errorf("hbase shell argv: script must be non-empty text without NUL")
	}
	return []string{"bash", "-c", `printf '%s\n' "$1" | { shift; exec "$@"; }`, "hbase-shell", script, bin, "shell"}, nil
}

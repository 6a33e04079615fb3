package hbase

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/atlas-backup/atlas-backup/shared/hostpath"
)

const maxTableName = 255

var (
	namespaceRe = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	qualifierRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	familyRe    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
)

// ValidateTable checks an HBase table name: [namespace:]qualifier, the namespace of
// [A-Za-z0-9_], the qualifier of [A-Za-z0-9_.-] not starting with '.' or '-', no "..",
// at most 255 characters. Names that pass are safe as argv words and inside single quotes
// in the HBase shell.
func ValidateTable(name string) error {
	const rule = "must be [namespace:]qualifier with namespace [A-Za-z0-9_]+ and qualifier [A-Za-z0-9_.-]+, not starting with '.' or '-', no '..', at most 255 characters"
	if name == "" || len(name) > maxTableName || strings.Contains(name, "..") {
		return fmt.Errorf("table name %q: %s", name, rule)
	}
	ns, q, hasNS := strings.Cut(name, ":")
	if !hasNS {
		q = ns
	} else if !namespaceRe.MatchString(ns) {
		return fmt.Errorf("table name %q: namespace: %s", name, rule)
	}
	if !qualifierRe.MatchString(q) {
		return fmt.Errorf("table name %q: %s", name, rule)
	}
	return nil
}

// ValidateFamily checks a column family name: [A-Za-z0-9_.-], not starting with '.' or
// '-', no "..", at most 255 characters. (HBase allows more; Atlas uses short letters.)
func ValidateFamily(name string) error {
	if name == "" || len(name) > 255 || strings.Contains(name, "..") || !familyRe.MatchString(name) {
		return fmt.Errorf("column family %q: must be [A-Za-z0-9_.-]+, not starting with '.' or '-', no '..', at most 255 characters", name)
	}
	return nil
}

var (
	authorityRe = regexp.MustCompile(`^[A-Za-z0-9_.-]*(:[0-9]{1,5})?$`)
	segmentRe   = regexp.MustCompile(`^[A-Za-z0-9_.=+@-]+$`)
)

// ValidatePath checks a file system location used as an argv word: hdfs://authority/path,
// s3://bucket/path, s3a://bucket/path, or an absolute local (default file system) path
// /path. Path segments are [A-Za-z0-9_.=+@-]+, never "." or ".."; no spaces, newlines,
// quotes or shell metacharacters; at least one segment.
func ValidatePath(p string) error {
	const rule = "must be hdfs://, s3://, s3a:// or an absolute path, segments [A-Za-z0-9_.=+@-] without '..', no spaces or shell metacharacters"
	rest := p
	scheme := ""
	for _, s := range []string{"hdfs://", "s3://", "s3a://"} {
		if strings.HasPrefix(p, s) {
			scheme, rest = s, p[len(s):]
			break
		}
	}
	if scheme != "" {
		auth, path, ok := strings.Cut(rest, "/")
		if !ok || !authorityRe.MatchString(auth) {
			return fmt.Errorf("path %q: %s", p, rule)
		}
		if scheme != "hdfs://" && auth == "" {
			return fmt.Errorf("path %q: bucket required: %s", p, rule)
		}
		rest = "/" + path
	}
	if !strings.HasPrefix(rest, "/") || len(p) > 4096 {
		return fmt.Errorf("path %q: %s", p, rule)
	}
	segs := strings.Split(strings.TrimSuffix(rest[1:], "/"), "/")
	for _, s := range segs {
		if s == "." || s == ".." || strings.Contains(s, "..") || !segmentRe.MatchString(s) {
			return fmt.Errorf("path %q: %s", p, rule)
		}
	}
	return nil
}

// HadoopPath is how a location checked by ValidatePath is given to a Hadoop tool: a
// local path as file:///path, since this tool reads and writes it on the local disk and
// a cluster's default file system (fs.defaultFS) is HDFS, where a bare /path would
// resolve; hdfs://, s3:// and s3a:// locations as they are.
func HadoopPath(p string) string {
	if strings.HasPrefix(p, "/") {
		return "file://" + p
	}
	return p
}

var (
	ownerPartRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,31}$`)
	classNameRe = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)+$`)
)

// ProgramRule and OwnerRule say what ValidateProgram and ValidateOwner accept.
const (
	OwnerRule = "must be user[:group], each of letters, digits and _.- starting with a letter or _, at most 32 characters, without '..'"
)

// ValidateProgram is the rule for a launcher on the runner host (hbase.command, the first
// argv word of every HBase job): hostpath.ValidateProgram.
func ValidateProgram(bin string) error { return hostpath.ValidateProgram(bin) }

// ValidateOwner is the one rule for the owner of the export folder (hbase.owner, the
// argument of hdfs dfs -chown): user or user:group.
func ValidateOwner(owner string) error {
	u, g, hasGroup := strings.Cut(owner, ":")
	if !ownerPartRe.MatchString(u) || hasGroup && !ownerPartRe.MatchString(g) || strings.Contains(owner, "..") {
		return fmt.Errorf("owner %.80q: %s", owner, OwnerRule)
	}
	return nil
}

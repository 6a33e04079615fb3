package solr

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
)

// Name limits. Solr itself has no length limit on collection names; long names make
// long core names, ZooKeeper paths and backup paths, so this package stops at 100.
const (
	MaxNameLen    = 100
	MaxAsyncIDLen = 100
)

// ValidateCollection checks a collection name against Solr's identifier rule
// (SolrIdentifierValidator: letters, digits, '.', '_', '-', not starting with '-') and
// this package's extra rules: no "..", at most MaxNameLen characters.
func ValidateCollection(name string) error {
	return validateIdentifier("collection", name)
}

// ValidateBackupName checks a backup name. The name becomes a folder under the backup
// location, so it follows the same rule as a collection name and may not start with '.'.
func ValidateBackupName(name string) error {
	if err := validateIdentifier("backup name", name); err != nil {
		return err
	}
	if strings.HasPrefix(name, ".") {
		return fmt.Errorf("backup name %q: must not start with '.'", name)
	}
	return nil
}

// ValidateAsyncID checks an async request id: the identifier rule, at most
// MaxAsyncIDLen characters, not "-1" (Solr reserves it).
func ValidateAsyncID(id string) error {
	if id == "-1" {
		return fmt.Errorf("async id %q: reserved by Solr", id)
	}
	return validateIdentifier("async id", id)
}

func validateIdentifier(field, s string) error {
	if s == "" {
		return fmt.Errorf("%s: empty", field)
	}
	if len(s) > MaxNameLen {
		return fmt.Errorf("%s %.20q...: longer than %d characters", field, s, MaxNameLen)
	}
	if s[0] == '-' {
		return fmt.Errorf("%s %q: must not start with '-'", field, s)
	}
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("%s %q: character %q at %d not allowed (letters, digits, '.', '_', '-')", field, s, r, i)
		}
	}
	if strings.Contains(s, "..") {
		return fmt.Errorf("%s %q: must not contain \"..\"", field, s)
	}
	return nil
}

// ValidateLocation checks a backup location: an absolute path for the local file-system
// repository ("/backups/solr") or a repository URI ("s3://bucket/prefix",
// "hdfs://nn/path"). No "..", no control characters, no whitespace at either end.
func ValidateLocation(location string) error {
	if location == "" {
		return fmt.Errorf("location: empty")
	}
	if strings.TrimSpace(location) != location {
		return fmt.Errorf("location %q: leading or trailing whitespace", location)
	}
	for _, r := range location {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("location %q: control character %q", location, r)
		}
	}
	for _, part := range strings.Split(location, "/") {
		if part == ".." {
			return fmt.Errorf("location %q: must not contain \"..\"", location)
		}
	}
	if strings.HasPrefix(location, "/") {
		return nil
	}
	u, err := url.Parse(location)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("location %q: want an absolute path or a repository URI (scheme://...)", location)
	}
	return nil
}

// AsyncID derives the async request id of one collection's backup from the backup id:
// the same inputs give the same id (a retry finds the first attempt instead of starting a
// second backup), distinct collections give distinct ids. The id is readable — a
// sanitized, shortened backup id and collection — and ends in a hash of both raw inputs,
// so ids stay distinct even when sanitizing or shortening makes the readable parts equal.
// It satisfies ValidateAsyncID and is at most 71 characters.
func AsyncID(backupID, collection string) string {
	sum := sha256.Sum256([]byte(backupID + "\x00" + collection))
	return sanitizeID(backupID, 32) + "-" + sanitizeID(collection, 26) + "-" + hex.EncodeToString(sum[:5])
}

// sanitizeID keeps letters, digits, '_' and '-', maps anything else to '_', never starts
// with '-', and cuts to max characters. It never returns "".
func sanitizeID(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		case r == '-' && b.Len() > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

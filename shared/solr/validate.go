package solr

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/atlas-backup/atlas-backup/shared/hostpath"
)

// Name limits. Solr itself has no length limit on collection names; long names make
// long core names, ZooKeeper paths and backup paths, so this package stops at 100.
const (
	MaxNameLen    = 100
	MaxAsyncIDLen = 100
)

// ValidateCollection checks a collection name against Solr's identifier rule
// (SolrIdentifierValidator: letters, digits, '.', '_', '-', not starting with '-') and
// this package's extra rules: not starting with '.', no "..", at most MaxNameLen
// characters.
func ValidateCollection(name string) error {
	if err := validateIdentifier("collection", name); err != nil {
		return err
	}
	if strings.HasPrefix(name, ".") {
		// "." and ".x" pass Solr's own rule, but the name becomes a folder of the backup
		// location and a segment of the store's keys, where "." means "this folder"
		return fmt.Errorf("collection %q: must not start with '.'", name)
	}
	return nil
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

// LocationRule says what ValidateLocation accepts.
const LocationRule = "must be an absolute path (" + hostpath.Rule + ") or a repository URI scheme://[host[:port]]/path (s3://bucket/prefix, hdfs://nn:8020/dir) whose path follows the same segment rule"

var (
	locSchemeRe    = regexp.MustCompile(`^[a-z][a-z0-9+.-]{0,15}$`)
	locAuthorityRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{0,253}(:[0-9]{1,5})?$`)
)

// ValidateLocation is the one rule for a Solr backup location (solr.location, the
// location parameter of BACKUP, RESTORE, LISTBACKUP): an absolute path for the local
// file-system repository ("/backups/solr", hostpath's rule) or a repository URI
// ("s3://bucket/prefix", "hdfs://nn/path") whose path follows the same rule.
func ValidateLocation(location string) error {
	if strings.HasPrefix(location, "/") {
		if err := hostpath.Validate(location); err != nil {
			return fmt.Errorf("location: %w", err)
		}
		return nil
	}
	scheme, rest, ok := strings.Cut(location, "://")
	if !ok || !locSchemeRe.MatchString(scheme) {
		return fmt.Errorf("location %.80q: %s", location, LocationRule)
	}
	auth, path, _ := strings.Cut(rest, "/")
	if !locAuthorityRe.MatchString(auth) || strings.Contains(auth, "..") {
		return fmt.Errorf("location %.80q: host: %s", location, LocationRule)
	}
	if err := hostpath.Validate("/" + path); err != nil {
		return fmt.Errorf("location %.80q: path: %s", location, LocationRule)
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

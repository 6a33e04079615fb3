package store

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Location is a parsed store URL (restic's location.Parse, s5cmd's storage/url): the
// one reading of s3://bucket[/prefix] and file:///dir. Config validation, the clients,
// the host agent and the agent's SSM parameter all take a Location, never the string, so
// a URL means the same store to every one of them.
type Location struct {
	// Scheme is "s3" or "file".
	Scheme string
	// Bucket is the S3 bucket (s3 only).
	Bucket string
	// Prefix is the key prefix of every object (s3 only): ValidatePrefix's rule, no
	// leading or trailing '/', "" for none. It is Layout.Prefix.
	Prefix string
	// Dir is the absolute folder of a file store (file only), without a trailing '/'.
	Dir string
}

// Store URL limits: the host agent's SSM document takes a path of at most 512 characters
// after the bucket (template.yaml AgentDocument store), so a prefix is at most 511.
const (
	MaxPrefixLen = 511
	MaxDirLen    = 512
)

// PrefixPattern is the one rule for a store prefix, as a regular expression: segments
// of [A-Za-z0-9._=-] starting with a letter or digit, at most 128 characters each. It is
// what every consumer accepts: an S3 key prefix (ValidateKey), the agent's SSM
// allowedPattern, and template.yaml's StorePrefix parameter, whose IAM ARNs are built
// from it (a test compares them).
const PrefixPattern = `^[A-Za-z0-9][A-Za-z0-9._=-]{0,127}(/[A-Za-z0-9][A-Za-z0-9._=-]{0,127})*$`

var prefixRE = regexp.MustCompile(PrefixPattern)

// URLRule says what ParseURL accepts.
const URLRule = "a store is s3://bucket[/prefix] or file:///absolute/dir: the bucket 3-63 characters of a-z, 0-9, '.', '-'; the prefix '/'-separated segments of letters, digits and ._=- each starting with a letter or digit, at most 511 characters; the folder segments of letters, digits and ._=- (not . or ..), at most 512 characters; nothing else (no user, port, query, fragment or %-escapes)"

// ParseURL parses a store URL. It reads the string as written: no percent-decoding, no
// user info, port, query or fragment, lower-case scheme only; one trailing '/' is
// allowed. It does no I/O.
func ParseURL(raw string) (Location, error) {
	bad := func(why string) (Location, error) {
		return Location{}, fmt.Errorf("store url %.100q: %s: %s", raw, why, URLRule)
	}
	if len(raw) > 8+63+1+MaxDirLen {
		return bad("too long")
	}
	switch {
	case strings.HasPrefix(raw, "s3://"):
		bucket, path, _ := strings.Cut(raw[len("s3://"):], "/")
		if err := ValidateBucket(bucket); err != nil {
			return bad(err.Error())
		}
		prefix := strings.TrimSuffix(path, "/")
		if prefix != "" {
			if err := ValidatePrefix(prefix); err != nil {
				return bad(err.Error())
			}
		} else if path != "" {
			return bad("empty prefix after the bucket")
		}
		return Location{Scheme: "s3", Bucket: bucket, Prefix: prefix}, nil
	case strings.HasPrefix(raw, "file://"):
		dir := raw[len("file://"):]
		if !strings.HasPrefix(dir, "/") {
			return bad("a file store names a local folder: file:///absolute/dir (three slashes)")
		}
		if len(dir) > 1 {
			dir = strings.TrimSuffix(dir, "/")
		}
		if dir == "/" || len(dir) > MaxDirLen {
			return bad("folder")
		}
		for _, seg := range strings.Split(dir[1:], "/") {
			if seg == "" || seg == "." || seg == ".." || !charsOK(seg, "._=-") {
				return bad(fmt.Sprintf("folder segment %q", seg))
			}
		}
		return Location{Scheme: "file", Dir: dir}, nil
	}
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		scheme = ""
	}
	return bad(fmt.Sprintf("scheme %q not supported", scheme))
}

// String is the canonical URL: s3://bucket, s3://bucket/prefix or file:///dir. ParseURL
// of it gives the same Location.
func (l Location) String() string {
	switch l.Scheme {
	case "s3":
		if l.Prefix == "" {
			return "s3://" + l.Bucket
		}
		return "s3://" + l.Bucket + "/" + l.Prefix
	case "file":
		return "file://" + l.Dir
	}
	return ""
}

// ValidatePrefix checks a store prefix against PrefixPattern and MaxPrefixLen.
func ValidatePrefix(p string) error {
	if len(p) > MaxPrefixLen || !prefixRE.MatchString(p) {
		return fmt.Errorf("prefix %.80q: must be '/'-separated segments of letters, digits and ._=- each starting with a letter or digit (at most 128 characters), at most %d characters", p, MaxPrefixLen)
	}
	return ValidateKey(p)
}

func charsOK(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

var bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ValidateBucket checks an S3 general-purpose bucket name: 3-63 characters of lowercase
// letters, digits, '.' and '-', starting and ending with a letter or digit; no "..", ".-"
// or "-."; not an IP address; none of the prefixes and suffixes S3 reserves (xn--,
// sthree-, amzn-s3-demo-, -s3alias, --ol-s3, .mrap, --x-s3, --table-s3).
func ValidateBucket(b string) error {
	const rule = "must be 3-63 characters of a-z, 0-9, '.', '-', start and end with a letter or digit, no \"..\", not an IP address or a name S3 reserves"
	if !bucketRE.MatchString(b) || strings.Contains(b, "..") || strings.Contains(b, ".-") || strings.Contains(b, "-.") {
		return fmt.Errorf("bucket name %.80q: %s", b, rule)
	}
	if _, err := netip.ParseAddr(b); err == nil {
		return fmt.Errorf("bucket name %q: %s", b, rule)
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(b, p) {
			return fmt.Errorf("bucket name %q: %s", b, rule)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(b, s) {
			return fmt.Errorf("bucket name %q: %s", b, rule)
		}
	}
	return nil
}

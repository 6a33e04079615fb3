package kerberos

import (
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/jcmturner/gokrb5/v8/keytab"
)

// keytabFirstByte is the first byte of every MIT keytab (format 0x05 0x01 or 0x05 0x02).
const keytabFirstByte = 0x05

// LoadKeytab reads a keytab file. The error names the file, never its content.
func LoadKeytab(path string) (*keytab.Keytab, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read keytab %s: %w", path, err)
	}
	kt, err := ParseKeytab(b)
	if err != nil {
		return nil, fmt.Errorf("keytab %s: %w", path, err)
	}
	return kt, nil
}

// ParseKeytab parses keytab bytes: the raw binary keytab, or its standard base64
// encoding (how a binary secret often lands in a string field). The error never
// includes the bytes: gokrb5's parser can echo its input, so its message is dropped and
// only the length is reported.
func ParseKeytab(b []byte) (kt *keytab.Keytab, err error) {
	raw := b
	if len(b) > 0 && b[0] != keytabFirstByte {
		dec, decErr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if decErr != nil || len(dec) == 0 || dec[0] != keytabFirstByte {
			return nil, fmt.Errorf("%w: %d bytes, neither a keytab (first byte 0x05) nor base64 of one", ErrBadKeytab, len(b))
		}
		raw = dec
	}
	kt = keytab.New()
	defer func() {
		// gokrb5's parser indexes slices without bounds checks on some malformed input.
		if r := recover(); r != nil {
			kt, err = nil, fmt.Errorf("%w: malformed keytab (%d bytes)", ErrBadKeytab, len(raw))
		}
	}()
	if uerr := kt.Unmarshal(raw); uerr != nil {
		return nil, fmt.Errorf("%w: malformed keytab (%d bytes)", ErrBadKeytab, len(raw))
	}
	if len(kt.Entries) == 0 {
		return nil, fmt.Errorf("%w: keytab has no entries", ErrBadKeytab)
	}
	return kt, nil
}

// KeytabPrincipals lists the distinct principals (name@REALM) a keytab holds keys for,
// for a "keytab has no key for X, it has Y" message. It returns no key material.
func KeytabPrincipals(kt *keytab.Keytab) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range kt.Entries {
		p := strings.Join(e.Principal.Components, "/") + "@" + e.Principal.Realm
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// hasPrincipal reports whether the keytab holds a key for user@realm.
func hasPrincipal(kt *keytab.Keytab, user, realm string) bool {
	for _, e := range kt.Entries {
		if e.Principal.Realm == realm && strings.Join(e.Principal.Components, "/") == user {
			return true
		}
	}
	return false
}

// keyVersions describes the key versions a keytab holds for user@realm ("kvno 3",
// "kvno 2, 3"), for a message that the KDC's key differs; never key material.
func keyVersions(kt *keytab.Keytab, user, realm string) string {
	var vs []string
	seen := map[uint32]bool{}
	for _, e := range kt.Entries {
		if e.Principal.Realm == realm && strings.Join(e.Principal.Components, "/") == user && !seen[e.KVNO] {
			seen[e.KVNO] = true
			vs = append(vs, strconv.FormatUint(uint64(e.KVNO), 10))
		}
	}
	if len(vs) == 0 {
		return ""
	}
	return "kvno " + strings.Join(vs, ", ")
}

package kerberos

import (
	"fmt"
	"strings"
)

// Name limits: a principal is one argv word of kinit and one field of a login; these
// bounds are far above real names and far below what a hostile value would need.
const (
	MaxPrincipalLen = 255
	maxComponentLen = 128
)

// PrincipalRule and SPNRule say what ParsePrincipal and ParseSPN accept.
const (
	PrincipalRule = "must be primary[/instance][@REALM]: primary and instance of letters, digits and ._- starting with a letter, digit or _, realm of letters, digits and .-, no '..', at most 255 characters"
	SPNRule       = "must be SERVICE/host such as HTTP/solr1.example.com: service of letters, digits, _ and -, host a DNS name or IPv4 address without a trailing dot, no @REALM"
)

// Principal is a parsed Kerberos principal: the primary, its instance components and the
// realm ("" when the name carries none: the krb5 config's default_realm then applies).
type Principal struct {
	Primary   string
	Instances []string
	Realm     string
}

// Name is primary[/instance...] without the realm.
func (p Principal) Name() string {
	return strings.Join(append([]string{p.Primary}, p.Instances...), "/")
}

// String is the principal as written: name[@REALM].
func (p Principal) String() string {
	if p.Realm == "" {
		return p.Name()
	}
	return p.Name() + "@" + p.Realm
}

// ParsePrincipal is the one rule for a Kerberos principal (kerberos.principal,
// hbase.principal, kinit's argument, the login): primary[/instance[/...]][@REALM] in the
// syntax of krb5_parse_name, restricted to names without escapes: components of
// [A-Za-z0-9._-] starting with a letter, digit or '_' (so never option-like), at most two
// instances, a realm of [A-Za-z0-9.-] (and '_') starting and ending with a letter or
// digit, no "..", at most MaxPrincipalLen bytes.
func ParsePrincipal(s string) (Principal, error) {
	bad := func(why string) (Principal, error) {
		return Principal{}, fmt.Errorf("principal %.80q: %s: %s", s, why, PrincipalRule)
	}
	if s == "" {
		return bad("empty")
	}
	if len(s) > MaxPrincipalLen {
		return bad(fmt.Sprintf("longer than %d characters", MaxPrincipalLen))
	}
	if strings.Contains(s, "..") {
		return bad(`contains ".."`)
	}
	name, realm, hasRealm := strings.Cut(s, "@")
	var p Principal
	if hasRealm {
		if !realmOK(realm) {
			return bad("realm")
		}
		p.Realm = realm
	}
	comps := strings.Split(name, "/")
	if len(comps) > 3 {
		return bad("more than two instances")
	}
	for i, c := range comps {
		if !componentOK(c) {
			if i == 0 {
				return bad("primary")
			}
			return bad("instance")
		}
	}
	p.Primary, p.Instances = comps[0], comps[1:]
	return p, nil
}

func componentOK(c string) bool {
	if c == "" || len(c) > maxComponentLen || !(isAlnum(c[0]) || c[0] == '_') {
		return false
	}
	for i := 0; i < len(c); i++ {
		if !(isAlnum(c[i]) || c[i] == '.' || c[i] == '_' || c[i] == '-') {
			return false
		}
	}
	return true
}

func realmOK(r string) bool {
	if r == "" || len(r) > maxComponentLen || !isAlnum(r[0]) || !isAlnum(r[len(r)-1]) {
		return false
	}
	for i := 0; i < len(r); i++ {
		if !(isAlnum(r[i]) || r[i] == '.' || r[i] == '-' || r[i] == '_') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// SPN is a parsed service principal name of an HTTP server (Solr, Atlas): SERVICE/host.
type SPN struct {
	Service, Host string
}

// String is SERVICE/host.
func (s SPN) String() string { return s.Service + "/" + s.Host }

// ParseSPN is the one rule for a service principal name (atlas.spn, solr.nodes[].spn, the
// SPNEGO transport): SERVICE/host with no realm (gokrb5 wants it without), the service of
// [A-Za-z0-9_-] starting with a letter, the host a DNS name of letter-digit-hyphen labels
// (or an IPv4 address) without a trailing dot, at most 253 characters.
func ParseSPN(s string) (SPN, error) {
	bad := func(why string) (SPN, error) {
		return SPN{}, fmt.Errorf("spn %.80q: %s: %s", s, why, SPNRule)
	}
	svc, host, ok := strings.Cut(s, "/")
	if !ok {
		return bad("no '/'")
	}
	if svc == "" || len(svc) > 64 || !(svc[0] >= 'A' && svc[0] <= 'Z' || svc[0] >= 'a' && svc[0] <= 'z') {
		return bad("service")
	}
	for i := 0; i < len(svc); i++ {
		if !(isAlnum(svc[i]) || svc[i] == '_' || svc[i] == '-') {
			return bad("service")
		}
	}
	if !hostOK(host) {
		return bad("host")
	}
	return SPN{Service: svc, Host: host}, nil
}

// hostOK: a DNS name of labels [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])? of at most 63
// characters, at most 253 in all, no trailing dot (an IPv4 address is such a name too).
func hostOK(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 || !isAlnum(l[0]) || !isAlnum(l[len(l)-1]) {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !(isAlnum(l[i]) || l[i] == '-') {
				return false
			}
		}
	}
	return true
}

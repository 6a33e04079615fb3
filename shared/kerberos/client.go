package kerberos

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

// SplitPrincipal splits "user@REALM" (or "service/host@REALM") into name and realm,
// after ParsePrincipal's rule. Without "@REALM" the realm is cfg's default_realm.
func SplitPrincipal(principal string, cfg *config.Config) (name, realm string, err error) {
	p, err := ParsePrincipal(principal)
	if err != nil {
		return "", "", err
	}
	if p.Realm == "" {
		if cfg == nil || cfg.LibDefaults.DefaultRealm == "" {
			return "", "", fmt.Errorf("principal %q: no @REALM and no default_realm in krb5 config", principal)
		}
		p.Realm = cfg.LibDefaults.DefaultRealm
	}
	return p.Name(), p.Realm, nil
}

// NewClient logs in as principal with the keys of kt and returns the logged-in client.
// principal is "user" or "user@REALM" (realm from cfg's default_realm when absent).
// PA-FX-FAST is disabled, as MIT and AD KDCs require. A login failure is an *Error whose
// Kind is ErrBadCredentials, ErrKDCUnreachable, ErrClockSkew... (see Classify).
// Call Destroy on the client when done.
func NewClient(principal string, kt *keytab.Keytab, cfg *config.Config) (*client.Client, error) {
	if kt == nil {
		return nil, errors.New("kerberos login: nil keytab")
	}
	if cfg == nil {
		return nil, errors.New("kerberos login: nil krb5 config")
	}
	name, realm, err := SplitPrincipal(principal, cfg)
	if err != nil {
		return nil, fmt.Errorf("kerberos login: %w", err)
	}
	full := name + "@" + realm
	if !hasPrincipal(kt, name, realm) {
		return nil, &Error{Op: "login", Principal: full, Kind: ErrBadCredentials,
			Err: fmt.Errorf("keytab has no key for %s (it has %s)", full, strings.Join(KeytabPrincipals(kt), ", "))}
	}
	cl := client.NewWithKeytab(name, realm, kt, cfg, client.DisablePAFXFAST(true))
	if err := cl.Login(); err != nil {
		e := classified("login", full, "", err)
		e.Advice = Advise(err, full, keyVersions(kt, name, realm))
		return nil, e
	}
	return cl, nil
}

// NewClientFromKeytabBytes parses keytab bytes (raw or base64, e.g. from Secrets
// Manager) and logs in; see ParseKeytab and NewClient.
func NewClientFromKeytabBytes(principal string, keytabBytes []byte, cfg *config.Config) (*client.Client, error) {
	kt, err := ParseKeytab(keytabBytes)
	if err != nil {
		return nil, fmt.Errorf("kerberos login as %s: %w", principal, err)
	}
	return NewClient(principal, kt, cfg)
}

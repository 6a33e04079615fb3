package kerberos

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Classified failures. Test with errors.Is; their text is the short reason to report.
var (
	// ErrKDCUnreachable: no KDC answered (connection refused, timeout, no KDC for the realm).
	ErrKDCUnreachable = errors.New("cannot reach KDC")
	// ErrBadCredentials: the KDC does not know the client principal, or the keytab key is
	// wrong (pre-authentication failed, AS-REP integrity check failed), or the keytab
	// holds no key for the principal.
	ErrBadCredentials = errors.New("bad credentials")
	// ErrUnknownService: the KDC has no such service principal (SPN).
	ErrUnknownService = errors.New("unknown service principal")
	// ErrClockSkew: the clocks of this host and the KDC or service differ too much.
	ErrClockSkew = errors.New("clock skew too great")
	// ErrNoSPN: no service principal is configured for the request's host.
	ErrNoSPN = errors.New("no SPN for request")
	// ErrInvalidSPN: the SPN is not of the form service/host.
	ErrInvalidSPN = errors.New("invalid SPN")
	// ErrBadKeytab: the keytab cannot be read or parsed.
	ErrBadKeytab = errors.New("bad keytab")
)

// Error is a Kerberos failure with its context. errors.Is matches both Kind (one of the
// sentinels above, or nil when the failure is not classified) and the underlying error.
type Error struct {
	Op        string // "login", "spnego"
	Principal string // client principal, user@REALM
	SPN       string // service principal, for Op "spnego"
	Kind      error  // classification sentinel, may be nil
	Err       error  // underlying gokrb5 error
	// Advice says what the operator does about it (Advise), or is empty.
	Advice string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("kerberos ")
	b.WriteString(e.Op)
	if e.Principal != "" {
		b.WriteString(" as ")
		b.WriteString(e.Principal)
	}
	if e.SPN != "" {
		b.WriteString(" for ")
		b.WriteString(e.SPN)
	}
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(e.Kind.Error())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Advice != "" {
		b.WriteString(": ")
		b.WriteString(e.Advice)
	}
	return b.String()
}

// Unwrap returns the classification and the underlying error.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Reason is the short, secret-free reason for a manifest: the classification's text, or
// "kerberos <op> failed" when the failure is not classified.
func (e *Error) Reason() string {
	if e.Kind != nil {
		return e.Kind.Error()
	}
	return fmt.Sprintf("kerberos %s failed", e.Op)
}

// Patterns in gokrb5 v8 error text. gokrb5 turns a KRBError into text through
// krberror.Errorf ("KRB Error: (24) KDC_ERR_PREAUTH_FAILED Pre-authentication
// information was invalid"), so the original type is lost and only the text is left.
var (
	unknownServicePatterns = []string{"KDC_ERR_S_PRINCIPAL_UNKNOWN"}
	badCredentialPatterns  = []string{
		"KDC_ERR_C_PRINCIPAL_UNKNOWN",
		"KDC_ERR_PREAUTH_FAILED",
		"KRB_AP_ERR_BAD_INTEGRITY",
		"KDC_ERR_CLIENT_REVOKED",
		"KDC_ERR_KEY_EXPIRED",
		"KDC_ERR_NAME_EXP",
		"KDC_ERR_ETYPE_NOSUPP",
		"client password/keytab incorrect",
		"error decrypting AS_REP",
		"error decrypting EncPart of AS_REP",
		"matching key not found in keytab",
		"error getting key from credentials",
	}
	clockSkewPatterns   = []string{"KRB_AP_ERR_SKEW"}
	unreachablePatterns = []string{
		"Networking_Error",
		"failed to communicate with KDC",
		"communication error with KDC",
		"error sending to a KDC",
		"no KDCs defined in configuration",
		"no KDC SRV records found",
	}
)

// Classify maps an error from gokrb5 (login, service ticket, SPNEGO header) to one of
// ErrKDCUnreachable, ErrBadCredentials, ErrUnknownService, ErrClockSkew, or nil when the
// error is none of these. An error that already carries one of this package's sentinels
// (including ErrNoSPN, ErrInvalidSPN, ErrBadKeytab) keeps it.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	for _, k := range []error{ErrKDCUnreachable, ErrBadCredentials, ErrUnknownService, ErrClockSkew, ErrNoSPN, ErrInvalidSPN, ErrBadKeytab} {
		if errors.Is(err, k) {
			return k
		}
	}
	msg := err.Error()
	// KDC answers first: a KRB error code means the KDC was reached.
	switch {
	case containsAny(msg, unknownServicePatterns):
		return ErrUnknownService
	case containsAny(msg, clockSkewPatterns):
		return ErrClockSkew
	case containsAny(msg, badCredentialPatterns):
		return ErrBadCredentials
	case containsAny(msg, unreachablePatterns):
		return ErrKDCUnreachable
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return ErrKDCUnreachable
	}
	return nil
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func classified(op, principal, spn string, err error) *Error {
	e := &Error{Op: op, Principal: principal, SPN: spn, Kind: Classify(err), Err: err}
	e.Advice = Advise(err, principal, "")
	return e
}

// Advise says what an operator does about a Kerberos failure whose cause the KDC named
// (gokrb5's text of its KRB error; MIT kinit's message for the same codes), or "" when it
// has no advice. principal is the client; keys describes the keytab's key versions for
// it ("kvno 3"), when known.
func Advise(err error, principal, keys string) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	who := principal
	if who == "" {
		who = "the principal"
	}
	inKeytab := "the keytab's key"
	if keys != "" {
		inKeytab += " (" + keys + ")"
	}
	switch {
	case containsAny(msg, []string{"KRB_AP_ERR_SKEW", "Clock skew too great"}):
		return "this host's clock and the KDC's (or the service's) differ by more than Kerberos allows (clockskew, 5 minutes by default): sync the clocks (NTP/chrony) and run again"
	case containsAny(msg, []string{"KDC_ERR_KEY_EXPIRED", "Password has expired"}):
		return "the password (key) of " + who + " has expired in the KDC: renew it there (MIT: kadmin modprinc -pwexpire never, or cpw -randkey and a new keytab; AD: reset the account's password and export a new keytab), then run again"
	case containsAny(msg, []string{"KDC_ERR_NAME_EXP", "Client's entry in database has expired"}):
		return who + " has expired in the KDC (its principal/account expiry): extend it (MIT: kadmin modprinc -expire never; AD: the account's expiry date), then run again"
	case containsAny(msg, []string{"KDC_ERR_CLIENT_REVOKED", "Client's credentials have been revoked"}):
		return who + " is disabled or locked out in the KDC: enable or unlock it, then run again"
	case containsAny(msg, []string{"KDC_ERR_C_PRINCIPAL_UNKNOWN", "not found in Kerberos database"}):
		return "the KDC does not know " + who + ": check the configured principal and realm"
	case containsAny(msg, []string{"KDC_ERR_PREAUTH_FAILED", "KRB_AP_ERR_BAD_INTEGRITY", "error decrypting AS_REP", "error decrypting EncPart of AS_REP", "Preauthentication failed", "Password incorrect"}):
		return inKeytab + " for " + who + " is not the key the KDC holds: the key was rotated (a new kvno: ktadd, cpw, Ambari's regenerate keytabs) or this is another principal's keytab; install the current keytab and run again"
	}
	return ""
}

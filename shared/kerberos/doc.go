// Package kerberos logs in to a Kerberos KDC from a keytab and authenticates HTTP
// requests with SPNEGO, for the Solr Collections API (and any other Kerberized HTTP
// endpoint of the cluster).
//
// It wraps github.com/jcmturner/gokrb5/v8 and adds what the backup steps need around it:
//
//   - LoadConfig reads a krb5.conf (gokrb5 does not look at KRB5_CONFIG by itself; an
//     empty path here does).
//   - LoadKeytab / ParseKeytab read a keytab from a file or from bytes (a keytab kept in
//     Secrets Manager arrives as bytes, raw or base64). Their errors never carry keytab
//     bytes: gokrb5's own parser can echo the input, so its message is dropped.
//   - NewClient splits "user@REALM" (the realm defaults to default_realm), turns off
//     PA-FX-FAST (MIT and AD KDCs answer it with errors) and logs in once, so a bad keytab
//     fails at start rather than on the first request.
//   - Failures are classified into sentinels usable with errors.Is, for a clear
//     reason in a manifest or a Lambda errorType: ErrKDCUnreachable ("cannot reach KDC"),
//     ErrBadCredentials (client principal unknown, pre-authentication failed, AS-REP that
//     the keytab key cannot decrypt, no key in the keytab), ErrUnknownService (SPN not in
//     the KDC), ErrClockSkew. gokrb5 flattens KDC errors into strings, so classification
//     matches the KRB error names gokrb5 prints (KDC_ERR_C_PRINCIPAL_UNKNOWN (6),
//     KDC_ERR_S_PRINCIPAL_UNKNOWN (7), KDC_ERR_PREAUTH_FAILED (24), ...) and its
//     networking messages.
//   - Transport is an http.RoundTripper that adds "Authorization: Negotiate <token>" to a
//     clone of each request. The SPN is always explicit (SPN func, StaticSPN, SPNByHost):
//     gokrb5 would derive one from the URL host, which is wrong for an IP address or a
//     CNAME, so a request without an SPN fails with ErrNoSPN instead of guessing.
//
// Ticket lifetime: gokrb5's client renews its TGT in the background and, before each
// service-ticket request, logs in again from the keytab when the TGT is in the last
// sixth of its life or gone; service tickets are cached per SPN until they expire.
// Call Destroy on the client when done to stop the renewal goroutine.
//
// A 401 answer to a request that carried a token is retried once with a fresh token
// (new authenticator) when the request body can be replayed (no body, or GetBody set).
// It covers a server that refused an authenticator at a ticket boundary or in its replay
// cache; a second 401 is returned to the caller as is. Set NoRetry to turn this off.
package kerberos

// Package secret owns secret material (keytabs, passwords): a byte type that redacts
// itself wherever it could be printed, logged or marshalled, and resolution of a secret
// reference — a file path or an AWS Secrets Manager ARN — into those bytes.
package secret

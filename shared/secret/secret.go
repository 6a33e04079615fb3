package secret

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/atlas-backup/atlas-backup/shared/hostpath"
)

// Redacted is what a Bytes value prints as.
const Redacted = "[REDACTED]"

// Bytes holds secret material. It never prints, logs or marshals its content.
type Bytes []byte

func (b Bytes) String() string                { return Redacted }
func (b Bytes) GoString() string              { return Redacted }
func (b Bytes) MarshalJSON() ([]byte, error)  { return []byte(`"` + Redacted + `"`), nil }
func (b Bytes) MarshalText() ([]byte, error)  { return []byte(Redacted), nil }
func (b Bytes) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(Redacted)) }
func (b Bytes) MarshalYAML() (any, error)     { return Redacted, nil }

// SecretsManagerAPI is the part of the Secrets Manager client Resolve needs.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// IsARN reports whether ref names a Secrets Manager secret.
func IsARN(ref string) bool {
	return strings.HasPrefix(ref, "arn:aws:secretsmanager:") || strings.HasPrefix(ref, "arn:aws-") && strings.Contains(ref, ":secretsmanager:")
}

var arnRe = regexp.MustCompile(`^arn:aws(-[a-z]+)*:secretsmanager:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$`)

// ValidateRef is the one rule for a keytab reference (kerberos.keytab, hbase.keytab): an
// absolute path (hostpath's rule) or a Secrets Manager secret ARN
// (arn:aws:secretsmanager:region:account:secret:name).
func ValidateRef(ref string) error {
	switch {
	case ref == "":
		return errors.New("must be set: an absolute keytab path or a Secrets Manager ARN")
	case IsARN(ref):
		if !arnRe.MatchString(ref) {
			return fmt.Errorf("%.120q: a Secrets Manager ARN is arn:aws:secretsmanager:<region>:<account>:secret:<name> (name of letters, digits and /_+=.@-)", ref)
		}
		return nil
	}
	if err := hostpath.Validate(ref); err != nil {
		return fmt.Errorf("must be an absolute path or a Secrets Manager ARN (arn:aws:secretsmanager:...): %w", err)
	}
	return nil
}

// Resolve reads the secret named by ref: a file path, or a Secrets Manager ARN whose
// value is binary, or a string holding base64 (keytabs are binary). sm may be nil when
// ref is a path.
func Resolve(ctx context.Context, ref string, sm SecretsManagerAPI) (Bytes, error) {
	if err := ValidateRef(ref); err != nil {
		return nil, err
	}
	if !IsARN(ref) {
		b, err := os.ReadFile(ref)
		if err != nil {
			return nil, fmt.Errorf("read secret file: %w", err)
		}
		return Bytes(b), nil
	}
	if sm == nil {
		return nil, fmt.Errorf("secret %s: no Secrets Manager client configured", ref)
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &ref})
	if err != nil {
		return nil, fmt.Errorf("get secret %s: %w", ref, err)
	}
	if len(out.SecretBinary) > 0 {
		return Bytes(out.SecretBinary), nil
	}
	if out.SecretString == nil {
		return nil, fmt.Errorf("secret %s has no value", ref)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(*out.SecretString))
	if err != nil {
		return nil, fmt.Errorf("secret %s: string value is not base64 (store keytabs as binary or base64)", ref)
	}
	return Bytes(b), nil
}

// WriteTemp writes b to a new 0600 file in dir (os.TempDir when empty) and returns its
// path, for tools such as kinit that only read keytab files. The caller removes it.
func WriteTemp(dir, pattern string, b Bytes) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", fmt.Errorf("create secret file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", fmt.Errorf("chmod secret file: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", fmt.Errorf("write secret file: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("close secret file: %w", err)
	}
	return f.Name(), nil
}

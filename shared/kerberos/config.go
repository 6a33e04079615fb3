package kerberos

import (
	"fmt"
	"os"

	"github.com/jcmturner/gokrb5/v8/config"
)

// DefaultConfigPath is read when neither a path nor KRB5_CONFIG is given.
const DefaultConfigPath = "/etc/krb5.conf"

// ConfigPath returns path, or $KRB5_CONFIG when path is empty, or DefaultConfigPath.
// Only the first file of a colon-separated KRB5_CONFIG is used.
func ConfigPath(path string) string {
	if path != "" {
		return path
	}
	if env := os.Getenv("KRB5_CONFIG"); env != "" {
		for i := 0; i < len(env); i++ {
			if env[i] == ':' {
				return env[:i]
			}
		}
		return env
	}
	return DefaultConfigPath
}

// LoadConfig reads a krb5.conf. An empty path means $KRB5_CONFIG, then /etc/krb5.conf
// (gokrb5 itself never reads KRB5_CONFIG).
func LoadConfig(path string) (*config.Config, error) {
	p := ConfigPath(path)
	cfg, err := config.Load(p)
	if err != nil {
		return nil, fmt.Errorf("load krb5 config %s: %w", p, err)
	}
	return cfg, nil
}

// ParseConfig reads a krb5.conf from its text (for a config kept with the other
// settings instead of on disk).
func ParseConfig(text string) (*config.Config, error) {
	cfg, err := config.NewFromString(text)
	if err != nil {
		return nil, fmt.Errorf("parse krb5 config: %w", err)
	}
	return cfg, nil
}

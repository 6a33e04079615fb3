package secret

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func TestBytesNeverPrints(t *testing.T) {
	b := Bytes("super-secret-keytab")
	j, _ := json.Marshal(struct{ K Bytes }{b})
	for name, s := range map[string]string{
		"String": b.String(), "%v": fmt.Sprintf("%v", b), "%s": fmt.Sprintf("%s", b),
		"%x": fmt.Sprintf("%x", b), "%#v": fmt.Sprintf("%#v", b), "json": string(j),
		"error": fmt.Errorf("wrap: %v", b).Error(),
	} {
		if strings.Contains(s, "super") || strings.Contains(s, "7375706572") {
			t.Errorf("%s leaks the secret: %q", name, s)
		}
	}
}

type fakeSM struct {
	out *secretsmanager.GetSecretValueOutput
}

func (f fakeSM) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return f.out, nil
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "k.keytab")
	if err := os.WriteFile(p, []byte{5, 2, 0}, 0o600); err != nil {
		t.Fatal(err)
	}
	s := base64.StdEncoding.EncodeToString([]byte{5, 2, 1})
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:kt-AbCdEf"
	tests := []struct {
		name    string
		ref     string
		sm      SecretsManagerAPI
		want    []byte
		wantErr string
	}{
		{name: "file", ref: p, want: []byte{5, 2, 0}},
		{name: "relative path refused", ref: "k.keytab", wantErr: "absolute path"},
		{name: "empty refused", ref: "", wantErr: "must be set"},
		{name: "arn binary", ref: arn, sm: fakeSM{&secretsmanager.GetSecretValueOutput{SecretBinary: []byte{9}}}, want: []byte{9}},
		{name: "arn base64 string", ref: arn, sm: fakeSM{&secretsmanager.GetSecretValueOutput{SecretString: &s}}, want: []byte{5, 2, 1}},
		{name: "arn without client", ref: arn, wantErr: "no Secrets Manager client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(context.Background(), tt.ref, tt.sm)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != string(tt.want) {
				t.Fatalf("got %v, %v", []byte(got), err)
			}
		})
	}
}

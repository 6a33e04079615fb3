package hbase

import (
	"strings"
	"testing"
)

func TestIdentityJob(t *testing.T) {
	tests := []struct {
		name    string
		id      Identity
		wantErr string
		steps   int
		env     string
	}{
		{name: "kerberos", id: Identity{Principal: "hbase@R", Keytab: "/k/hbase.keytab", CCache: "/tmp/krb5cc_x"}, steps: 2, env: "FILE:/tmp/krb5cc_x"},
		{name: "no kerberos", id: Identity{}, steps: 1},
		{name: "relative cache", id: Identity{Principal: "hbase@R", Keytab: "/k/k", CCache: "cc"}, wantErr: "ticket cache"},
		{name: "hostile principal", id: Identity{Principal: "hbase;id", Keytab: "/k/k", CCache: "/tmp/c"}, wantErr: "principal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := tt.id.Job("b1-export-t-00000000", []string{"hbase", "version"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(j.Steps) != tt.steps || j.Env["KRB5CCNAME"] != tt.env {
				t.Fatalf("job %+v", j)
			}
			if tt.steps == 2 && strings.Join(j.Steps[0].Argv, " ") != "kinit -kt /k/hbase.keytab hbase@R" {
				t.Fatalf("kinit step %v", j.Steps[0].Argv)
			}
		})
	}
}

package hbase

import (
	"fmt"

	"github.com/atlas-backup/atlas-backup/shared/runner"
)

// Identity is who HBase commands run as on the runner host: the seed's "run as the hbase
// user with a TGT". With a Principal, every job starts with `kinit -kt Keytab Principal`
// into its own ticket cache CCache (KRB5CCNAME), so concurrent runs never share a
// ticket. An empty Principal runs the commands as they are (a cluster without Kerberos).
type Identity struct {
	Principal string
	Keytab    string
	// CCache is the ticket cache file, e.g. /tmp/krb5cc_atlas_backup_<id>.
	CCache string
}

// Job builds the runner job: kinit first (with a Principal), then each argv in order.
func (id Identity) Job(jobID string, steps ...[]string) (runner.Job, error) {
	j := runner.Job{ID: jobID}
	if id.Principal != "" {
		kinit, err := KinitArgv(id.Principal, id.Keytab)
		if err != nil {
			return runner.Job{}, err
		}
		if err := ValidatePath(id.CCache); err != nil || id.CCache[0] != '/' {
			return runner.Job{}, fmt.Errorf("ticket cache %q: must be an absolute local path", id.CCache)
		}
		j.Env = map[string]string{"KRB5CCNAME": "FILE:" + id.CCache}
		j.Steps = append(j.Steps, runner.Step{Argv: kinit})
	}
	for _, s := range steps {
		j.Steps = append(j.Steps, runner.Step{Argv: s})
	}
	return j, nil
}

package hbase

import (
	"fmt"

	"github.com/atlas-backup/atlas-backup/shared/hostpath"
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
	// Krb5Conf, when set, is the krb5.conf kinit and HBase read (KRB5_CONFIG): the
	// config's kerberos.krb5Conf when the commands run on this host (runner local), so
	// they use the same realm as the tool whatever the environment.
	Krb5Conf string
}

// Job builds the runner job: kinit first (with a Principal), then each argv in order.
func (id Identity) Job(jobID string, steps ...[]string) (runner.Job, error) {
	j := runner.Job{ID: jobID}
	if id.Principal != "" {
		kinit, err := KinitArgv(id.Principal, id.Keytab)
		if err != nil {
			return runner.Job{}, err
		}
		if err := hostpath.Validate(id.CCache); err != nil {
			return runner.Job{}, fmt.Errorf("ticket cache: %w", err)
		}
		j.Env = map[string]string{"KRB5CCNAME": "FILE:" + id.CCache}
		if id.Krb5Conf != "" {
			if err := hostpath.Validate(id.Krb5Conf); err != nil {
				return runner.Job{}, fmt.Errorf("krb5.conf: %w", err)
			}
			j.Env["KRB5_CONFIG"] = id.Krb5Conf
		}
		j.Steps = append(j.Steps, runner.Step{Argv: kinit})
	}
	for _, s := range steps {
		j.Steps = append(j.Steps, runner.Step{Argv: s})
	}
	return j, nil
}

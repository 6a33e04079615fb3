package clients

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/events"
	"github.com/atlas-backup/atlas-backup/shared/forget"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/runner"
)

// Locker is the cluster's lock in the store.
func (s *Set) Locker() *lock.Locker {
	return &lock.Locker{Store: s.Store, Layout: s.Layout, StaleAfter: time.Duration(s.Cfg.Lock.StaleAfter)}
}

// Forget wires the retention run (forget, prune) on these clients.
func (s *Set) Forget(log zerolog.Logger, runID string) *forget.Engine {
	dir, krb5 := "/tmp", ""
	if s.Cfg.HBase.Runner.Type == "local" {
		dir, krb5 = s.Cfg.WorkDir, s.Cfg.Kerberos.Krb5Conf // the commands run here: the tool's realm
	}
	return &forget.Engine{
		Store: s.Store, Layout: s.Layout, Locker: s.Locker(),
		Policy: s.Cfg.Retention.Policy, Grace: time.Duration(s.Cfg.Retention.FailedGrace),
		SolrLocation: s.Cfg.Solr.Location, SolrLocalLocation: s.Cfg.Solr.LocalLocation, SolrRepository: s.Cfg.Solr.Repository,
		Runner:      s.Runner,
		HDFSCommand: s.Cfg.HBase.HDFSCommand,
		Identity:    hbase.Identity{Principal: s.Cfg.HBase.Principal, Keytab: s.HBaseKeytab, CCache: dir + "/krb5cc_atlas_forget_" + runID, Krb5Conf: krb5},
		Poll:        runner.Backoff{Initial: time.Second, Max: 10 * time.Second, Multiplier: 1.5},
		Log:         log,
	}
}

// Publisher returns the completion-event publisher on bus ("" : none, nil is returned).
func (s *Set) Publisher(ctx context.Context, bus string) (events.Publisher, error) {
	if bus == "" {
		return nil, nil
	}
	ac, err := loadAWSConfig(ctx, s.Cfg.AWS)
	if err != nil {
		return nil, fmt.Errorf("events.bus %s: %w", bus, err)
	}
	return &events.EventBridge{Client: eventbridge.NewFromConfig(ac.cfg), Bus: bus}, nil
}

package clients

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/restore"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
)

// RestoreEngine wires a restore engine on these clients.
func (s *Set) RestoreEngine(log zerolog.Logger) *restore.Engine {
	e := &restore.Engine{
		Cfg: s.Cfg, Store: s.Store, Layout: s.Layout, Runner: s.Runner, Solr: s.Solr,
		HBaseKeytab: s.HBaseKeytab, Log: log, Login: s.Login,
		Poll: runner.Backoff{Initial: 500 * time.Millisecond, Max: 5 * time.Second, Multiplier: 1.3},
		SolrWait: solr.WaitOptions{Initial: 250 * time.Millisecond, Max: 2 * time.Second, Factor: 1.3, NotFoundGrace: 30 * time.Second,
			NoAnswer: time.Duration(s.Cfg.Solr.NoAnswer)},
		HBaseDog: HBaseWatchdog(s.Cfg),
	}
	e.Atlas = s.Atlas
	return e
}

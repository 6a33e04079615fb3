package clients

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/restore"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
)

// RestoreEngine wires a restore engine on these clients.
func (s *Set) RestoreEngine(log zerolog.Logger) *restore.Engine {
	return &restore.Engine{
		Core: engine.Core{
			Cfg: s.Cfg, Store: s.Store, Layout: s.Layout, Runner: s.Runner, Atlas: s.Atlas,
			HBaseKeytab: s.HBaseKeytab, Login: s.Login, Log: log,
			Poll: runner.Backoff{Initial: 500 * time.Millisecond, Max: 5 * time.Second, Multiplier: 1.3},
			SolrWait: solr.WaitOptions{Initial: 250 * time.Millisecond, Max: 2 * time.Second, Factor: 1.3, NotFoundGrace: 30 * time.Second,
				NoAnswer: time.Duration(s.Cfg.Solr.NoAnswer)},
			HBaseDog: HBaseWatchdog(s.Cfg),
		},
		Solr: s.Solr,
	}
}

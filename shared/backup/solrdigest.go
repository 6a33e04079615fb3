package backup

import (
	"context"
	"fmt"

	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/solr"
)

// SolrDigester reads a collection's document digest (*solr.Client implements it). It is
// kept out of SolrAPI so that Solr fakes without it still compile; without it no digest
// is recorded and a drill compares doc counts only.
type SolrDigester interface {
	Digest(ctx context.Context, collection string) (solr.DocDigest, error)
}

// recordSolrDigest reads the digest over every document's id and stored fields
// (solr.Client.Digest) into the manifest, for the restore drill to compare against.
//
// It runs right after the collection's BACKUP completed, not in Plan where the doc
// counts are taken: it is the read closest to the commit point the backup copied (Plan
// may run minutes before a collection's BACKUP starts when parts wait for a concurrency
// slot), it runs in the collection's own branch beside the exports instead of
// lengthening Plan (a short Lambda in the state machine), and reading every document of
// a large collection is work of the size of shipping it. If Atlas writes between the
// BACKUP and this read, the drill reports the difference.
func (e *Engine) recordSolrDigest(ctx context.Context, p *Plan, c CollectionPlan, out *manifest.Collection) error {
	d, ok := e.Solr.(SolrDigester)
	if !ok {
		return nil
	}
	dg, err := d.Digest(ctx, c.Collection)
	if err != nil {
		return &SolrBackupFailed{Err: fmt.Errorf("%s: document digest after BACKUP: %w", c.Collection, err)}
	}
	out.Digest, out.DigestDocs = dg.Digest, dg.Docs
	msg := fmt.Sprintf("%d docs digested", dg.Docs)
	if dg.Docs != c.Docs {
		msg += fmt.Sprintf(" (%d counted at plan time: Atlas wrote in between)", c.Docs)
	}
	e.emit(Event{BackupID: p.BackupID, Part: "solr", Name: c.Collection, Phase: "digested", Message: msg})
	return nil
}

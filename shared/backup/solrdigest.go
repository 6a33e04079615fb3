package backup

import (
	"context"
	"errors"
	"fmt"

	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// SolrDigester reads a collection's document digest (*solr.Client implements it). It is
// kept out of SolrAPI so that Solr fakes without it still compile; without it no digest
// is recorded and a drill compares doc counts only.
type SolrDigester interface {
	Digest(ctx context.Context, collection string) (solr.DocDigest, error)
}

// SolrCommitter asks a collection for a hard commit (*solr.Client implements it).
type SolrCommitter interface {
	Commit(ctx context.Context, collection string) error
}

// SolrBeforePart is the part name of the digest read before a collection's BACKUP.
func SolrBeforePart(collection string) string { return "solrbefore-" + collection }

// recordSolrBefore runs before a collection's BACKUP is submitted: a hard commit (so
// the BACKUP, which copies the latest hard commit, holds at least every document a
// query sees now), then the document digest, kept as a part for SolrShip. A retry
// whose first attempt left the part keeps it: it was read before the first submit.
//
// A refused commit (a Solr whose rules do not let the backup's principal update) is
// a warning, not a failure: the BACKUP then holds the last autoCommit, and the two
// digests still bound what changed.
func (e *Engine) recordSolrBefore(ctx context.Context, p *Plan, c CollectionPlan) error {
	d, ok := e.Solr.(SolrDigester)
	if !ok {
		return nil
	}
	var prev solr.DocDigest
	switch err := e.GetPart(ctx, p.BackupID, SolrBeforePart(c.Collection), &prev); {
	case err == nil:
		return nil
	case !errors.Is(err, store.ErrNotFound):
		return &StoreFailed{Err: err}
	}
	if cm, ok := e.Solr.(SolrCommitter); ok {
		if err := cm.Commit(ctx, c.Collection); err != nil {
			e.Emit(engine.Event{BackupID: p.BackupID, Part: "solr", Name: c.Collection, Phase: "warning",
				Message: fmt.Sprintf("hard commit before the BACKUP refused (%v): the BACKUP holds the collection's last automatic commit", err)})
		}
	}
	dg, err := d.Digest(ctx, c.Collection)
	if err != nil {
		return &SolrBackupFailed{Err: fmt.Errorf("%s: document digest before BACKUP: %w", c.Collection, err)}
	}
	if _, err := e.PutPart(ctx, p.BackupID, SolrBeforePart(c.Collection), dg); err != nil {
		return err
	}
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "solr", Name: c.Collection, Phase: "digested",
		Message: fmt.Sprintf("%d docs committed and digested before the BACKUP", dg.Docs)})
	return nil
}

// recordSolrDigest reads the digest over every document's id and stored fields
// (solr.Client.Digest) into the manifest, for the restore drill to compare against,
// beside the digest recordSolrBefore read before the BACKUP.
//
// It runs right after the collection's BACKUP completed, not in Plan where the doc
// counts are taken: with the digest before the BACKUP it brackets the commit point the
// backup copied (Plan may run minutes before a collection's BACKUP starts when parts
// wait for a concurrency slot), it runs in the collection's own branch beside the
// exports instead of lengthening Plan (a short Lambda in the state machine). When the
// two digests are equal nothing changed during the BACKUP and the digest is the
// backup's; when they differ Atlas wrote during it, the consistency record says so, and
// a restore is checked against both.
func (e *Engine) recordSolrDigest(ctx context.Context, p *Plan, c CollectionPlan, out *manifest.Collection) error {
	d, ok := e.Solr.(SolrDigester)
	if !ok {
		return nil
	}
	var before solr.DocDigest
	switch err := e.GetPart(ctx, p.BackupID, SolrBeforePart(c.Collection), &before); {
	case err == nil:
		out.DigestBefore, out.DigestBeforeDocs = before.Digest, before.Docs
		read(out).Solr += before.ReadBytes
	case !errors.Is(err, store.ErrNotFound):
		return &StoreFailed{Err: err}
	}
	dg, err := d.Digest(ctx, c.Collection)
	if err != nil {
		return &SolrBackupFailed{Err: fmt.Errorf("%s: document digest after BACKUP: %w", c.Collection, err)}
	}
	out.Digest, out.DigestDocs = dg.Digest, dg.Docs
	read(out).Solr += dg.ReadBytes
	msg := fmt.Sprintf("%d docs digested", dg.Docs)
	switch {
	case out.ChangedDuringBackup():
		msg += fmt.Sprintf(" (%d before the BACKUP: Atlas wrote during it)", out.DigestBeforeDocs)
	case dg.Docs != c.Docs:
		msg += fmt.Sprintf(" (%d counted at plan time: Atlas wrote in between)", c.Docs)
	}
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "solr", Name: c.Collection, Phase: "digested", Message: msg})
	return nil
}

// read is the collection's ToolRead, made when missing.
func read(c *manifest.Collection) *manifest.ToolRead {
	if c.ToolRead == nil {
		c.ToolRead = &manifest.ToolRead{}
	}
	return c.ToolRead
}

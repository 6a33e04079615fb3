package restore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/solr"
)

// CollectionResult is what CheckCollection found.
type CollectionResult struct {
	Collection string `json:"collection"`
	Target     string `json:"target"`
	Expected   Counts `json:"expected"`
	Got        Counts `json:"got"`
	Match      bool   `json:"match"`
	// Warnings: e.g. no digest recorded in the manifest (only the count was compared).
	Warnings []string `json:"warnings,omitempty"`
}

// PrepareCollection deletes the target collection when Plan found it and Yes allows it
// (a RESTORE needs a new collection on Solr before 8.9, and replaces the index on 9.x).
func (e *Engine) PrepareCollection(ctx context.Context, p *Plan, c CollectionPlan) error {
	if !c.Exists {
		return nil
	}
	if !p.Yes || p.Drill {
		return &Refused{Problems: []string{fmt.Sprintf("collection %s exists and the plan does not allow deleting it", c.Target)}}
	}
	if err := e.Solr.DeleteCollection(ctx, c.Target); err != nil && !errors.Is(err, solr.ErrCollectionNotFound) {
		return &SolrRestoreFailed{Err: fmt.Errorf("delete %s before the RESTORE: %w", c.Target, err)}
	}
	e.emit(p, engine.Event{Part: "solr", Name: c.Target, Phase: "deleted", Message: fmt.Sprintf("existing collection (%s) deleted before the RESTORE", docsText(c.DocsBefore))})
	return nil
}

// RestoreSubmit submits the async RESTORE of the fetched backup folder into the target
// collection. A second submit with the same plan finds the first attempt.
func (e *Engine) RestoreSubmit(ctx context.Context, p *Plan, c CollectionPlan) error {
	res, err := e.Solr.Restore(ctx, solr.RestoreRequest{
		Collection: c.Target, Name: c.RestoreName, Location: c.Location,
		AsyncID: c.AsyncID, Repository: e.Cfg.Solr.Repository,
	})
	if err != nil {
		return &SolrRestoreFailed{Err: fmt.Errorf("submit RESTORE of %s: %w", c.Target, err)}
	}
	msg := "RESTORE submitted as async id " + c.AsyncID
	if res.AlreadySubmitted {
		msg = "RESTORE already submitted by an earlier attempt (async id " + c.AsyncID + "): polling it"
	}
	e.emit(p, engine.Event{Part: "solr", Name: c.Target, Phase: "submitted", Message: msg})
	return nil
}

// RestoreStatus reports the async RESTORE's state once.
func (e *Engine) RestoreStatus(ctx context.Context, c CollectionPlan) (solr.Status, error) {
	st, err := e.Solr.RequestStatus(ctx, c.AsyncID)
	if err != nil {
		return st, &SolrRestoreFailed{Err: fmt.Errorf("status of the RESTORE of %s: %w", c.Target, err)}
	}
	return st, nil
}

// CheckCollection takes a finished RESTORE, waits until every replica of the restored
// collection is active, and compares its doc count and document digest with the
// manifest. The fetched backup folder is removed from the shared location.
func (e *Engine) CheckCollection(ctx context.Context, p *Plan, c CollectionPlan, st solr.Status) (CollectionResult, error) {
	res := CollectionResult{Collection: c.Collection, Target: c.Target, Expected: Counts{Docs: c.Docs, Digest: c.Digest}}
	if c.Digest != "" {
		res.Expected.Docs = c.DigestDocs
	}
	if st.State != solr.StateCompleted {
		return res, &SolrRestoreFailed{Err: fmt.Errorf("RESTORE of %s %s: %s %s", c.Target, st.State, st.Msg, strings.Join(st.Failures, "; "))}
	}
	if err := e.Solr.DeleteStatus(ctx, c.AsyncID); err != nil {
		e.Log.Warn().Err(err).Str("asyncId", c.AsyncID).Msg("delete solr task status")
	}
	os.RemoveAll(c.LocalDir)
	e.emit(p, engine.Event{Part: "solr", Name: c.Target, Phase: "checking", Message: "waiting for active replicas, then counting and digesting the documents"})
	if err := e.waitActive(ctx, c.Target); err != nil {
		return res, &CheckFailed{Err: err}
	}
	n, _, err := e.Solr.DocCount(ctx, c.Target)
	if err != nil {
		return res, &CheckFailed{Err: fmt.Errorf("count %s: %w", c.Target, err)}
	}
	res.Got.Docs = n
	if c.Digest != "" {
		d, err := e.Solr.Digest(ctx, c.Target)
		if err != nil {
			return res, &CheckFailed{Err: fmt.Errorf("digest %s: %w", c.Target, err)}
		}
		res.Got.Digest = d.Digest
		if d.Docs != n {
			return res, &CheckFailed{Err: fmt.Errorf("%s: counted %d docs but read %d", c.Target, n, d.Docs)}
		}
	} else {
		res.Warnings = append(res.Warnings, "the manifest records no document digest for "+c.Collection+" (backup taken before digests were recorded): only the doc count was compared")
	}
	res.Match = res.Got == res.Expected
	msg := fmt.Sprintf("%d docs, digest equal to the backup's", n)
	if !res.Match && c.changedDuringBackup() {
		// Atlas wrote during the BACKUP: the backup holds the commit point Solr copied,
		// somewhere between the digest read before it and the one read after.
		before := Counts{Docs: c.DigestBeforeDocs, Digest: c.DigestBefore}
		lo, hi := min(c.DigestBeforeDocs, c.DigestDocs), max(c.DigestBeforeDocs, c.DigestDocs)
		switch {
		case res.Got == before:
			res.Match, res.Expected = true, before
			msg = fmt.Sprintf("%d docs, digest equal to the one read just before the BACKUP (Atlas wrote during it)", n)
		case n >= lo && n <= hi:
			res.Match = true
			res.Warnings = append(res.Warnings, fmt.Sprintf("Atlas wrote to %s during its BACKUP (%d docs before it, %d after): the backup holds a commit in between that no digest was read of; the restored %d docs lie in that range, the digest could not be compared", c.Collection, c.DigestBeforeDocs, c.DigestDocs, n))
			msg = res.Warnings[len(res.Warnings)-1]
		}
	}
	if !res.Match {
		if c.changedDuringBackup() {
			return res, &CheckFailed{Err: fmt.Errorf("the restored collection %s holds %d docs, %s; the backup recorded %d docs, %s before its BACKUP and %d docs, %s after it",
				c.Target, res.Got.Docs, orNone(res.Got.Digest), c.DigestBeforeDocs, c.DigestBefore, res.Expected.Docs, orNone(res.Expected.Digest))}
		}
		return res, &CheckFailed{Err: fmt.Errorf("the restored collection %s holds %d docs, %s; the backup recorded %d docs, %s",
			c.Target, res.Got.Docs, orNone(res.Got.Digest), res.Expected.Docs, orNone(res.Expected.Digest))}
	}
	if c.Digest == "" {
		msg = fmt.Sprintf("%d docs, as the backup recorded (no digest recorded)", n)
	}
	e.emit(p, engine.Event{Part: "solr", Name: c.Target, Phase: "done", Message: msg})
	return res, nil
}

func orNone(s string) string {
	if s == "" {
		return "no digest"
	}
	return s
}

// waitActive polls CLUSTERSTATUS until the collection exists and every replica of every
// active shard is active on a live node with a leader (restored replicas may be
// recovering for a moment after the RESTORE completes).
func (e *Engine) waitActive(ctx context.Context, collection string) error {
	timeout, poll := e.ReadyTimeout, e.ReadyPoll
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	deadline := e.Now().Add(timeout)
	last := "not asked yet"
	for {
		cs, err := e.Solr.ClusterStatus(ctx)
		if err == nil {
			ok, why := Ready(cs, collection)
			if ok {
				return nil
			}
			last = why
		} else {
			last = err.Error()
		}
		if e.Now().After(deadline) {
			return fmt.Errorf("collection %s did not become active in %s: %s", collection, timeout, last)
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("waiting for %s: %w", collection, ctx.Err())
		case <-t.C:
		}
	}
}

// Ready reports whether every replica of every active shard of a collection is active
// on a live node and every such shard has a leader; why says what is not.
func Ready(cs *solr.Cluster, collection string) (bool, string) {
	col, ok := cs.Collections[collection]
	if !ok {
		return false, "not in CLUSTERSTATUS"
	}
	active := 0
	for _, name := range col.ShardNames() {
		sh := col.Shards[name]
		if sh.State != "" && sh.State != "active" {
			continue
		}
		active++
		if _, _, ok := sh.Leader(); !ok {
			return false, "shard " + name + " has no leader"
		}
		for rn, r := range sh.Replicas {
			if r.State != "active" || !cs.IsLive(r.NodeName) {
				return false, fmt.Sprintf("shard %s replica %s is %s on %s", name, rn, r.State, r.NodeName)
			}
		}
	}
	if active == 0 {
		return false, "no active shard"
	}
	return true, ""
}

// changedDuringBackup: the digests read before and after the collection's BACKUP differ.
func (c CollectionPlan) changedDuringBackup() bool {
	return c.Digest != "" && c.DigestBefore != "" && (c.DigestBefore != c.Digest || c.DigestBeforeDocs != c.DigestDocs)
}

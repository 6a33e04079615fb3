package restore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/solr"
)

// digestSolr is fakeSolr with one restored, active collection whose digest is set.
type digestSolr struct {
	*fakeSolr
	got solr.DocDigest
}

func (d *digestSolr) ClusterStatus(ctx context.Context) (*solr.Cluster, error) {
	return &solr.Cluster{LiveNodes: []string{"n1"}, Collections: map[string]solr.Collection{
		"vertex_index": {Shards: map[string]solr.Shard{"shard1": {State: "active", Replicas: map[string]solr.Replica{
			"r1": {NodeName: "n1", State: "active", Leader: true}}}}}}}, nil
}
func (d *digestSolr) DocCount(ctx context.Context, c string) (int64, map[string]int64, error) {
	return d.got.Docs, nil, nil
}
func (d *digestSolr) Digest(ctx context.Context, c string) (solr.DocDigest, error) { return d.got, nil }

// TestCheckCollectionWritesDuringBackup: when the digests read before and after the
// BACKUP differ, the backup holds a commit in between; the restore check accepts the
// digest of either end or a doc count inside the range (with a warning), and still
// fails a collection outside it. When they are equal the digest must match exactly.
func TestCheckCollectionWritesDuringBackup(t *testing.T) {
	const before, after, other = "docsum-sha256:aa", "docsum-sha256:bb", "docsum-sha256:cc"
	changed := CollectionPlan{Collection: "vertex_index", Target: "vertex_index", Docs: 295,
		DigestBefore: before, DigestBeforeDocs: 300, Digest: after, DigestDocs: 308}
	stable := CollectionPlan{Collection: "vertex_index", Target: "vertex_index", Docs: 295,
		DigestBefore: after, DigestBeforeDocs: 308, Digest: after, DigestDocs: 308}
	cases := []struct {
		name    string
		plan    CollectionPlan
		got     solr.DocDigest
		ok      bool
		warning string
	}{
		{"after digest", changed, solr.DocDigest{Docs: 308, Digest: after}, true, ""},
		{"before digest", changed, solr.DocDigest{Docs: 300, Digest: before}, true, ""},
		{"in between", changed, solr.DocDigest{Docs: 302, Digest: other}, true, "during its BACKUP"},
		{"below the range", changed, solr.DocDigest{Docs: 299, Digest: other}, false, ""},
		{"above the range", changed, solr.DocDigest{Docs: 309, Digest: other}, false, ""},
		{"stable, equal", stable, solr.DocDigest{Docs: 308, Digest: after}, true, ""},
		{"stable, same count, other digest", stable, solr.DocDigest{Docs: 308, Digest: other}, false, ""},
		{"stable, fewer", stable, solr.DocDigest{Docs: 302, Digest: other}, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.eng.Solr = &digestSolr{fakeSolr: f.solr, got: tc.got}
			p := &Plan{RestoreID: "r1", BackupID: backupID}
			res, err := f.eng.CheckCollection(context.Background(), p, tc.plan, solr.Status{State: solr.StateCompleted})
			if tc.ok != (err == nil) || tc.ok != res.Match {
				t.Fatalf("match %v, err %v; want ok %v", res.Match, err, tc.ok)
			}
			if err != nil {
				var cf *CheckFailed
				if !errors.As(err, &cf) {
					t.Fatalf("err %T, want *CheckFailed", err)
				}
				if tc.plan.DigestBefore != tc.plan.Digest && !strings.Contains(err.Error(), "before its BACKUP") {
					t.Errorf("error %q does not give both ends", err)
				}
			}
			w := strings.Join(res.Warnings, "\n")
			if tc.warning == "" && w != "" || tc.warning != "" && !strings.Contains(w, tc.warning) {
				t.Errorf("warnings %q, want %q", w, tc.warning)
			}
		})
	}
}

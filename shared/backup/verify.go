package backup

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// VerifyResult is what Verify found.
type VerifyResult struct {
	BackupID string   `json:"backupId"`
	Checked  int      `json:"checked"`
	Problems []string `json:"problems"`
	// Tables and Collections put what is stored beside the live counts the backup
	// recorded apart from it.
	Tables      []VerifiedTable      `json:"tables"`
	Collections []VerifiedCollection `json:"collections"`
}

// VerifiedTable is one table's stored export beside the live table at backup time.
type VerifiedTable struct {
	Table   string                `json:"table"`
	Rows    int64                 `json:"rows"`
	Cells   int64                 `json:"cells"`
	Objects int                   `json:"objects"`
	Window  *manifest.TableWindow `json:"window,omitempty"`
	Live    *manifest.Live        `json:"live,omitempty"`
}

// VerifiedCollection is one collection's stored backup beside the live collection's
// doc count at plan time.
type VerifiedCollection struct {
	Collection string `json:"collection"`
	LiveDocs   int64  `json:"liveDocs"`
	// DigestDocs: the documents the digest covers (read right after the BACKUP); 0 in
	// manifests without a digest.
	DigestDocs int64 `json:"digestDocs"`
	// DigestBeforeDocs: the documents the digest read just before the BACKUP covers
	// (0 when none was read); ChangedDuringBackup: the two digests differ.
	DigestBeforeDocs    int64 `json:"digestBeforeDocs,omitempty"`
	ChangedDuringBackup bool  `json:"changedDuringBackup,omitempty"`
	Objects             int   `json:"objects"`
}

// Verify re-downloads every object the manifest lists and checks its size and SHA-256.
// Each problem names the object. progress, when set, is called after each object.
func Verify(ctx context.Context, st store.Store, m *manifest.Manifest, progress func(done, total int, o store.ObjectInfo)) VerifyResult {
	objs := m.Objects()
	res := VerifyResult{BackupID: m.BackupID, Problems: []string{}, Tables: []VerifiedTable{}, Collections: []VerifiedCollection{}}
	for _, t := range m.HBase {
		res.Tables = append(res.Tables, VerifiedTable{Table: t.Table, Rows: t.Rows, Cells: t.Cells, Objects: len(t.Objects), Window: t.Window, Live: t.Live})
	}
	for _, c := range m.Solr {
		res.Collections = append(res.Collections, VerifiedCollection{Collection: c.Collection, LiveDocs: c.Docs, DigestDocs: c.DigestDocs,
			DigestBeforeDocs: c.DigestBeforeDocs, ChangedDuringBackup: c.ChangedDuringBackup(), Objects: len(c.Objects)})
	}
	// Every object is checked (four at once), whatever the others gave.
	var (
		mu sync.Mutex
		g  errgroup.Group
	)
	g.SetLimit(4)
	for _, o := range objs {
		g.Go(func() error {
			err := store.VerifyObject(ctx, st, o)
			mu.Lock()
			defer mu.Unlock()
			res.Checked++
			if err != nil {
				res.Problems = append(res.Problems, err.Error())
			}
			if progress != nil {
				progress(res.Checked, len(objs), o)
			}
			return nil
		})
	}
	_ = g.Wait() // problems are collected in res
	return res
}

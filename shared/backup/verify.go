package backup

import (
	"context"
	"sync"

	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// VerifyResult is what Verify found.
type VerifyResult struct {
	BackupID string   `json:"backupId"`
	Checked  int      `json:"checked"`
	Problems []string `json:"problems"`
}

// Verify re-downloads every object the manifest lists and checks its size and SHA-256.
// Each problem names the object. progress, when set, is called after each object.
func Verify(ctx context.Context, st store.Store, m *manifest.Manifest, progress func(done, total int, o store.ObjectInfo)) VerifyResult {
	objs := m.Objects()
	res := VerifyResult{BackupID: m.BackupID, Problems: []string{}}
	var mu sync.Mutex
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, o := range objs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
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
		}()
	}
	wg.Wait()
	return res
}

package manifest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Read reads one backup's manifest from the store (store.ErrNotFound: the backup has
// none). Backup, restore, the CLI and retention all read manifests through it.
func Read(ctx context.Context, st store.Store, l store.Layout, id string) (*Manifest, error) {
	rc, err := st.Get(ctx, l.Manifest(id))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", id, err)
	}
	return Unmarshal(b)
}

// ReadLatest reads the `latest` pointer (store.ErrNotFound: no backup succeeded yet).
func ReadLatest(ctx context.Context, st store.Store, l store.Layout) (*Latest, error) {
	rc, err := st.Get(ctx, l.Latest())
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var lt Latest
	if err := json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&lt); err != nil {
		return nil, fmt.Errorf("parse %s: %w", st.URL(l.Latest()), err)
	}
	return &lt, nil
}

// WriteDrill records a drill's result beside the backup's manifest.
func WriteDrill(ctx context.Context, st store.Store, l store.Layout, d Drill) error {
	if err := store.ValidateComponent(d.BackupID); err != nil {
		return fmt.Errorf("drill record: backup id: %w", err)
	}
	if len(d.Problems) > 5 {
		d.Problems = append(d.Problems[:5:5], fmt.Sprintf("... and %d more", len(d.Problems)-5))
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("drill record: %w", err)
	}
	if _, err := st.Put(ctx, l.Drill(d.BackupID), bytes.NewReader(append(b, '\n'))); err != nil {
		return fmt.Errorf("write drill record %s: %w", st.URL(l.Drill(d.BackupID)), err)
	}
	return nil
}

// ReadDrill reads the newest drill's result of a backup (store.ErrNotFound: never drilled).
func ReadDrill(ctx context.Context, st store.Store, l store.Layout, id string) (*Drill, error) {
	rc, err := st.Get(ctx, l.Drill(id))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var d Drill
	if err := json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&d); err != nil {
		return nil, fmt.Errorf("parse %s: %w", st.URL(l.Drill(id)), err)
	}
	return &d, nil
}

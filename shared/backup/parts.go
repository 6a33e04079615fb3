package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Steps run apart from each other (one Lambda per step, the host agent) hand their
// results to Finalize through the store: each ship step writes its part result under
// Layout.Part and returns a small reference, so a state machine's payloads stay far
// below the 256 KB limit whatever the number of objects shipped.

// Part names (key segments under Layout.Part).
const (
	partConfig = "config"
	// partPreflight keeps the plan built before a failed preflight (it is not stored
	// at Layout.Plan), so a FAILED manifest can still say what was planned.
	partPreflight = "preflight-plan"
)

// TablePart is the part name of a table's export result.
func TablePart(table string) string { return "hbase-" + store.TableSegment(table) }

// CollectionPart is the part name of a collection's backup result.
func CollectionPart(collection string) string { return "solr-" + collection }

// ConfigPart is the part name of the config archive result.
func ConfigPart() string { return partConfig }

// PartRef is what a step returns instead of its whole result.
type PartRef struct {
	BackupID string `json:"backupId"`
	// Part is the part name; Key the object holding the result.
	Part    string `json:"part"`
	Key     string `json:"key"`
	Objects int    `json:"objects"`
	Bytes   int64  `json:"bytes"`
}

// LoadPlan reads the stored plan of backup id (store.ErrNotFound when there is none).
func (e *Engine) LoadPlan(ctx context.Context, id string) (*Plan, error) {
	if err := store.ValidateComponent(id); err != nil {
		return nil, &BadInput{Err: fmt.Errorf("backupId: %w", err)}
	}
	return e.loadPlan(ctx, id)
}

// Table returns the plan of one table.
func (p *Plan) Table(name string) (TablePlan, bool) {
	for _, t := range p.Tables {
		if t.Table == name {
			return t, true
		}
	}
	return TablePlan{}, false
}

// Collection returns the plan of one collection.
func (p *Plan) Collection(name string) (CollectionPlan, bool) {
	for _, c := range p.Collections {
		if c.Collection == name {
			return c, true
		}
	}
	return CollectionPlan{}, false
}

// PutPart stores one step's result v under Layout.Part(id, name).
func (e *Engine) PutPart(ctx context.Context, id, name string, v any) (store.ObjectInfo, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return store.ObjectInfo{}, fmt.Errorf("part %s: %w", name, err)
	}
	oi, err := e.Store.Put(ctx, e.Layout.Part(id, name), bytes.NewReader(b))
	if err != nil {
		return oi, &StoreFailed{Err: fmt.Errorf("write part %s of %s: %w", name, id, err)}
	}
	return oi, nil
}

// GetPart reads one step's result into v (store.ErrNotFound when the step left none).
func (e *Engine) GetPart(ctx context.Context, id, name string, v any) error {
	rc, err := e.Store.Get(ctx, e.Layout.Part(id, name))
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := json.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(v); err != nil {
		return fmt.Errorf("read part %s of %s: %w", name, id, err)
	}
	return nil
}

// PutTablePart stores a table's export result as its part.
func (e *Engine) PutTablePart(ctx context.Context, p *Plan, t manifest.Table) (PartRef, error) {
	name := TablePart(t.Table)
	if _, err := e.PutPart(ctx, p.BackupID, name, t); err != nil {
		return PartRef{}, err
	}
	return PartRef{BackupID: p.BackupID, Part: name, Key: e.Layout.Part(p.BackupID, name), Objects: len(t.Objects), Bytes: t.Bytes}, nil
}

// PutCollectionPart stores a collection's result as its part.
func (e *Engine) PutCollectionPart(ctx context.Context, p *Plan, c manifest.Collection) (PartRef, error) {
	name := CollectionPart(c.Collection)
	if _, err := e.PutPart(ctx, p.BackupID, name, c); err != nil {
		return PartRef{}, err
	}
	return PartRef{BackupID: p.BackupID, Part: name, Key: e.Layout.Part(p.BackupID, name), Objects: len(c.Objects), Bytes: c.Bytes}, nil
}

// PutConfigPart stores the config archive's result as its part.
func (e *Engine) PutConfigPart(ctx context.Context, p *Plan, c *manifest.Config) (PartRef, error) {
	if _, err := e.PutPart(ctx, p.BackupID, partConfig, c); err != nil {
		return PartRef{}, err
	}
	return PartRef{BackupID: p.BackupID, Part: partConfig, Key: e.Layout.Part(p.BackupID, partConfig), Objects: 1, Bytes: c.Size}, nil
}

// PutPreflightPlan keeps the plan of a failed preflight for FinalizeFailed.
func (e *Engine) PutPreflightPlan(ctx context.Context, p *Plan) error {
	_, err := e.PutPart(ctx, p.BackupID, partPreflight, p)
	return err
}

// CollectParts reads the part of every planned table, collection and the config
// archive, in plan order. A part a step did not leave is simply absent from the
// results: Finalize names it as missing.
func (e *Engine) CollectParts(ctx context.Context, p *Plan) (Results, error) {
	var r Results
	for _, t := range p.Tables {
		var tr manifest.Table
		switch err := e.GetPart(ctx, p.BackupID, TablePart(t.Table), &tr); {
		case err == nil:
			r.Tables = append(r.Tables, tr)
		case !errors.Is(err, store.ErrNotFound):
			return r, &StoreFailed{Err: err}
		}
	}
	for _, c := range p.Collections {
		var cr manifest.Collection
		switch err := e.GetPart(ctx, p.BackupID, CollectionPart(c.Collection), &cr); {
		case err == nil:
			r.Collections = append(r.Collections, cr)
		case !errors.Is(err, store.ErrNotFound):
			return r, &StoreFailed{Err: err}
		}
	}
	var cfg manifest.Config
	switch err := e.GetPart(ctx, p.BackupID, partConfig, &cfg); {
	case err == nil:
		r.Config = &cfg
	case !errors.Is(err, store.ErrNotFound):
		return r, &StoreFailed{Err: err}
	}
	sortResults(&r, p)
	return r, nil
}

// FailedPlan returns the best plan known for a backup that failed before or during its
// parts: the stored plan, else the plan of a failed preflight, else a minimal plan
// naming only the backup, the cluster and the trigger.
func (e *Engine) FailedPlan(ctx context.Context, id string, trigger manifest.Trigger) (*Plan, error) {
	p, err := e.LoadPlan(ctx, id)
	if err == nil {
		return p, nil
	}
	var bad *BadInput
	if errors.As(err, &bad) {
		return nil, err
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, &StoreFailed{Err: err}
	}
	var pre Plan
	if err := e.GetPart(ctx, id, partPreflight, &pre); err == nil && pre.BackupID == id {
		return &pre, nil
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, &StoreFailed{Err: err}
	}
	return &Plan{BackupID: id, Cluster: e.Cfg.Cluster, StartedAt: e.Now(), Trigger: trigger, AtlasVersion: "unknown"}, nil
}

// Finalized returns the backup's manifest when one was written (store.ErrNotFound
// otherwise). Steps refuse to start work for a finalized backup.
func (e *Engine) Finalized(ctx context.Context, id string) (*manifest.Manifest, error) {
	return manifest.Read(ctx, e.Store, e.Layout, id)
}

// FailureLines splits an error message into one reason per problem (errors.Join puts
// one per line).
func FailureLines(msg string) []string {
	var out []string
	for _, l := range bytes.Split([]byte(msg), []byte("\n")) {
		if s := string(bytes.TrimSpace(l)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

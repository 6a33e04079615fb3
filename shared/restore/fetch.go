package restore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Fetching brings artifacts back to where the servers read them, checking every
// object's size and SHA-256 against the manifest on the way. It writes only to staging
// places of this restore (named by its id); no table, collection or config folder is
// changed. A missing or altered object is an *ArtifactMismatch naming it.

func fetchErr(err error) error {
	if errors.Is(err, store.ErrMismatch) || errors.Is(err, store.ErrNotFound) {
		return &ArtifactMismatch{Err: err}
	}
	return &FetchFailed{Err: err}
}

// local reports whether an export dir is a path on this host (runner local).
func local(dir string) bool { return strings.HasPrefix(dir, "/") }

// FetchTable brings a table's export back to cluster storage: a download for a local
// export dir; for hdfs:// every object is first verified in the store, then the cluster
// copies the folder in (`hadoop distcp` from s3a://, `s3-dist-cp` on EMR).
func (e *Engine) FetchTable(ctx context.Context, p *Plan, t TablePlan) error {
	e.emit(p, engine.Event{Part: "fetch", Name: t.Table, Phase: "started", Bytes: t.Bytes,
		Message: fmt.Sprintf("%d objects → %s", len(t.Objects), t.StageDir)})
	prefix := e.Layout.HBase(p.BackupID, t.Table, "")
	if local(t.StageDir) {
		if err := os.RemoveAll(t.StageDir); err != nil {
			return &FetchFailed{Err: fmt.Errorf("table %s: clear %s: %w", t.Table, t.StageDir, err)}
		}
		if err := store.GetTree(ctx, e.Store, t.Objects, prefix, t.StageDir, e.Cfg.Concurrency); err != nil {
			os.RemoveAll(t.StageDir)
			return fetchErr(fmt.Errorf("table %s: %w", t.Table, err))
		}
	} else {
		if err := e.verifyObjects(ctx, t.Objects); err != nil {
			return fetchErr(fmt.Errorf("table %s: %w", t.Table, err))
		}
		steps, err := e.distCpIn(prefix, t.StageDir)
		if err != nil {
			return &FetchFailed{Err: fmt.Errorf("table %s: %w", t.Table, err)}
		}
		job, err := e.job(p.RestoreID, "fetch", t.Target, steps...)
		if err != nil {
			return &FetchFailed{Err: err}
		}
		st, err := e.RunJob(ctx, job)
		if err != nil {
			return &FetchFailed{Err: fmt.Errorf("table %s: copy into %s: %w", t.Table, t.StageDir, err)}
		}
		if st.State != runner.StateSucceeded {
			return &FetchFailed{Err: fmt.Errorf("table %s: copy into %s: %s", t.Table, t.StageDir, failure(st))}
		}
	}
	e.emit(p, engine.Event{Part: "fetch", Name: t.Table, Phase: "fetched", Bytes: t.Bytes, Message: "size and SHA-256 of every object checked"})
	return nil
}

// distCpIn is the cluster's copy of a store prefix into an HDFS folder: clear the
// folder, make its parent, copy.
func (e *Engine) distCpIn(prefix, dir string) ([][]string, error) {
	src := strings.TrimSuffix(e.Store.URL(prefix), "/")
	if !strings.HasPrefix(src, "s3://") {
		return nil, fmt.Errorf("export dir %s is on the cluster: the cluster copies from the store, which must be s3:// for that, got %s", dir, src)
	}
	rm, err1 := hbase.HDFSRemoveArgv(e.Cfg.HBase.HDFSCommand, dir)
	mk, err2 := hbase.HDFSMkdirArgv(e.Cfg.HBase.HDFSCommand, dir[:strings.LastIndex(dir, "/")])
	var cp []string
	var err3 error
	if e.Cfg.HBase.Runner.Type == config.RunnerEMR {
		cp, err3 = hbase.S3DistCpArgv(src, dir)
	} else {
		cp, err3 = hbase.DistCpArgv(e.Cfg.HBase.HadoopCommand, "s3a://"+strings.TrimPrefix(src, "s3://"), dir)
	}
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	return [][]string{rm, mk, cp}, nil
}

// verifyObjects re-reads every object and checks its size and SHA-256, at most
// Cfg.Concurrency at once. Every object is checked; the error joins every problem.
func (e *Engine) verifyObjects(ctx context.Context, objs []store.ObjectInfo) error {
	n := e.Cfg.Concurrency
	if n < 1 {
		n = 1
	}
	var (
		g    errgroup.Group
		mu   sync.Mutex
		errs []error
	)
	g.SetLimit(n)
	for _, o := range objs {
		g.Go(func() error {
			if err := store.VerifyObject(ctx, e.Store, o); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait() // the problems are in errs
	return errors.Join(errs...)
}

// FetchCollection downloads a collection's backup folder from the store into the
// shared location, under this restore's name, readable by the Solr nodes.
func (e *Engine) FetchCollection(ctx context.Context, p *Plan, c CollectionPlan) error {
	e.emit(p, engine.Event{Part: "fetch", Name: c.Collection, Phase: "started", Bytes: c.Bytes,
		Message: fmt.Sprintf("%d objects → %s", len(c.Objects), c.LocalDir)})
	if err := os.RemoveAll(c.LocalDir); err != nil {
		return &FetchFailed{Err: fmt.Errorf("collection %s: clear %s: %w", c.Collection, c.LocalDir, err)}
	}
	if err := store.GetTree(ctx, e.Store, c.Objects, e.Layout.Solr(p.BackupID, c.Collection, ""), c.LocalDir, e.Cfg.Concurrency); err != nil {
		os.RemoveAll(c.LocalDir)
		return fetchErr(fmt.Errorf("collection %s: %w", c.Collection, err))
	}
	// GetTree makes files 0600 and folders 0700; the Solr nodes may run as another
	// user and must read them. Access is the shared location's own.
	if err := makeReadable(c.LocalDir); err != nil {
		os.RemoveAll(c.LocalDir)
		return &FetchFailed{Err: fmt.Errorf("collection %s: %w", c.Collection, err)}
	}
	e.emit(p, engine.Event{Part: "fetch", Name: c.Collection, Phase: "fetched", Bytes: c.Bytes, Message: "size and SHA-256 of every object checked"})
	return nil
}

func makeReadable(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Chmod(p, 0o755)
		case d.Type().IsRegular():
			return os.Chmod(p, 0o644)
		}
		return nil
	})
}

// FetchConfig downloads the config archive into the restore's staging folder.
func (e *Engine) FetchConfig(ctx context.Context, p *Plan) error {
	c := p.Config
	if c == nil {
		return nil
	}
	e.emit(p, engine.Event{Part: "fetch", Name: "config", Phase: "started", Bytes: c.Size, Message: e.Store.URL(c.Key)})
	dir := filepath.Dir(c.Archive)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &FetchFailed{Err: fmt.Errorf("config: %w", err)}
	}
	os.Remove(c.Archive)
	obj := store.ObjectInfo{Key: c.Key, Size: c.Size, SHA256: c.SHA256}
	tmp := filepath.Join(dir, "config-fetch")
	os.RemoveAll(tmp)
	defer os.RemoveAll(tmp)
	if err := store.GetTree(ctx, e.Store, []store.ObjectInfo{obj}, path.Dir(c.Key), tmp, 1); err != nil {
		return fetchErr(fmt.Errorf("config: %w", err))
	}
	if err := os.Rename(filepath.Join(tmp, path.Base(c.Key)), c.Archive); err != nil {
		return &FetchFailed{Err: fmt.Errorf("config: %w", err)}
	}
	e.emit(p, engine.Event{Part: "fetch", Name: "config", Phase: "fetched", Bytes: c.Size, Message: "size and SHA-256 checked"})
	return nil
}

// Fetch brings back every artifact of the plan, stopping at the first problem; on
// error what was staged is removed again.
func (e *Engine) Fetch(ctx context.Context, p *Plan) error {
	err := func() error {
		for _, t := range p.Tables {
			if err := e.FetchTable(ctx, p, t); err != nil {
				return err
			}
		}
		for _, c := range p.Collections {
			if err := e.FetchCollection(ctx, p, c); err != nil {
				return err
			}
		}
		return e.FetchConfig(ctx, p)
	}()
	if err != nil {
		e.emit(p, engine.Event{Part: "fetch", Phase: "failed", Message: err.Error()})
		e.RemoveStaging(context.WithoutCancel(ctx), p)
	}
	return err
}

// RemoveStaging removes what this restore fetched or exported for checks: the staged
// exports, check exports, Solr restore folders, the local staging folder (but not a
// config target inside it unless the plan is a drill's).
func (e *Engine) RemoveStaging(ctx context.Context, p *Plan) {
	e.dropClusterSnapshots(ctx, p)
	for _, t := range p.Tables {
		for _, d := range []string{t.StageDir, t.CheckDir} {
			if local(d) {
				os.RemoveAll(d)
			}
		}
	}
	var remote []string
	for _, t := range p.Tables {
		if !local(t.StageDir) {
			remote = append(remote, t.StageDir, t.CheckDir)
		}
	}
	if len(remote) > 0 {
		var steps [][]string
		for _, d := range remote {
			if rm, err := hbase.HDFSRemoveArgv(e.Cfg.HBase.HDFSCommand, d); err == nil {
				steps = append(steps, rm)
			}
		}
		if job, err := e.job(p.RestoreID, "unstage", "exports", steps...); err == nil {
			if st, err := e.RunJob(ctx, job); err != nil || st.State != runner.StateSucceeded {
				e.emit(p, engine.Event{Part: "cleanup", Phase: "warning", Message: fmt.Sprintf("could not remove the staged exports %s", strings.Join(remote, ", "))})
			}
		}
	}
	for _, c := range p.Collections {
		os.RemoveAll(c.LocalDir)
	}
	if len(p.Tables) > 0 {
		if parent := filepath.Dir(filepath.Dir(p.Tables[0].CheckDir)); local(parent) && filepath.Base(parent) == p.RestoreID {
			os.RemoveAll(parent)
		}
	}
	if e.Cfg.HBase.Runner.Type == config.RunnerLocal {
		os.Remove(e.CCache("restore", p.RestoreID))
	}
	if p.Config != nil && !p.Drill && strings.HasPrefix(p.Config.Target+"/", p.StageDir+"/") {
		os.Remove(p.Config.Archive)
		return // the unpacked config stays for the operator
	}
	os.RemoveAll(p.StageDir)
}

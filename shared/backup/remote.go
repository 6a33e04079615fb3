package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Exports on cluster storage (hdfs://, s3://) leave the cluster through the cluster's
// own distributed copy, as the last step of the export job: `hadoop distcp` to s3a://
// (HDP), or `s3-dist-cp` to s3:// on EMR. The tool then reads the copied objects back
// from the store once, computing each object's size and SHA-256 and the table's rows,
// cells and digest in the same pass.

// distCpStep is the copy of an export folder into the table's store prefix.
func (e *Engine) distCpStep(id, table, exportDir string) ([]string, error) {
	dst := e.Store.URL(e.Layout.HBase(id, table, ""))
	if !strings.HasPrefix(dst, "s3://") {
		return nil, fmt.Errorf("export dir %s is on the cluster: the store must be s3:// for the cluster to copy it there, got %s", exportDir, dst)
	}
	dst = strings.TrimSuffix(dst, "/")
	var argv []string
	var err error
	if e.Cfg.HBase.Runner.Type == config.RunnerEMR {
		argv, err = hbase.S3DistCpArgv(exportDir, dst)
	} else {
		argv, err = hbase.DistCpArgv(e.Cfg.HBase.HadoopCommand, exportDir, "s3a://"+strings.TrimPrefix(dst, "s3://"))
	}
	if err != nil {
		return nil, err
	}
	return argv, nil
}

// readShipped lists what the cluster copied under the table's prefix and reads every
// object once: size and SHA-256 for each, export stats from the part files.
func (e *Engine) readShipped(ctx context.Context, id, table string, probe *hbase.Probe) ([]store.ObjectInfo, hbase.ExportStats, error) {
	prefix := e.Layout.HBase(id, table, "")
	listed, err := e.Store.List(ctx, prefix)
	if err != nil {
		return nil, hbase.ExportStats{}, fmt.Errorf("list %s: %w", e.Store.URL(prefix), err)
	}
	var (
		objs    []store.ObjectInfo
		stats   hbase.ExportStats
		digest  hbase.Digest
		success bool
	)
	for _, o := range listed {
		name := path.Base(o.Key)
		if name == "_SUCCESS" {
			success = true
		}
		info, st, err := e.readObject(ctx, o.Key, strings.HasPrefix(name, "part-") && !strings.HasSuffix(name, ".crc"), probe)
		if err != nil {
			return nil, stats, err
		}
		objs = append(objs, info)
		if st != nil {
			stats.Rows += st.Rows
			stats.Cells += st.Cells
			stats.Files++
			d, err := hbase.ParseDigest(st.Digest)
			if err != nil {
				return nil, stats, fmt.Errorf("%s: %w", e.Store.URL(o.Key), err)
			}
			digest.Merge(d)
		}
	}
	if !success {
		return nil, stats, fmt.Errorf("%s has no _SUCCESS object: the copy did not complete", e.Store.URL(prefix))
	}
	if stats.Files == 0 {
		return nil, stats, fmt.Errorf("%s has no part files", e.Store.URL(prefix))
	}
	stats.Digest = digest.String()
	return objs, stats, nil
}

func (e *Engine) readObject(ctx context.Context, key string, part bool, probe *hbase.Probe) (store.ObjectInfo, *hbase.ExportStats, error) {
	rc, err := e.Store.Get(ctx, key)
	if err != nil {
		return store.ObjectInfo{}, nil, fmt.Errorf("read back %s: %w", e.Store.URL(key), err)
	}
	defer rc.Close()
	h := sha256.New()
	cr := &countingReader{r: io.TeeReader(rc, h)}
	var st *hbase.ExportStats
	if part {
		s, err := hbase.ReadExportWith(cr, probe)
		if err != nil {
			return store.ObjectInfo{}, nil, fmt.Errorf("read export %s: %w", e.Store.URL(key), err)
		}
		st = &s
	}
	if _, err := io.Copy(io.Discard, cr); err != nil && !errors.Is(err, io.EOF) {
		return store.ObjectInfo{}, nil, fmt.Errorf("read back %s: %w", e.Store.URL(key), err)
	}
	return store.ObjectInfo{Key: key, Size: cr.n, SHA256: hex.EncodeToString(h.Sum(nil))}, st, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// shipRemote finishes ExportShip for an export the cluster copied into the store.
func (e *Engine) shipRemote(ctx context.Context, p *Plan, t TablePlan, out manifest.Table, probe *hbase.Probe, job runner.Status) (manifest.Table, error) {
	objs, stats, err := e.readShipped(ctx, p.BackupID, t.Table, probe)
	if err != nil {
		return out, &ExportFailed{Err: fmt.Errorf("%s: %w", t.Table, err)}
	}
	out.Rows, out.Cells, out.Digest, out.Objects = stats.Rows, stats.Cells, stats.Digest, objs
	for _, o := range objs {
		out.Bytes += o.Size
	}
	// Every object was read back once (readShipped): that is what the tool read.
	out.ToolRead = &manifest.ToolRead{Store: out.Bytes}
	if n, ok := out.Counters["Map input records"]; ok && n != stats.Rows {
		return out, &ExportIncomplete{Table: t.Table, Problems: []string{fmt.Sprintf("the Export job counted %d rows but the shipped files hold %d", n, stats.Rows)}}
	}
	if err := checkLive(t, &out, stats, probe, job); err != nil {
		return out, err
	}
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "hbase", Name: t.Table, Phase: "shipped", Bytes: out.Bytes,
		Message: fmt.Sprintf("%d rows, %d cells, %d objects (copied by the cluster)", stats.Rows, stats.Cells, len(objs))})
	return out, nil
}

package backup

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// s3Named is a file store that names its objects like an S3 bucket, so the engine takes
// the cluster-copy path.
type s3Named struct{ *store.FileStore }

func (s s3Named) URL(key string) string { return "s3://bkt/" + key }

// recordingRunner records the submitted jobs and reports them succeeded.
type recordingRunner struct{ jobs []runner.Job }

func (f *recordingRunner) Submit(_ context.Context, j runner.Job) (string, error) {
	f.jobs = append(f.jobs, j)
	return j.ID, nil
}
func (f *recordingRunner) Status(context.Context, string) (runner.Status, error) {
	return runner.Status{State: runner.StateSucceeded}, nil
}

func TestExportOnClusterStorageIsCopiedByTheCluster(t *testing.T) {
	for _, tt := range []struct {
		runner  string
		program string
		dest    string
	}{
		{config.RunnerSSM, "hadoop", "s3a://bkt/atlas/c1/b1/hbase/atlas_janus"},
		{config.RunnerEMR, "s3-dist-cp", "--dest=s3://bkt/atlas/c1/b1/hbase/atlas_janus"},
	} {
		t.Run(tt.runner, func(t *testing.T) {
			fs, err := store.NewFile(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			fr := &recordingRunner{}
			e := &Engine{
				Core: engine.Core{
					Store:  s3Named{fs},
					Layout: store.Layout{Prefix: "atlas", Cluster: "c1"},
					Runner: fr,
					Clock:  func() time.Time { return time.Unix(0, 0) },
				},
			}
			e.Cfg.HBase = config.HBase{Runner: config.Runner{Type: tt.runner}, Command: "hbase", HDFSCommand: "hdfs", HadoopCommand: "hadoop", Versions: 1,
				Principal: "hbase@R", Owner: "hbase"}
			e.HBaseKeytab = "/etc/security/keytabs/hbase.keytab"
			p := &Plan{BackupID: "b1", HBaseEndMs: 1000}
			tp := TablePlan{Table: "atlas_janus", ExportDir: "hdfs://nn:8020/backup/b1/atlas_janus", JobID: "b1-export"}
			if _, err := e.ExportSubmit(context.Background(), p, tp); err != nil {
				t.Fatal(err)
			}
			steps := fr.jobs[0].Steps
			last := steps[len(steps)-1].Argv
			if last[0] != tt.program || last[len(last)-1] != tt.dest {
				t.Fatalf("copy step %q, want %s ... %s", last, tt.program, tt.dest)
			}
			if steps[0].Argv[0] != "kinit" || !strings.Contains(strings.Join(steps[len(steps)-2].Argv, " "), "mapreduce.Export atlas_janus") {
				t.Fatalf("steps: %v", steps)
			}

			// what the cluster copied: a real Export part file and the _SUCCESS marker
			part, err := os.ReadFile("../hbase/testdata/export/plain/part-m-00000")
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			fs.Put(ctx, e.Layout.HBase("b1", "atlas_janus", "part-m-00000"), bytes.NewReader(part))
			want, err := hbase.ReadExport(bytes.NewReader(part))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.ExportShip(ctx, p, tp, runner.Status{State: runner.StateSucceeded}); err == nil ||
				!strings.Contains(err.Error(), "_SUCCESS") {
				t.Fatalf("without _SUCCESS: err = %v", err)
			}
			fs.Put(ctx, e.Layout.HBase("b1", "atlas_janus", "_SUCCESS"), strings.NewReader(""))
			got, err := e.ExportShip(ctx, p, tp, runner.Status{State: runner.StateSucceeded})
			if err != nil {
				t.Fatal(err)
			}
			if got.Rows != want.Rows || got.Cells != want.Cells || got.Digest != want.Digest || len(got.Objects) != 2 {
				t.Fatalf("got %d rows %d cells %s, %d objects; want %+v", got.Rows, got.Cells, got.Digest, len(got.Objects), want)
			}
			for _, o := range got.Objects {
				if err := store.VerifyObject(ctx, fs, o); err != nil {
					t.Errorf("recorded checksum does not verify: %v", err)
				}
			}
		})
	}
}

// strictRunner knows only the handles it issued, as runner.Local does in a new process.
type strictRunner struct{ recordingRunner }

func (s *strictRunner) Status(_ context.Context, h string) (runner.Status, error) {
	for _, j := range s.jobs {
		if j.ID == h {
			return runner.Status{State: runner.StateSucceeded}, nil
		}
	}
	return runner.Status{}, runner.ErrUnknownHandle
}

// An export an earlier (killed) run completed is shipped as it is: no new job, and the
// wait does not ask the runner about a handle it never issued.
func TestCompletedExportOfAnEarlierRunIsKept(t *testing.T) {
	fs, err := store.NewFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir() + "/atlas_janus"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	part, err := os.ReadFile("../hbase/testdata/export/plain/part-m-00000")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dir+"/part-m-00000", part, 0o644)
	os.WriteFile(dir+"/_SUCCESS", nil, 0o644)
	sr := &strictRunner{}
	e := &Engine{
		Core: engine.Core{
			Store:  fs,
			Layout: store.Layout{Prefix: "atlas", Cluster: "c1"},
			Runner: sr,
			Clock:  func() time.Time { return time.Unix(0, 0) },
		},
	}
	e.Cfg.HBase = config.HBase{Runner: config.Runner{Type: config.RunnerLocal}, Command: "hbase", Versions: 1}
	e.Cfg.Concurrency = 2
	p := &Plan{BackupID: "b1", HBaseEndMs: 1000}
	got, err := e.exportTable(context.Background(), p, TablePlan{Table: "atlas_janus", ExportDir: dir, JobID: "b1-export"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.jobs) != 0 || got.Rows == 0 || len(got.Objects) != 2 {
		t.Fatalf("jobs %d, rows %d, objects %d", len(sr.jobs), got.Rows, len(got.Objects))
	}
}

//go:build integration

package solr

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/kerberos"
	"github.com/atlas-backup/atlas-backup/shared/stacktest"
)

// stackEnv returns the named variables of the stack's environment (shared/stacktest).
func stackEnv(t *testing.T, names ...string) stacktest.Env {
	t.Helper()
	return stacktest.Require(t, names...)
}

// stackClient logs in with the client keytab and returns a Client for every node of
// STACK_SOLR_URLS, through the Kerberos/TLS front.
func stackClient(t *testing.T) (*Client, map[string]string) {
	t.Helper()
	env := stackEnv(t, "STACK_SOLR_URLS", "STACK_SOLR_CA", "STACK_SOLR_BACKUP_DIR", "STACK_SOLR_SPN",
		"KRB5_CONFIG", "STACK_CLIENT_PRINCIPAL", "STACK_CLIENT_KEYTAB")
	cfg, err := kerberos.LoadConfig(env["KRB5_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	kt, err := kerberos.LoadKeytab(env["STACK_CLIENT_KEYTAB"])
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kerberos.NewClient(env["STACK_CLIENT_PRINCIPAL"], kt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Destroy)
	pem, err := os.ReadFile(env["STACK_SOLR_CA"])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", env["STACK_SOLR_CA"])
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = &tls.Config{RootCAs: pool}
	hc := &http.Client{Timeout: time.Minute, Transport: &kerberos.Transport{
		Base: base, Client: kc, SPN: kerberos.StaticSPN(env["STACK_SOLR_SPN"])}}
	c, err := New(Options{Nodes: strings.Split(env["STACK_SOLR_URLS"], ","), HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	return c, env
}

var fastWait = WaitOptions{Initial: 100 * time.Millisecond, Max: time.Second, NotFoundGrace: 10 * time.Second}

func TestIntegrationPreflight(t *testing.T) {
	c, env := stackClient(t)
	ctx := context.Background()
	backupDir := env["STACK_SOLR_BACKUP_DIR"]
	atlas := []string{"vertex_index", "edge_index", "fulltext_index"}

	t.Run("passes", func(t *testing.T) {
		if err := c.Preflight(ctx, atlas, backupDir); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("missing collection", func(t *testing.T) {
		err := c.Preflight(ctx, append(atlas, "no_such_collection"), backupDir)
		if !errors.Is(err, ErrCollectionNotFound) || !strings.Contains(err.Error(), "no_such_collection") {
			t.Fatalf("err = %v", err)
		}
		t.Logf("got: %v", err)
	})
	t.Run("location outside solr.allowPaths", func(t *testing.T) {
		for _, loc := range []string{"/tmp/x", t.TempDir()} {
			err := c.Preflight(ctx, atlas, loc)
			if !errors.Is(err, ErrLocationNotAllowed) || !strings.Contains(err.Error(), loc) {
				t.Fatalf("%s: err = %v", loc, err)
			}
			t.Logf("got: %v", err)
		}
	})
	t.Run("location missing", func(t *testing.T) {
		loc := filepath.Join(backupDir, "does-not-exist")
		err := c.Preflight(ctx, atlas, loc)
		if !errors.Is(err, ErrLocationMissing) || errors.Is(err, ErrLocationNotAllowed) {
			t.Fatalf("err = %v", err)
		}
		t.Logf("got: %v", err)
	})
}

func TestIntegrationBackupOnce(t *testing.T) {
	c, env := stackClient(t)
	ctx := context.Background()
	backupDir := env["STACK_SOLR_BACKUP_DIR"]
	name := fmt.Sprintf("it-%d", time.Now().UnixNano())
	t.Cleanup(func() { _ = os.RemoveAll(filepath.Join(backupDir, name)) })
	req := BackupRequest{Collection: "vertex_index", Name: name, Location: backupDir, AsyncID: AsyncID(name, "vertex_index")}

	sub, err := c.Backup(ctx, req)
	if err != nil || sub.AlreadySubmitted {
		t.Fatalf("first submit: %+v, %v", sub, err)
	}
	// A retry of the step with the same id, while the task runs or after it ended.
	again, err := c.Backup(ctx, req)
	if err != nil || !again.AlreadySubmitted {
		t.Fatalf("second submit: %+v, %v", again, err)
	}
	var polls []State
	st, err := c.Wait(ctx, req.AsyncID, WaitOptions{Initial: fastWait.Initial, Max: fastWait.Max, NotFoundGrace: fastWait.NotFoundGrace, KeepStatus: true},
		func(s Status) { polls = append(polls, s.State) })
	if err != nil || st.State != StateCompleted {
		t.Fatalf("wait: %+v, %v (polls %v)", st, err, polls)
	}
	t.Logf("polls: %v", polls)
	third, err := c.Backup(ctx, req)
	if err != nil || !third.AlreadySubmitted {
		t.Fatalf("submit after completion: %+v, %v", third, err)
	}
	if err := c.DeleteStatus(ctx, req.AsyncID); err != nil {
		t.Fatal(err)
	}
	// One backup point only: the repeated submits started nothing.
	props, _ := filepath.Glob(filepath.Join(backupDir, name, "vertex_index", "backup_*.properties"))
	if len(props) != 1 || filepath.Base(props[0]) != "backup_0.properties" {
		t.Fatalf("backup points: %v", props)
	}
	for _, p := range []string{"zk_backup_0", "shard_backup_metadata", "index"} {
		if _, err := os.Stat(filepath.Join(backupDir, name, "vertex_index", p)); err != nil {
			t.Fatalf("backup file: %v", err)
		}
	}
	st, err = c.RequestStatus(ctx, req.AsyncID)
	if err != nil || st.State != StateNotFound {
		t.Fatalf("status after delete: %+v, %v", st, err)
	}
}

func TestIntegrationBackupNotAllowedFailsInTask(t *testing.T) {
	c, _ := stackClient(t)
	ctx := context.Background()
	loc := t.TempDir() // exists, outside solr.allowPaths
	name := fmt.Sprintf("it-na-%d", time.Now().UnixNano())
	req := BackupRequest{Collection: "edge_index", Name: name, Location: loc, AsyncID: AsyncID(name, "edge_index")}
	if _, err := c.Backup(ctx, req); err != nil {
		t.Fatalf("submit: %v", err)
	}
	st, err := c.Wait(ctx, req.AsyncID, fastWait, nil)
	if st.State != StateFailed || !errors.Is(err, ErrTaskFailed) || !errors.Is(err, ErrLocationNotAllowed) {
		t.Fatalf("st = %+v, err = %v", st, err)
	}
	if st.DeleteErr != nil {
		t.Fatalf("delete status: %v", st.DeleteErr)
	}
	t.Logf("got: %v", err)
}

func TestIntegrationSubmitErrors(t *testing.T) {
	c, env := stackClient(t)
	ctx := context.Background()
	tests := []struct {
		name string
		req  BackupRequest
		want error
	}{
		{name: "collection missing", req: BackupRequest{Collection: "no_such_collection", Name: "it-x", Location: env["STACK_SOLR_BACKUP_DIR"], AsyncID: "it-x-nosuch"}, want: ErrCollectionNotFound},
		{name: "location missing", req: BackupRequest{Collection: "vertex_index", Name: "it-x", Location: filepath.Join(env["STACK_SOLR_BACKUP_DIR"], "does-not-exist"), AsyncID: "it-x-missing"}, want: ErrLocationMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Backup(ctx, tt.req)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			st, err := c.RequestStatus(ctx, tt.req.AsyncID)
			if err != nil || st.State != StateNotFound {
				t.Fatalf("nothing should be queued: %+v, %v", st, err)
			}
		})
	}
}

func TestIntegrationCountRestoreDelete(t *testing.T) {
	c, env := stackClient(t)
	ctx := context.Background()
	backupDir := env["STACK_SOLR_BACKUP_DIR"]

	total, per, err := c.DocCount(ctx, "edge_index")
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, n := range per {
		sum += n
	}
	if total == 0 || sum != total || len(per) < 2 {
		t.Fatalf("total %d, per shard %v", total, per)
	}

	name := fmt.Sprintf("it-r-%d", time.Now().UnixNano())
	t.Cleanup(func() { _ = os.RemoveAll(filepath.Join(backupDir, name)) })
	breq := BackupRequest{Collection: "edge_index", Name: name, Location: backupDir, AsyncID: AsyncID(name, "edge_index")}
	if _, err := c.Backup(ctx, breq); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Wait(ctx, breq.AsyncID, fastWait, nil); err != nil {
		t.Fatal(err)
	}
	target := strings.ReplaceAll(name, "-", "_") + "_edge"
	t.Cleanup(func() { _ = c.DeleteCollection(context.Background(), target) })
	rreq := RestoreRequest{Collection: target, Name: name, Location: backupDir, AsyncID: AsyncID(name, "restore-edge")}
	if _, err := c.Restore(ctx, rreq); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Wait(ctx, rreq.AsyncID, fastWait, nil); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.CollectionExists(ctx, target); err != nil || !ok {
		t.Fatalf("restored collection exists: %v, %v", ok, err)
	}
	// Replicas may still be recovering right after the restore: retry the count briefly.
	var restored int64
	for i := 0; i < 50; i++ {
		restored, _, err = c.DocCount(ctx, target)
		if err == nil && restored == total {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if restored != total {
		t.Fatalf("restored %d documents, want %d (last error %v)", restored, total, err)
	}
	if err := c.DeleteCollection(ctx, target); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.CollectionExists(ctx, target); err != nil || ok {
		t.Fatalf("deleted collection exists: %v, %v", ok, err)
	}
	if err := c.DeleteCollection(ctx, target); !errors.Is(err, ErrCollectionNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

package store_test

import (
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/store"
)

func TestLayoutKeys(t *testing.T) {
	const id = "20250101T020000Z"
	cases := []struct {
		name string
		got  func(l store.Layout) string
		want string // with prefix "backups/atlas", cluster "prod"
		bare string // with empty prefix, cluster "prod"
	}{
		{"Backups", func(l store.Layout) string { return l.Backups() },
			"backups/atlas/prod/", "prod/"},
		{"Latest", func(l store.Layout) string { return l.Latest() },
			"backups/atlas/prod/latest.json", "prod/latest.json"},
		{"Backup", func(l store.Layout) string { return l.Backup(id) },
			"backups/atlas/prod/20250101T020000Z/", "prod/20250101T020000Z/"},
		{"Manifest", func(l store.Layout) string { return l.Manifest(id) },
			"backups/atlas/prod/20250101T020000Z/manifest.json", "prod/20250101T020000Z/manifest.json"},
		{"Plan", func(l store.Layout) string { return l.Plan(id) },
			"backups/atlas/prod/20250101T020000Z/plan.json", "prod/20250101T020000Z/plan.json"},
		{"LegacyPlan", func(l store.Layout) string { return l.LegacyPlan(id) },
			"backups/atlas/prod/20250101T020000Z/lock.json", "prod/20250101T020000Z/lock.json"},
		{"Drill", func(l store.Layout) string { return l.Drill(id) },
			"backups/atlas/prod/20250101T020000Z/drill.json", "prod/20250101T020000Z/drill.json"},
		{"ClusterLock", func(l store.Layout) string { return l.ClusterLock(42) },
			"backups/atlas/prod/_lock/00000000000000000042.json", "prod/_lock/00000000000000000042.json"},
		{"Reader", func(l store.Layout) string { return l.Reader("r20250102T030000Z-abcdef") },
			"backups/atlas/prod/_readers/r20250102T030000Z-abcdef.json", "prod/_readers/r20250102T030000Z-abcdef.json"},
		{"ConfigArchive", func(l store.Layout) string { return l.ConfigArchive(id) },
			"backups/atlas/prod/20250101T020000Z/config/atlas-conf.tar.gz", "prod/20250101T020000Z/config/atlas-conf.tar.gz"},
		{"HBase table", func(l store.Layout) string { return l.HBase(id, "atlas_janus", "part-m-00000") },
			"backups/atlas/prod/20250101T020000Z/hbase/atlas_janus/part-m-00000", "prod/20250101T020000Z/hbase/atlas_janus/part-m-00000"},
		{"HBase namespaced table", func(l store.Layout) string { return l.HBase(id, "atlas:ATLAS_ENTITY_AUDIT_EVENTS", "_SUCCESS") },
			"backups/atlas/prod/20250101T020000Z/hbase/atlas=ATLAS_ENTITY_AUDIT_EVENTS/_SUCCESS", "prod/20250101T020000Z/hbase/atlas=ATLAS_ENTITY_AUDIT_EVENTS/_SUCCESS"},
		{"HBase table folder", func(l store.Layout) string { return l.HBase(id, "atlas_titan", "") },
			"backups/atlas/prod/20250101T020000Z/hbase/atlas_titan/", "prod/20250101T020000Z/hbase/atlas_titan/"},
		{"Solr file", func(l store.Layout) string { return l.Solr(id, "vertex_index", "snapshot/shard1/segments_2") },
			"backups/atlas/prod/20250101T020000Z/solr/vertex_index/snapshot/shard1/segments_2", "prod/20250101T020000Z/solr/vertex_index/snapshot/shard1/segments_2"},
		{"Solr folder", func(l store.Layout) string { return l.Solr(id, "fulltext_index", "") },
			"backups/atlas/prod/20250101T020000Z/solr/fulltext_index/", "prod/20250101T020000Z/solr/fulltext_index/"},
		{"RestoreScratch", func(l store.Layout) string { return l.RestoreScratch("r20250102T030000Z-abcdef") },
			"backups/atlas/prod/_restore/r20250102T030000Z-abcdef/", "prod/_restore/r20250102T030000Z-abcdef/"},
		{"RestoreCheck", func(l store.Layout) string { return l.RestoreCheck("r1", "atlas:t", "part-m-00000") },
			"backups/atlas/prod/_restore/r1/hbase/atlas=t/part-m-00000", "prod/_restore/r1/hbase/atlas=t/part-m-00000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.got(store.Layout{Prefix: "backups/atlas", Cluster: "prod"}); got != c.want {
				t.Errorf("with prefix: %q, want %q", got, c.want)
			}
			if got := c.got(store.Layout{Cluster: "prod"}); got != c.bare {
				t.Errorf("without prefix: %q, want %q", got, c.bare)
			}
			if strings.HasSuffix(c.want, "/") {
				return // folders are prefixes, not keys
			}
			if err := store.ValidateKey(c.want); err != nil {
				t.Errorf("layout built an invalid key: %v", err)
			}
		})
	}
}

func TestLayoutBackupIDFromKey(t *testing.T) {
	l := store.Layout{Prefix: "p", Cluster: "prod"}
	cases := []struct {
		name, key, id string
		ok            bool
	}{
		{"manifest", l.Manifest("b1"), "b1", true},
		{"deep artifact", l.Solr("b2", "edge_index", "x/y"), "b2", true},
		{"latest is cluster-level", l.Latest(), "", false},
		{"other cluster", store.Layout{Prefix: "p", Cluster: "dev"}.Manifest("b1"), "", false},
		{"other prefix", store.Layout{Cluster: "prod"}.Manifest("b1"), "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, ok := l.BackupIDFromKey(c.key)
			if id != c.id || ok != c.ok {
				t.Errorf("BackupIDFromKey(%q) = %q, %v; want %q, %v", c.key, id, ok, c.id, c.ok)
			}
		})
	}
}

func TestLayoutClusterLockSeq(t *testing.T) {
	l := store.Layout{Prefix: "p", Cluster: "prod"}
	for _, n := range []uint64{0, 1, 42, 18446744073709551615} {
		got, ok := l.ClusterLockSeq(l.ClusterLock(n))
		if !ok || got != n {
			t.Errorf("ClusterLockSeq(ClusterLock(%d)) = %d, %v", n, got, ok)
		}
	}
	for _, k := range []string{l.Latest(), l.LockDir() + "42.json", l.LockDir() + "0000000000000000004x.json",
		store.Layout{Cluster: "dev"}.ClusterLock(1), l.Reader("r1")} {
		if n, ok := l.ClusterLockSeq(k); ok {
			t.Errorf("ClusterLockSeq(%q) = %d, true; want false", k, n)
		}
	}
}

func TestTableSegmentRoundTrip(t *testing.T) {
	for _, tbl := range []string{"atlas_janus", "atlas:atlas_janus", "default:ATLAS_ENTITY_AUDIT_EVENTS", "a.b-c"} {
		seg := store.TableSegment(tbl)
		if strings.ContainsAny(seg, ":/") {
			t.Errorf("TableSegment(%q) = %q: contains ':' or '/'", tbl, seg)
		}
		if back := store.TableFromSegment(seg); back != tbl {
			t.Errorf("TableFromSegment(TableSegment(%q)) = %q", tbl, back)
		}
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		fn    func(string) error
		input string
		ok    bool
	}{
		{"component simple", store.ValidateComponent, "prod-cluster_1", true},
		{"component timestamp id", store.ValidateComponent, "20250101T020000Z", true},
		{"component with dots", store.ValidateComponent, "v1.2", true},
		{"component max length", store.ValidateComponent, strings.Repeat("a", 128), true},
		{"component too long", store.ValidateComponent, strings.Repeat("a", 129), false},
		{"component empty", store.ValidateComponent, "", false},
		{"component dotdot", store.ValidateComponent, "a..b", false},
		{"component leading dot", store.ValidateComponent, ".hidden", false},
		{"component leading dash", store.ValidateComponent, "-x", false},
		{"component slash", store.ValidateComponent, "a/b", false},
		{"component colon", store.ValidateComponent, "a:b", false},
		{"component space", store.ValidateComponent, "a b", false},
		{"key ok", store.ValidateKey, "a/b.c/d", true},
		{"key leading slash", store.ValidateKey, "/a", false},
		{"key dotdot", store.ValidateKey, "a/../b", false},
		{"key empty segment", store.ValidateKey, "a//b", false},
		{"key newline", store.ValidateKey, "a\nb", false},
		{"bucket ok", store.ValidateBucket, "atlas-backup.prod", true},
		{"bucket upper", store.ValidateBucket, "Atlas", false},
		{"bucket short", store.ValidateBucket, "ab", false},
		{"bucket underscore", store.ValidateBucket, "a_b", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.fn(c.input)
			if (err == nil) != c.ok {
				t.Errorf("(%q) err = %v, want ok=%v", c.input, err, c.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "must") && !strings.Contains(err.Error(), "keys are") {
				t.Errorf("error does not name the rule: %v", err)
			}
		})
	}
	if err := (store.Layout{Prefix: "a//b", Cluster: "c"}).Validate(); err == nil {
		t.Errorf("Layout.Validate: bad prefix accepted")
	}
	if err := (store.Layout{Cluster: "../c"}).Validate(); err == nil {
		t.Errorf("Layout.Validate: bad cluster accepted")
	}
	if err := (store.Layout{Prefix: "a/b", Cluster: "c"}).Validate(); err != nil {
		t.Errorf("Layout.Validate: %v", err)
	}
}

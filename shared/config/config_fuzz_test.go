package config_test

import (
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/handler"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/kerberos"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Whatever the YAML, Parse does not panic, and a config it accepts is one every builder
// accepts: the store opens and the agent takes it, kinit takes both principals, the
// Export/Import/chown argv builders take the command, tables, export dir and owner, the
// Solr parameter builders take the collections and location, SPNEGO takes the SPNs.
func FuzzParse(f *testing.F) {
	f.Add(validConfig)
	for _, r := range [][2]string{
		{"store: s3://my-backups/atlas", "store: s3://my-backups/a%26b"},
		{"store: s3://my-backups/atlas", "store: file:///var/backups"},
		{"principal: hbase@EXAMPLE.COM", "principal: -rf"},
		{"principal: hbase@EXAMPLE.COM", `principal: "hbase/..@X"`},
		{"exportDir: hdfs://nn1:8020/backup/atlas", "exportDir: /tmp/exports"},
		{"runner: {type: local}", "runner: {type: ssm, instanceId: i-0123456789abcdef0}"},
		{"location: /mnt/solr-backup", "location: /mnt/a b"},
		{"cluster: prod-hdp3", "cluster: ."},
		{"confDir: /etc/atlas/conf", "confDir: /etc/atlas/conf\naws: {region: us-east-1, endpoint: 'http://127.0.0.1:5000'}"},
	} {
		f.Add(strings.Replace(validConfig, r[0], r[1], 1))
	}
	f.Add("cluster: [\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, y string) {
		for _, k := range []string{"ATLAS_BACKUP_STORE", "ATLAS_BACKUP_CLUSTER", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE"} {
			t.Setenv(k, "")
		}
		c, err := config.Parse([]byte(y))
		if err != nil {
			return
		}
		loc, err := store.ParseURL(c.Store)
		if err != nil {
			t.Fatalf("store %q accepted by config, refused by ParseURL: %v", c.Store, err)
		}
		key := c.Cluster + "/b1/config/atlas-conf.tar.gz"
		if loc.Prefix != "" {
			key = loc.Prefix + "/" + key
		}
		if _, err := handler.AgentParameters(handler.AgentArchiveRequest{BackupID: "b1", ConfDir: c.Atlas.ConfDir, Store: loc, Key: key, Part: key}); err != nil {
			t.Fatalf("agent refuses what config accepts: %v", err)
		}
		if err := (store.Layout{Prefix: loc.Prefix, Cluster: c.Cluster}).Validate(); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{c.Kerberos.Principal, c.HBase.Principal} {
			if p == "" {
				continue
			}
			if _, err := hbase.KinitArgv(p, "/etc/k.keytab"); err != nil {
				t.Fatalf("kinit refuses principal %q that config accepts: %v", p, err)
			}
		}
		tables := append([]string{"atlas_janus"}, c.HBase.Tables...)
		for _, tb := range tables {
			if _, err := hbase.ExportArgv(c.HBase.Command, hbase.ExportOptions{Table: tb, OutDir: strings.TrimSuffix(c.HBase.ExportDir, "/") + "/b1/t", Versions: c.HBase.Versions}); err != nil {
				t.Fatalf("export argv refuses what config accepts: %v", err)
			}
		}
		if _, err := hbase.HDFSChownArgv("hdfs", "/tmp/x", c.HBase.Owner); err != nil {
			t.Fatalf("chown refuses owner %q: %v", c.HBase.Owner, err)
		}
		for _, col := range c.Solr.Collections {
			if _, err := solr.BackupParams(solr.BackupRequest{Collection: col, Name: "b1", Location: c.Solr.Location, AsyncID: solr.AsyncID("b1", col)}); err != nil {
				t.Fatalf("BACKUP params refuse what config accepts: %v", err)
			}
		}
		if !c.Kerberos.Disabled {
			for _, n := range c.Solr.Nodes {
				if err := kerberos.ValidateSPN(n.SPN); err != nil {
					t.Fatalf("SPNEGO refuses SPN %q: %v", n.SPN, err)
				}
			}
		}
	})
}

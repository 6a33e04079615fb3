package solr

import "testing"

func TestClassifyMessage(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want error
	}{
		{name: "duplicate id 9.x", msg: "Task with the same requestid already exists. (rec-b1-vertex)", want: errAsyncIDExists},
		{name: "duplicate id 7.x", msg: "Task with the same requestid already exists.", want: errAsyncIDExists},
		{name: "allowPaths", msg: "Failed to backup core=x because org.apache.solr.common.SolrException: Path /b/x must be relative to SOLR_HOME, SOLR_DATA_HOME coreRootDirectory. Set system property 'solr.allowPaths' to add other allowed paths.", want: ErrLocationNotAllowed},
		{name: "location missing", msg: "specified location file:///b/does-not-exist does not exist.", want: ErrLocationMissing},
		{name: "folder missing on a node", msg: "Failed to backup core=x because java.nio.file.NoSuchFileException: /opt/b/snapshot.shard2", want: ErrLocationNotShared},
		{name: "collection missing 9.x", msg: "Collection 'nosuch' does not exist, no action taken.", want: ErrCollectionNotFound},
		{name: "collection missing on DELETE", msg: "Could not find collection : nosuch", want: ErrCollectionNotFound},
		{name: "backup name missing", msg: "Incremental backup URI [file:///b/rec-nosuch] expected to hold a single directory. Number found: 0", want: ErrBackupNotFound},
		{name: "path holding a keyword is not a reason", msg: "Incremental backup URI [file:///tmp/solr.allowPaths-NoSuchFileException/x] expected to hold a single directory. Number found: 0", want: ErrBackupNotFound},
		{name: "unknown action", msg: "Unknown action: LISTBACKUP", want: errUnsupportedAction},
		{name: "other", msg: "Could not backup all shards", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classifyMessage(tt.msg); got != tt.want {
				t.Fatalf("classifyMessage(%q) = %v, want %v", tt.msg, got, tt.want)
			}
		})
	}
}

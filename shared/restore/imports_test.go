package restore

import (
	"go/build"
	"testing"
)

// A restore reads what a backup left through shared/manifest and the store, never
// through shared/backup (velero's pkg/restore never imports pkg/backup).
func TestNoBackupImport(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range append(append(pkg.Imports, pkg.TestImports...), pkg.XTestImports...) {
		if imp == "github.com/atlas-backup/atlas-backup/shared/backup" {
			t.Errorf("shared/restore imports %s: read manifests through shared/manifest", imp)
		}
	}
}

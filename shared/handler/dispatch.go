package handler

import (
	"context"
	"fmt"
	"sort"
)

// EnvHandler is where the Lambda runtime gives a custom runtime's bootstrap its
// function's Handler (template.yaml: each function's Handler property). The one bootstrap
// (functions/main.go) dispatches on it.
const EnvHandler = "_HANDLER"

// Function is one Lambda function of template.yaml: the Handler name the bootstrap is
// started with and how it builds its step handler once per sandbox.
type Function struct {
	// Name is the template's Handler value ("plan", "restore-fetch", ...).
	Name string
	// Doc says in one line what the function does.
	Doc  string
	boot func(ctx context.Context, getenv func(string) string) (any, error)
}

func backupStep(name, doc string, pick func(*Backup) any) Function {
	return Function{Name: name, Doc: doc, boot: func(ctx context.Context, getenv func(string) string) (any, error) {
		rt, err := Boot(ctx, name, getenv)
		if err != nil {
			return nil, err
		}
		h, err := rt.Backup(ctx)
		if err != nil {
			return nil, err
		}
		return pick(h), nil
	}}
}

func restoreStep(name, doc string, pick func(*Restore) any) Function {
	return Function{Name: name, Doc: doc, boot: func(ctx context.Context, getenv func(string) string) (any, error) {
		rt, err := Boot(ctx, name, getenv)
		if err != nil {
			return nil, err
		}
		h, err := rt.Restore(ctx)
		if err != nil {
			return nil, err
		}
		return pick(h), nil
	}}
}

// functions is the dispatch table: every function of template.yaml (a test compares
// them), in the order of a backup, then of a restore.
var functions = []Function{
	{Name: "start", Doc: "starts the backup state machine for a trigger (schedule, pre-upgrade, on-demand); execution name = backup id",
		boot: func(ctx context.Context, getenv func(string) string) (any, error) {
			h, err := BootStart(ctx, getenv)
			if err != nil {
				return nil, err
			}
			return step(h.Handle), nil
		}},
	backupStep("plan", "checks the store, Kerberos, Solr and HBase, and stores the plan", func(h *Backup) any { return step(h.Plan) }),
	backupStep("export-submit", "submits one table's HBase Export", func(h *Backup) any { return step(h.ExportSubmit) }),
	backupStep("export-status", "checks one HBase Export once", func(h *Backup) any { return step(h.ExportStatus) }),
	backupStep("export-ship", "ships one finished HBase Export into the store", func(h *Backup) any { return step(h.ExportShip) }),
	backupStep("solr-submit", "submits one collection's async Solr BACKUP", func(h *Backup) any { return step(h.SolrSubmit) }),
	backupStep("solr-status", "checks one Solr BACKUP once (REQUESTSTATUS)", func(h *Backup) any { return step(h.SolrStatus) }),
	backupStep("solr-ship", "ships one finished Solr backup folder into the store", func(h *Backup) any { return step(h.SolrShip) }),
	backupStep("config-archive", "archives the Atlas config folder (through the host agent when configured)", func(h *Backup) any { return step(h.ConfigArchive) }),
	backupStep("config-status", "checks the host agent's config archive once", func(h *Backup) any { return step(h.ConfigStatus) }),
	backupStep("finalize", "writes the manifest last (FAILED with the caught error on the Catch path), publishes the completion event", func(h *Backup) any { return step(h.Finalize) }),
	backupStep("retention", "applies the retention policy after a SUCCEEDED backup (forget --prune) and releases the cluster lock", func(h *Backup) any { return step(h.Retention) }),
	restoreStep("restore-plan", "reads the manifest, looks at every server without changing anything, stores the restore plan", func(h *Restore) any { return step(h.Plan) }),
	restoreStep("restore-fetch", "brings one artifact back to staging, checking size and SHA-256", func(h *Restore) any { return step(h.Fetch) }),
	restoreStep("restore-table-import", "creates a target table from the recorded schema and submits its Import", func(h *Restore) any { return step(h.TableImport) }),
	restoreStep("restore-table-status", "checks an Import or a check export once", func(h *Restore) any { return step(h.TableJobStatus) }),
	restoreStep("restore-table-check-submit", "reads a finished Import and submits the check export of the restored table", func(h *Restore) any { return step(h.TableCheckSubmit) }),
	restoreStep("restore-table-check", "compares a restored table with the manifest", func(h *Restore) any { return step(h.TableCheck) }),
	restoreStep("restore-collection-submit", "deletes the target collection when allowed and submits its async Solr RESTORE", func(h *Restore) any { return step(h.CollectionSubmit) }),
	restoreStep("restore-collection-status", "checks a Solr RESTORE once", func(h *Restore) any { return step(h.CollectionStatus) }),
	restoreStep("restore-collection-check", "compares a restored collection with the manifest", func(h *Restore) any { return step(h.CollectionCheck) }),
	restoreStep("restore-config", "unpacks the config archive into its target folder and checks it", func(h *Restore) any { return step(h.Config) }),
	restoreStep("restore-report", "gathers the parts' checks, removes staging, cleans up a drill, stores the report", func(h *Restore) any { return step(h.Report) }),
}

// Functions returns the dispatch table, in the order of a backup, then of a restore.
func Functions() []Function { return append([]Function(nil), functions...) }

// FunctionNames returns the Handler names of the dispatch table, sorted.
func FunctionNames() []string {
	var out []string
	for _, f := range functions {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

// Lookup finds a function by its Handler name.
func Lookup(name string) (Function, bool) {
	for _, f := range functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// Dispatch builds the step handler of the function named by the environment's _HANDLER,
// for lambda.Start. When the name is unknown or the function's init fails (bad config, no
// region), the handler is Broken: every invocation fails with *BadInput naming the
// problem, which the state machine can catch, instead of a crash it cannot tell apart.
func Dispatch(ctx context.Context, getenv func(string) string) any {
	name := getenv(EnvHandler)
	f, ok := Lookup(name)
	if !ok {
		return step(Broken(fmt.Errorf("%s %q: not a function of this bootstrap (one of %v)", EnvHandler, name, FunctionNames())))
	}
	h, err := f.boot(ctx, getenv)
	if err != nil {
		return step(Broken(err))
	}
	return h
}

// Package stacktest is the one place tests read the local stack's environment (restic
// internal/test/vars.go, litestream testingutil.go): the variables `scripts/stack env`
// prints (STACK_*, KRB5_CONFIG, AWS_*, ATLAS_BACKUP_STACK_CONFIG, ...).
//
// A variable is taken from the process environment when set there, else from the
// stack's own env files (<repository>/.stack/<component>/env, or $STACK_DIR), so
// `go test -tags integration ./shared/solr/` works right after `scripts/stack up`,
// without `eval "$(scripts/stack env)"`. Values found only in the files are exported into
// the process environment once, so the AWS SDK, gokrb5 and child processes (the CLI, the
// Lambda bootstraps) see the same stack as the test.
//
// A missing variable fails the test (CI always starts the stack); STACK_OPTIONAL=1 turns
// that into a skip. Integration tests never pass silently without their server.
package stacktest

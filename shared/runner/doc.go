// Package runner runs commands on cluster hosts: locally (exec), through AWS Systems
// Manager Run Command, or as Amazon EMR steps.
//
// A Job is a list of argv arrays (never shell strings) run in order, stopping at the first
// failure, with an optional environment applied to every step. Submit starts a job and
// returns a handle at once; Status reports its progress; Wait polls Status with growing,
// bounded intervals until the job ends. Long work (an HBase Export on YARN) is therefore
// submitted by one Lambda invocation and polled by later ones.
//
// Idempotency: Job.ID is derived by callers from the backup id and the step. Each runner
// records it where a retry can find it (the log file name for Local, the command comment
// for SSM, the step name for EMR), and Submit with an ID whose earlier attempt is still
// pending, running or has succeeded returns that attempt's handle instead of starting a
// second one. An earlier attempt that failed is not reused: submitting again retries.
//
// Quoting: SSM runs a shell script, so every argv is rendered by ShellQuote (each word in
// single quotes, ' written as '\”) under `set -eu`; the environment becomes an
// `env K=V ...` argv prefix, quoted the same way. EMR's command-runner.jar and Local run
// the argv directly.
package runner

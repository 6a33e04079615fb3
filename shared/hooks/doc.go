// Package hooks runs the operator's commands before and after a backup or restore
// (config `hooks.preBackup`, `postBackup`, `preRestore`, `postRestore`).
//
// A hook is an argv array, never a shell string, run through the same runner as the
// HBase commands (local, SSM, EMR), wrapped in coreutils `timeout --kill-after=10s`,
// so a hook that outlives its timeout is killed on the host whatever the runner (exit
// 124 or 137 is reported as "timed out"). onError "fail" (the default) stops the
// operation with *HookFailed (its errorType); "continue" records the failure and
// goes on. The environment carries ATLAS_BACKUP_CLUSTER, ATLAS_BACKUP_ID,
// ATLAS_BACKUP_RUN_ID and ATLAS_BACKUP_HOOK_PHASE. Results (name, program, state, exit
// code, duration, the last lines of output) go into the manifest or the restore
// report; the argv itself is not recorded (keep credentials in files, e.g.
// `curl --netrc-file`).
package hooks

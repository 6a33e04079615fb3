// Package cli is the atlas-backup command line: backup, list, describe, verify, restore,
// drill, forget, unlock, and the host agent. It parses flags, loads the config, wires the clients and calls the
// shared steps; progress goes to stderr, results to stdout (text or --output json).
//
// Exit codes:
//
//	0  success
//	1  the backup did not succeed (FAILED or PARTIAL), verify found a bad object, a
//	   restore failed after it started changing servers (the report says what each
//	   part was left as), or a drill found a difference or could not clean up
//	2  usage error, invalid config or input (nothing was started)
//	3  the backup id is unknown (no manifest)
//	4  restore or drill refused before any server was changed: the manifest is not
//	   SUCCEEDED, a stored object is missing or altered, a target table holds rows or
//	   a target collection or config folder exists without --yes, a drill's scratch
//	   names collide, Atlas still answers, a preRestore hook failed
//	5  the cluster is locked by another backup, restore or forget (named), unlock
//	   refused a live lock, or this run's lock was taken over
//	130 interrupted (the backup can be resumed by running the same command again)
package cli

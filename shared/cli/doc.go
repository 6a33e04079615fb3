// Package cli is the atlas-backup command line: backup, list, describe, verify, and the
// host agent. It parses flags, loads the config, wires the clients and calls the
// shared steps; progress goes to stderr, results to stdout (text or --output json).
//
// Exit codes:
//
//	0  success
//	1  the backup did not succeed (FAILED or PARTIAL), or verify found a bad object
//	2  usage error, invalid config or input (nothing was started)
//	3  the backup id is unknown (no manifest)
//	130 interrupted (the backup can be resumed by running the same command again)
package cli

// Package hostpath is the one rule for an absolute path on a host — this one or a cluster
// host reached through a runner or the host agent: the work folder, the Atlas config
// folder, keytab and CA files, krb5.conf, a restore's config target. The same rule is
// used by config validation, by the builders of argv words and SSM parameters that carry
// such a path, and by the host agent, so a path one accepts every other accepts.
package hostpath

// Package engine is what the backup and restore engines share: the injected
// dependencies (config, store and its layout, the HBase runner, the Atlas client, the
// hbase keytab and the Kerberos login, the logger, the clock, the progress sink, the
// poll pacing), the one progress Event type and its emission, and the job helpers that
// run HBase commands on the runner as the hbase principal.
//
// backup.Engine and restore.Engine embed a Core, so a dependency is declared, wired
// (shared/clients) and documented once; each engine adds only what is its own (its
// Solr client interface, the tool version, the readiness wait...). Each engine keeps
// its own Solr interface, the methods it calls: the fakes of its tests implement only
// those.
package engine

// Package atlas knows what Apache Atlas itself says about where its metadata lives:
// the HBase table names in atlas-application.properties, the Atlas version from the
// admin API, and the rule that Atlas before 1.0 (HDP 2) keeps its graph in atlas_titan
// while 1.0 and later (HDP 3) keep it in atlas_janus.
package atlas

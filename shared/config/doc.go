// Package config is the per-cluster configuration file of atlas-backup: one YAML file
// names the cluster, where Atlas's config folder is, how HBase commands reach the
// cluster (local, SSM or EMR) and as whom, the Solr nodes with their SPNs and CA, and
// the backup store. Defaults, then the file, then the environment; Validate once, up
// front, with errors that name the field and the rule.
package config

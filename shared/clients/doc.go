// Package clients builds, from one config.Config, every client a backup or restore step
// needs: the store and its key layout, the runner for HBase commands, the Kerberos
// login and SPNEGO transport, the TLS-verified HTTP client for Solr and Atlas, and the
// Solr Collections API client. Lambdas and the CLI wire through it, so both run the
// same code against the same clients.
package clients

// Package atlas knows what Apache Atlas itself says: where its metadata lives (the
// HBase table names in atlas-application.properties; Atlas before 1.0, HDP 2, keeps its
// graph in atlas_titan, 1.0 and later in atlas_janus), and what a running Atlas answers
// over REST (Client: version, status, metrics, entities, basic search, lineage, audit;
// basic or SPNEGO login; any HTTP answer, 401 included, means Atlas is up).
//
// A backup records what Atlas answers (Take → Record: version, status, entity counts by
// type and state, a small deterministic sample of entities by guid with their
// classifications, labels and glossary terms, the basic searches the sample came from,
// the lineage of a sampled process, the audit of a sampled entity). Check asks a
// restored Atlas the same questions and says same or different per section. Answers
// are compared by a digest of their canonical JSON (Canonical: object keys sorted, array
// elements sorted), so the order Atlas lists things in does not matter.
package atlas

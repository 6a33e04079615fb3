// Package storetest is the contract every store.Store implementation must meet,
// as one suite (the pattern of restic's backend/test.Suite). Each implementation's
// tests call Run with a factory; the file store runs it in the normal tests, the
// S3 store against moto in the integration tests.
package storetest

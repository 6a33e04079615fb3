// Package archive turns the Atlas config folder (/etc/atlas/conf) into a
// deterministic, streaming tar.gz and back.
//
// WriteTarGz walks the folder in lexical order and writes regular files, folders
// and symlinks (stored as symlinks, never followed) with their modes and mtimes,
// hashing every file as it is copied into the tar and the compressed stream as it
// is written, so one pass yields the archive, its size and SHA-256 and a
// per-file inventory. Memory stays bounded whatever the folder size. The root may
// itself be a symlink (on HDP /etc/atlas/conf usually is); it is resolved.
//
// Upload pipes that stream into a store.Store. Extract restores an archive into a
// folder, refusing entries that would land outside it, and Diff says which files
// of a recorded inventory differ from a live folder.
package archive

package solr

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// BackupRequest is one collection's BACKUP.
type BackupRequest struct {
	Collection string // collection to back up
	Name       string // backup name: the folder under Location
	Location   string // path shared by every Solr node, or repository URI
	AsyncID    string // required: see AsyncID
	Repository string // optional backup repository name (solr.xml <backup>)
	// Incremental chooses the backup format on Solr >= 8.9 ("incremental" parameter).
	// nil leaves Solr's default: incremental on 9.x, the legacy format on 8.x. Older
	// releases ignore the parameter.
	Incremental *bool
	// MaxNumBackupPoints keeps at most this many backup points of Name (incremental
	// only; 0 leaves Solr's default of keeping all).
	MaxNumBackupPoints int
}

// RestoreRequest is one collection's RESTORE.
type RestoreRequest struct {
	Collection string // collection to create from the backup (must not exist: see doc)
	Name       string // backup name under Location
	Location   string
	AsyncID    string // required
	Repository string // optional
	// BackupID picks one backup point of an incremental backup; nil takes the latest.
	BackupID *int
	// ConfigName makes the restored collection use this configset instead of the one in
	// the backup (collection.configName); empty keeps the backup's.
	ConfigName string
	// ReplicationFactor sets the restored collection's NRT replicas per shard; 0 keeps
	// the backed-up collection's.
	ReplicationFactor int
}

// BackupParams builds the Collections API parameters of an async BACKUP. Bad values are
// refused before anything is built.
func BackupParams(req BackupRequest) (url.Values, error) {
	var errs []error
	errs = append(errs, ValidateCollection(req.Collection), ValidateBackupName(req.Name),
		ValidateLocation(req.Location), ValidateAsyncID(req.AsyncID))
	if req.Repository != "" {
		errs = append(errs, validateIdentifier("repository", req.Repository))
	}
	if req.MaxNumBackupPoints < 0 {
		errs = append(errs, fmt.Errorf("maxNumBackupPoints %d: must be >= 0", req.MaxNumBackupPoints))
	}
	if req.MaxNumBackupPoints > 0 && req.Incremental != nil && !*req.Incremental {
		errs = append(errs, errors.New("maxNumBackupPoints: only valid for incremental backups"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("solr backup params: %w", err)
	}
	v := url.Values{}
	v.Set("action", "BACKUP")
	v.Set("name", req.Name)
	v.Set("collection", req.Collection)
	v.Set("location", req.Location)
	v.Set("async", req.AsyncID)
	if req.Repository != "" {
		v.Set("repository", req.Repository)
	}
	if req.Incremental != nil {
		v.Set("incremental", strconv.FormatBool(*req.Incremental))
	}
	if req.MaxNumBackupPoints > 0 {
		v.Set("maxNumBackupPoints", strconv.Itoa(req.MaxNumBackupPoints))
	}
	return v, nil
}

// RestoreParams builds the parameters of an async RESTORE.
func RestoreParams(req RestoreRequest) (url.Values, error) {
	var errs []error
	errs = append(errs, ValidateCollection(req.Collection), ValidateBackupName(req.Name),
		ValidateLocation(req.Location), ValidateAsyncID(req.AsyncID))
	if req.Repository != "" {
		errs = append(errs, validateIdentifier("repository", req.Repository))
	}
	if req.ConfigName != "" {
		errs = append(errs, validateIdentifier("configName", req.ConfigName))
	}
	if req.BackupID != nil && *req.BackupID < 0 {
		errs = append(errs, fmt.Errorf("backupId %d: must be >= 0", *req.BackupID))
	}
	if req.ReplicationFactor < 0 {
		errs = append(errs, fmt.Errorf("replicationFactor %d: must be >= 0", req.ReplicationFactor))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("solr restore params: %w", err)
	}
	v := url.Values{}
	v.Set("action", "RESTORE")
	v.Set("name", req.Name)
	v.Set("collection", req.Collection)
	v.Set("location", req.Location)
	v.Set("async", req.AsyncID)
	if req.Repository != "" {
		v.Set("repository", req.Repository)
	}
	if req.BackupID != nil {
		v.Set("backupId", strconv.Itoa(*req.BackupID))
	}
	if req.ConfigName != "" {
		v.Set("collection.configName", req.ConfigName)
	}
	if req.ReplicationFactor > 0 {
		v.Set("replicationFactor", strconv.Itoa(req.ReplicationFactor))
	}
	return v, nil
}

// RequestStatusParams builds REQUESTSTATUS for an async id.
func RequestStatusParams(asyncID string) (url.Values, error) {
	if err := ValidateAsyncID(asyncID); err != nil {
		return nil, fmt.Errorf("solr requeststatus params: %w", err)
	}
	return url.Values{"action": {"REQUESTSTATUS"}, "requestid": {asyncID}}, nil
}

// DeleteStatusParams builds DELETESTATUS for an async id (never flush=true: that would
// drop every stored response of the cluster).
func DeleteStatusParams(asyncID string) (url.Values, error) {
	if err := ValidateAsyncID(asyncID); err != nil {
		return nil, fmt.Errorf("solr deletestatus params: %w", err)
	}
	return url.Values{"action": {"DELETESTATUS"}, "requestid": {asyncID}}, nil
}

// ClusterStatusParams builds CLUSTERSTATUS, for one collection or, with "", all.
func ClusterStatusParams(collection string) (url.Values, error) {
	v := url.Values{"action": {"CLUSTERSTATUS"}}
	if collection != "" {
		if err := ValidateCollection(collection); err != nil {
			return nil, fmt.Errorf("solr clusterstatus params: %w", err)
		}
		v.Set("collection", collection)
	}
	return v, nil
}

// ListCollectionsParams builds LIST.
func ListCollectionsParams() url.Values {
	return url.Values{"action": {"LIST"}}
}

// DeleteCollectionParams builds a synchronous DELETE of a collection.
func DeleteCollectionParams(name string) (url.Values, error) {
	if err := ValidateCollection(name); err != nil {
		return nil, fmt.Errorf("solr delete params: %w", err)
	}
	return url.Values{"action": {"DELETE"}, "name": {name}}, nil
}

// ListBackupParams builds LISTBACKUP (Solr >= 8.9) of a backup name at a location.
func ListBackupParams(name, location, repository string) (url.Values, error) {
	errs := []error{ValidateBackupName(name), ValidateLocation(location)}
	if repository != "" {
		errs = append(errs, validateIdentifier("repository", repository))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("solr listbackup params: %w", err)
	}
	v := url.Values{"action": {"LISTBACKUP"}, "name": {name}, "location": {location}}
	if repository != "" {
		v.Set("repository", repository)
	}
	return v, nil
}

// CountParams builds the /select parameters that count documents: all of them
// (shard == "") or those of one shard (SolrCloud accepts a shard name in "shards").
func CountParams(shard string) (url.Values, error) {
	v := url.Values{"q": {"*:*"}, "rows": {"0"}}
	if shard != "" {
		if err := validateIdentifier("shard", shard); err != nil {
			return nil, fmt.Errorf("solr count params: %w", err)
		}
		v.Set("shards", shard)
	}
	return v, nil
}

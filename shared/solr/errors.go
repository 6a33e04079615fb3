package solr

import (
	"errors"
	"fmt"
	"strings"
)

// Classified failures. Test with errors.Is.
var (
	// ErrUnavailable: no configured node answered (connection errors, timeouts, 502/503/504
	// or a 5xx that is not a Solr answer, on every node).
	ErrUnavailable = errors.New("solr unavailable")
	// ErrUnauthorized: HTTP 401 (SPNEGO refused) or 403.
	ErrUnauthorized = errors.New("solr refused the credentials")
	// ErrCollectionNotFound: the collection does not exist.
	ErrCollectionNotFound = errors.New("collection not found")
	// ErrNoActiveLeader: a shard has no active leader on a live node.
	ErrNoActiveLeader = errors.New("shard has no active leader on a live node")
	// ErrLocationNotAllowed: the backup location is outside the paths Solr may write
	// (solr.allowPaths, Solr >= 8.6).
	ErrLocationNotAllowed = errors.New("backup location not allowed by solr.allowPaths")
	// ErrLocationMissing: the backup location does not exist on the Solr node(s).
	ErrLocationMissing = errors.New("backup location does not exist")
	// ErrLocationNotShared: the location is missing on some nodes: it must be a storage
	// shared by every Solr node (NFS...), or created on every node.
	ErrLocationNotShared = errors.New("backup location missing on some Solr nodes (not shared storage)")
	// ErrLocationFull: the backup location has no space left (a Solr node's write failed
	// with ENOSPC).
	ErrLocationFull = errors.New("backup location full (no space left on device)")
	// ErrBackupNotFound: no backup of that name at the location.
	ErrBackupNotFound = errors.New("backup not found")
	// ErrTaskFailed: an async task ended failed, or stayed unknown past the grace period.
	ErrTaskFailed = errors.New("solr async task failed")
	// ErrTaskNotFound: REQUESTSTATUS does not know the async id (never submitted, or its
	// status was deleted).
	ErrTaskNotFound = errors.New("solr async task not found")
	// ErrTaskLost: REQUESTSTATUS answered the async id before (submitted, running) and
	// does not know it now: its status was deleted (DELETESTATUS by someone else) or
	// Solr lost its ZooKeeper state; what the task did is unknown.
	ErrTaskLost = errors.New("solr lost the async task (REQUESTSTATUS answered it before, notfound now: its status was deleted by another DELETESTATUS, or Solr lost its ZooKeeper state); its outcome is unknown")
	// errAsyncIDExists: Solr already knows the async id (handled inside Backup/Restore).
	errAsyncIDExists = errors.New("async id already exists")
	// errUnsupportedAction: the Solr release does not know the action (e.g. LISTBACKUP
	// before 8.9).
	errUnsupportedAction = errors.New("action not supported by this Solr release")
)

// APIError is an error answer of Solr (or of the front in front of it) to one call.
type APIError struct {
	Node       string // base URL of the node that answered
	Action     string // Collections API action, or the path for other calls
	HTTPStatus int
	SolrStatus int    // responseHeader.status
	Msg        string // error.msg, or the start of a non-Solr body
	Kind       error  // classification (ErrCollectionNotFound, ...), may be nil
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "solr %s at %s: ", e.Action, e.Node)
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
	if e.SolrStatus != 0 && e.SolrStatus != e.HTTPStatus {
		fmt.Fprintf(&b, " (status %d)", e.SolrStatus)
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	return b.String()
}

// Unwrap returns the classification.
func (e *APIError) Unwrap() error { return e.Kind }

// ProblemError is one problem found by Preflight, naming what it concerns.
type ProblemError struct {
	Collection string
	Shard      string
	Location   string
	Nodes      []string
	Kind       error
	Detail     string
}

func (e *ProblemError) Error() string {
	var b strings.Builder
	switch {
	case e.Collection != "" && e.Shard != "":
		fmt.Fprintf(&b, "collection %s shard %s: ", e.Collection, e.Shard)
	case e.Collection != "":
		fmt.Fprintf(&b, "collection %s: ", e.Collection)
	case e.Location != "":
		fmt.Fprintf(&b, "location %s: ", e.Location)
	}
	b.WriteString(e.Kind.Error())
	if len(e.Nodes) > 0 {
		fmt.Fprintf(&b, " (nodes %s)", strings.Join(e.Nodes, ", "))
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap returns the classification.
func (e *ProblemError) Unwrap() error { return e.Kind }

// TaskError is a failed (or lost) async task.
type TaskError struct {
	AsyncID string
	State   State
	Msg     string // status.msg
	Detail  string // the failure texts Solr reported (exception, per-shard failures)
	Kind    error  // classification of Detail, may be nil
	// Seen is the state the task answered before it was notfound (ErrTaskLost).
	Seen State
}

func (e *TaskError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "solr async task %s %s", e.AsyncID, e.State)
	if e.Seen != "" {
		fmt.Fprintf(&b, " after it was %s", e.Seen)
	}
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(e.Kind.Error())
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	} else if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	return b.String()
}

// Unwrap returns ErrTaskFailed (or ErrTaskNotFound) and the classification.
func (e *TaskError) Unwrap() []error {
	errs := []error{ErrTaskFailed}
	if e.State == StateNotFound {
		errs = append(errs, ErrTaskNotFound)
	}
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	return errs
}

// classifyMessage maps Solr error text (7.x to 9.x) to a sentinel, or nil.
func classifyMessage(msg string) error {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "task with the same requestid already exists"):
		return errAsyncIDExists
	case strings.Contains(m, "expected to hold a single directory. number found: 0"):
		return ErrBackupNotFound
	// Whole phrases of Solr's messages: the messages also carry paths, which may hold
	// any word.
	case strings.Contains(m, "set system property 'solr.allowpaths'"), strings.Contains(m, "must be relative to solr_home, solr_data_home"):
		return ErrLocationNotAllowed
	case strings.Contains(m, "specified location") && strings.Contains(m, "does not exist"):
		return ErrLocationMissing
	case strings.Contains(m, "no space left on device"):
		return ErrLocationFull
	case strings.Contains(m, "nosuchfileexception"), strings.Contains(m, "shared file"), strings.Contains(m, "shared storage"):
		return ErrLocationNotShared
	case strings.Contains(m, "does not exist, no action taken"), // 9.x
		strings.Contains(m, "could not find collection"), // 7.x/8.x
		strings.Contains(m, "collection not found"),
		strings.Contains(m, "not found") && strings.Contains(m, "collection:"):
		return ErrCollectionNotFound
	case strings.Contains(m, "unknown action"), strings.Contains(m, "invalid action"):
		return errUnsupportedAction
	}
	return nil
}

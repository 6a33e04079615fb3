package solr

import (
	"context"
	"errors"
	"fmt"
)

// Submitted is the outcome of submitting an async task.
type Submitted struct {
	AsyncID string
	Node    string // node that took the request
	// AlreadySubmitted: Solr already knew the async id (an earlier attempt is queued,
	// running or finished and its status not deleted). Nothing new was started; poll the
	// id to follow the earlier attempt.
	AlreadySubmitted bool
}

// Backup submits an async BACKUP of one collection. A duplicate async id is not an
// error: the result says AlreadySubmitted (Solr 9 answers HTTP 400 "Task with the same
// requestid already exists. (id)"; 7.x/8.x may answer HTTP 200 with that text in
// "error"). Errors are classified: ErrCollectionNotFound, ErrLocationMissing,
// ErrUnavailable...
func (c *Client) Backup(ctx context.Context, req BackupRequest) (Submitted, error) {
	params, err := BackupParams(req)
	if err != nil {
		return Submitted{}, err
	}
	sub, err := c.submit(ctx, params, req.AsyncID)
	if err != nil {
		return sub, fmt.Errorf("solr backup %s: %w", req.Collection, err)
	}
	return sub, nil
}

// Restore submits an async RESTORE of a backup into a collection. Solr 9 restores into
// an existing collection with the same number of shards and replaces its index; to
// restore beside the live data use a new collection name. Duplicate async ids are
// handled as in Backup.
func (c *Client) Restore(ctx context.Context, req RestoreRequest) (Submitted, error) {
	params, err := RestoreParams(req)
	if err != nil {
		return Submitted{}, err
	}
	sub, err := c.submit(ctx, params, req.AsyncID)
	if err != nil {
		return sub, fmt.Errorf("solr restore %s: %w", req.Collection, err)
	}
	return sub, nil
}

func (c *Client) submit(ctx context.Context, params map[string][]string, asyncID string) (Submitted, error) {
	sub := Submitted{AsyncID: asyncID}
	a, err := c.do(ctx, collections(params, true))
	if a != nil {
		sub.Node = a.node
	}
	if errors.Is(err, errAsyncIDExists) {
		sub.AlreadySubmitted = true
		return sub, nil
	}
	if err != nil {
		return sub, err
	}
	if got := a.tree.get("requestid").text(); got != "" && got != asyncID {
		return sub, fmt.Errorf("solr at %s answered request id %q, want %q", a.node, got, asyncID)
	}
	return sub, nil
}

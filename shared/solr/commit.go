package solr

import (
	"context"
	"fmt"
	"net/url"
)

// Commit asks the collection for a hard commit and waits until a searcher on it is
// open (update?commit=true&waitSearcher=true), so that what a query reads next is
// the commit point a BACKUP started afterwards copies at the least. A collection's
// BACKUP copies its latest hard commit: documents made visible only by soft commits
// (Atlas's JanusGraph writes with commitWithin) are not in it until the next
// autoCommit.
func (c *Client) Commit(ctx context.Context, collection string) error {
	if err := ValidateCollection(collection); err != nil {
		return err
	}
	params := url.Values{"commit": {"true"}, "waitSearcher": {"true"}}
	if _, err := c.do(ctx, call{action: "commit", path: "/" + url.PathEscape(collection) + "/update", params: params, strictBody: true}); err != nil {
		return fmt.Errorf("solr commit %s: %w", collection, err)
	}
	return nil
}

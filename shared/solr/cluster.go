package solr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Cluster is the CLUSTERSTATUS answer: collections and live nodes.
type Cluster struct {
	Collections map[string]Collection `json:"collections"`
	LiveNodes   []string              `json:"live_nodes"`
}

// Collection is one collection of a Cluster.
type Collection struct {
	ConfigName string           `json:"configName"`
	Health     string           `json:"health"` // GREEN/YELLOW/ORANGE/RED (Solr >= 8.x)
	Shards     map[string]Shard `json:"shards"`
}

// Shard is one shard (slice) of a Collection.
type Shard struct {
	State    string             `json:"state"` // active, inactive (after a split), construction, recovery
	Range    string             `json:"range"`
	Health   string             `json:"health"`
	Replicas map[string]Replica `json:"replicas"`
}

// Replica is one replica of a Shard.
type Replica struct {
	Core     string   `json:"core"`
	NodeName string   `json:"node_name"` // e.g. "10.0.0.1:8983_solr"
	BaseURL  string   `json:"base_url"`  // the node's internal URL, not reachable through a front
	Type     string   `json:"type"`      // NRT, TLOG, PULL
	State    string   `json:"state"`     // active, down, recovering, recovery_failed
	Leader   flexBool `json:"leader"`    // Solr writes "true" as a string
}

// flexBool reads true, "true" and absent.
type flexBool bool

func (b *flexBool) UnmarshalJSON(p []byte) error {
	s := strings.Trim(string(p), `"`)
	*b = flexBool(strings.EqualFold(s, "true"))
	return nil
}

// Leader returns the shard's leader replica and its name.
func (s Shard) Leader() (name string, r Replica, ok bool) {
	names := make([]string, 0, len(s.Replicas))
	for n := range s.Replicas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if s.Replicas[n].Leader {
			return n, s.Replicas[n], true
		}
	}
	return "", Replica{}, false
}

// ShardNames returns the collection's shard names, sorted.
func (c Collection) ShardNames() []string {
	names := make([]string, 0, len(c.Shards))
	for n := range c.Shards {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// IsLive reports whether node is in LiveNodes.
func (c *Cluster) IsLive(node string) bool {
	for _, n := range c.LiveNodes {
		if n == node {
			return true
		}
	}
	return false
}

// ClusterStatus returns the state of every collection and the live nodes.
func (c *Client) ClusterStatus(ctx context.Context) (*Cluster, error) {
	params, _ := ClusterStatusParams("")
	a, err := c.do(ctx, collections(params, true))
	if err != nil {
		return nil, fmt.Errorf("solr clusterstatus: %w", err)
	}
	var out struct {
		Cluster Cluster `json:"cluster"`
	}
	if err := a.decode(&out); err != nil {
		return nil, fmt.Errorf("solr clusterstatus: %w", err)
	}
	if out.Cluster.Collections == nil {
		out.Cluster.Collections = map[string]Collection{}
	}
	return &out.Cluster, nil
}

// ListCollections returns the names of all collections.
func (c *Client) ListCollections(ctx context.Context) ([]string, error) {
	a, err := c.do(ctx, collections(ListCollectionsParams(), true))
	if err != nil {
		return nil, fmt.Errorf("solr list collections: %w", err)
	}
	var out struct {
		Collections []string `json:"collections"`
	}
	if err := a.decode(&out); err != nil {
		return nil, fmt.Errorf("solr list collections: %w", err)
	}
	return out.Collections, nil
}

// CollectionExists reports whether a collection exists.
func (c *Client) CollectionExists(ctx context.Context, name string) (bool, error) {
	if err := ValidateCollection(name); err != nil {
		return false, err
	}
	names, err := c.ListCollections(ctx)
	if err != nil {
		return false, err
	}
	for _, n := range names {
		if n == name {
			return true, nil
		}
	}
	return false, nil
}

// DeleteCollection deletes a collection (synchronously). A missing collection is an
// error that matches ErrCollectionNotFound.
func (c *Client) DeleteCollection(ctx context.Context, name string) error {
	params, err := DeleteCollectionParams(name)
	if err != nil {
		return err
	}
	if _, err := c.do(ctx, collections(params, true)); err != nil {
		return fmt.Errorf("solr delete collection %s: %w", name, err)
	}
	return nil
}

// DocCount counts a collection's documents: in total (a distributed q=*:*&rows=0) and per
// active shard (the same query with shards=<shard>). Both go through any node, so they
// work behind a front that only exposes /solr/*. The total and the sum of the shards can
// differ while documents are being indexed.
func (c *Client) DocCount(ctx context.Context, collection string) (total int64, perShard map[string]int64, err error) {
	if err := ValidateCollection(collection); err != nil {
		return 0, nil, err
	}
	cluster, err := c.ClusterStatus(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("solr count %s: %w", collection, err)
	}
	coll, ok := cluster.Collections[collection]
	if !ok {
		return 0, nil, fmt.Errorf("solr count %s: %w", collection, ErrCollectionNotFound)
	}
	total, err = c.count(ctx, collection, "")
	if err != nil {
		return 0, nil, err
	}
	perShard = map[string]int64{}
	for _, shard := range coll.ShardNames() {
		if coll.Shards[shard].State != "active" {
			continue
		}
		n, err := c.count(ctx, collection, shard)
		if err != nil {
			return 0, nil, err
		}
		perShard[shard] = n
	}
	return total, perShard, nil
}

func (c *Client) count(ctx context.Context, collection, shard string) (int64, error) {
	params, err := CountParams(shard)
	if err != nil {
		return 0, err
	}
	what := collection
	if shard != "" {
		what += " shard " + shard
	}
	a, err := c.do(ctx, call{action: "select", path: "/" + url.PathEscape(collection) + "/select", params: params, strictBody: true})
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.HTTPStatus == http.StatusNotFound && apiErr.Kind == nil {
			apiErr.Kind = ErrCollectionNotFound
		}
		return 0, fmt.Errorf("solr count %s: %w", what, err)
	}
	var out struct {
		Header struct {
			PartialResults bool `json:"partialResults"`
		} `json:"responseHeader"`
		Response *struct {
			NumFound json.Number `json:"numFound"`
		} `json:"response"`
	}
	if err := a.decode(&out); err != nil {
		return 0, fmt.Errorf("solr count %s: %w", what, err)
	}
	if out.Header.PartialResults {
		return 0, fmt.Errorf("solr count %s at %s: partial results (a shard did not answer)", what, a.node)
	}
	if out.Response == nil {
		return 0, fmt.Errorf("solr count %s at %s: no response.numFound in answer", what, a.node)
	}
	n, err := out.Response.NumFound.Int64()
	if err != nil {
		return 0, fmt.Errorf("solr count %s at %s: numFound %q: %w", what, a.node, out.Response.NumFound, err)
	}
	return n, nil
}

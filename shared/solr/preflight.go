package solr

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
)

// preflightProbeName is the backup name LISTBACKUP is asked about to make a node check
// that the location exists. It is never created.
const preflightProbeName = "atlas-backup-preflight-probe"

// NodeInfo is what a node says about itself and its file-system limits.
type NodeInfo struct {
	Node        string // base URL
	SolrVersion string // lucene.solr-spec-version, e.g. "9.10.1"
	SolrHome    string
	CoreRoot    string
	DataHome    string // solr.data.home system property, if set
	AllowPaths  string // solr.allowPaths system property, as written ("" if unset)
}

// AllowedPaths is the list Solr checks a local path against (CoreContainer, 8.6+):
// SOLR_HOME, the core root, SOLR_DATA_HOME and the entries of solr.allowPaths ("*" or
// "_ALL_" allows all).
func (n NodeInfo) AllowedPaths() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range append([]string{n.SolrHome, n.CoreRoot, n.DataHome}, strings.Split(n.AllowPaths, ",")...) {
		if p = strings.TrimSpace(p); p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// checksAllowPaths reports whether this Solr release enforces solr.allowPaths (8.6+).
// An unknown version is assumed to enforce it.
func (n NodeInfo) checksAllowPaths() bool {
	major, minor, ok := parseVersion(n.SolrVersion)
	if !ok {
		return true
	}
	return major > 8 || major == 8 && minor >= 6
}

func parseVersion(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	var err1, err2 error
	major, err1 = strconv.Atoi(parts[0])
	minor, err2 = strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	return major, minor, err1 == nil && err2 == nil
}

// LocationAllowed mirrors SolrPaths.assertPathAllowed for a backup location: a
// repository URI other than file:// is not a local path (allowed here; its repository
// decides); a relative path is allowed; an absolute path must be one of allowed or below
// it, compared path element by element after cleaning; "*" or "_ALL_" allows all.
func LocationAllowed(location string, allowed []string) bool {
	p := location
	if u, err := url.Parse(location); err == nil && u.Scheme != "" && !strings.HasPrefix(location, "/") {
		if u.Scheme != "file" {
			return true
		}
		p = u.Path
	}
	if strings.Contains(p, "..") {
		return false
	}
	if !strings.HasPrefix(p, "/") {
		return true
	}
	p = path.Clean(p)
	for _, a := range allowed {
		a = strings.TrimSpace(a)
		if a == "*" || a == "_ALL_" {
			return true
		}
		if a == "" {
			continue
		}
		a = path.Clean(a)
		if p == a || a == "/" || strings.HasPrefix(p, a+"/") {
			return true
		}
	}
	return false
}

// NodeInfo asks one node (by index in Nodes) for its version, home folders and
// solr.allowPaths (/admin/info/system and /admin/info/properties).
func (c *Client) NodeInfo(ctx context.Context, idx int) (NodeInfo, error) {
	if idx < 0 || idx >= len(c.nodes) {
		return NodeInfo{}, fmt.Errorf("solr node info: no node %d", idx)
	}
	info := NodeInfo{Node: c.nodes[idx]}
	a, err := c.doNode(ctx, idx, call{action: "info/system", path: "/admin/info/system", params: url.Values{}})
	if err != nil {
		return info, fmt.Errorf("solr node info: %w", err)
	}
	info.SolrVersion = a.tree.get("lucene").get("solr-spec-version").text()
	info.SolrHome = a.tree.get("solr_home").text()
	info.CoreRoot = a.tree.get("core_root").text()
	a, err = c.doNode(ctx, idx, call{action: "info/properties", path: "/admin/info/properties", params: url.Values{}})
	if err != nil {
		return info, fmt.Errorf("solr node info: %w", err)
	}
	props := a.tree.get("system.properties")
	info.AllowPaths = props.get("solr.allowPaths").text()
	info.DataHome = props.get("solr.data.home").text()
	return info, nil
}

// locationExistsOn asks one node whether the location exists, with LISTBACKUP of a name
// that is never created: the node checks the location first ("specified location ...
// does not exist."), then fails on the missing name. ok is false when the node cannot
// tell (LISTBACKUP unknown before Solr 8.9, or another error).
func (c *Client) locationExistsOn(ctx context.Context, idx int, location, repository string) (exists, ok bool, err error) {
	params, err := ListBackupParams(preflightProbeName, location, repository)
	if err != nil {
		return false, false, err
	}
	_, err = c.doNode(ctx, idx, collections(params, true))
	switch {
	case err == nil, errors.Is(err, ErrBackupNotFound):
		return true, true, nil
	case errors.Is(err, ErrLocationMissing):
		return false, true, nil
	case errors.Is(err, errUnsupportedAction):
		return false, false, nil
	}
	return false, false, err
}

// Preflight checks, before any backup is submitted, that:
//   - every collection exists, and every active shard has an active leader on a live node;
//   - the location is allowed by solr.allowPaths on every node (Solr >= 8.6 checks this
//     only inside the async task, after creating folders: see doc.go);
//   - the location exists on every node (a location missing on some nodes is reported
//     as ErrLocationNotShared, on all of them as ErrLocationMissing).
//
// It returns every problem found (errors.Join of *ProblemError, each naming its
// collection, shard or location and matching ErrCollectionNotFound, ErrNoActiveLeader,
// ErrLocationNotAllowed, ErrLocationMissing or ErrLocationNotShared), nil when all is
// well, or the error that kept it from checking (Solr unavailable, ...). A node that
// cannot be asked about the location is skipped; if none can, that is an error.
func (c *Client) Preflight(ctx context.Context, collectionNames []string, location string) error {
	var problems []error
	valid := make([]string, 0, len(collectionNames))
	for _, name := range collectionNames {
		if err := ValidateCollection(name); err != nil {
			problems = append(problems, err)
			continue
		}
		valid = append(valid, name)
	}
	locErr := ValidateLocation(location)
	if locErr != nil {
		problems = append(problems, locErr)
	}
	if len(collectionNames) == 0 {
		problems = append(problems, errors.New("preflight: no collections given"))
	}
	cluster, err := c.ClusterStatus(ctx)
	if err != nil {
		return fmt.Errorf("solr preflight: %w", err)
	}
	for _, name := range valid {
		problems = append(problems, checkCollection(cluster, name)...)
	}
	if locErr == nil {
		locProblems, err := c.checkLocation(ctx, location)
		if err != nil {
			return fmt.Errorf("solr preflight: %w", errors.Join(append(problems, err)...))
		}
		problems = append(problems, locProblems...)
	}
	return errors.Join(problems...)
}

// checkCollection finds the problems of one collection in a cluster state.
func checkCollection(cluster *Cluster, name string) []error {
	coll, ok := cluster.Collections[name]
	if !ok {
		return []error{&ProblemError{Collection: name, Kind: ErrCollectionNotFound}}
	}
	var problems []error
	active := 0
	for _, shard := range coll.ShardNames() {
		s := coll.Shards[shard]
		if s.State != "" && s.State != "active" {
			continue // inactive parents of a split are not backed up
		}
		active++
		_, leader, ok := s.Leader()
		switch {
		case !ok:
			problems = append(problems, &ProblemError{Collection: name, Shard: shard, Kind: ErrNoActiveLeader, Detail: "no leader"})
		case leader.State != "active":
			problems = append(problems, &ProblemError{Collection: name, Shard: shard, Kind: ErrNoActiveLeader,
				Detail: fmt.Sprintf("leader %s on %s is %s", leader.Core, leader.NodeName, leader.State)})
		case !cluster.IsLive(leader.NodeName):
			problems = append(problems, &ProblemError{Collection: name, Shard: shard, Kind: ErrNoActiveLeader,
				Detail: fmt.Sprintf("leader %s is on %s, which is not live", leader.Core, leader.NodeName)})
		}
	}
	if active == 0 {
		problems = append(problems, &ProblemError{Collection: name, Kind: ErrNoActiveLeader, Detail: "no active shard"})
	}
	return problems
}

// checkLocation asks every node about the location.
func (c *Client) checkLocation(ctx context.Context, location string) ([]error, error) {
	var problems, nodeErrs []error
	var notAllowed, missing, present []string
	var details []string
	asked := 0
	for i, node := range c.nodes {
		info, err := c.NodeInfo(ctx, i)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			c.log.Warn().Str("node", node).Err(err).Msg("preflight: cannot ask node about the backup location")
			nodeErrs = append(nodeErrs, err)
			continue
		}
		if info.checksAllowPaths() && !LocationAllowed(location, info.AllowedPaths()) {
			notAllowed = append(notAllowed, node)
			details = append(details, fmt.Sprintf("%s allows %s", node, strings.Join(info.AllowedPaths(), ", ")))
		}
		exists, ok, err := c.locationExistsOn(ctx, i, location, "")
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			c.log.Warn().Str("node", node).Err(err).Msg("preflight: cannot check that the backup location exists")
			nodeErrs = append(nodeErrs, err)
			continue
		}
		asked++
		if !ok {
			continue
		}
		if exists {
			present = append(present, node)
		} else {
			missing = append(missing, node)
		}
	}
	if asked == 0 {
		return nil, fmt.Errorf("no node could be asked about location %s: %w", location, errors.Join(nodeErrs...))
	}
	if len(notAllowed) > 0 {
		sort.Strings(details)
		problems = append(problems, &ProblemError{Location: location, Nodes: notAllowed, Kind: ErrLocationNotAllowed,
			Detail: strings.Join(details, "; ")})
	}
	switch {
	case len(missing) > 0 && len(present) == 0:
		problems = append(problems, &ProblemError{Location: location, Nodes: missing, Kind: ErrLocationMissing})
	case len(missing) > 0:
		problems = append(problems, &ProblemError{Location: location, Nodes: missing, Kind: ErrLocationNotShared,
			Detail: "create it on every node, on storage all nodes share"})
	}
	return problems, nil
}

// CheckLocation runs the location half of Preflight alone (allowed by solr.allowPaths and
// present on every node), for a RESTORE that reads a backup folder from it. It returns
// the problems found (errors.Join of *ProblemError), nil when all is well, or the error
// that kept it from checking.
func (c *Client) CheckLocation(ctx context.Context, location string) error {
	if err := ValidateLocation(location); err != nil {
		return err
	}
	problems, err := c.checkLocation(ctx, location)
	if err != nil {
		return fmt.Errorf("solr location check: %w", err)
	}
	return errors.Join(problems...)
}

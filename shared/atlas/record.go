package atlas

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Metrics are the counts of GET /api/atlas/admin/metrics a check compares: entities by
// type and state, classified entities by classification, and the totals. Atlas's server
// stats (uptime, memory, notification counters, collection time) are left out: they
// differ on every call.
type Metrics struct {
	EntityCount   int64            `json:"entityCount"`
	TypeCount     int64            `json:"typeCount"`
	TagCount      int64            `json:"tagCount"`
	EntityActive  map[string]int64 `json:"entityActive"`
	EntityDeleted map[string]int64 `json:"entityDeleted"`
	EntityShell   map[string]int64 `json:"entityShell"`
	TagEntities   map[string]int64 `json:"tagEntities"`
}

// parseMetrics reads AtlasMetrics as Atlas 2.x serializes it ({"data": {"general": ...,
// "entity": ..., "tag": ...}}) or without the "data" level.
func parseMetrics(raw map[string]json.RawMessage) (Metrics, error) {
	if d, ok := raw["data"]; ok {
		var inner map[string]json.RawMessage
		if err := json.Unmarshal(d, &inner); err != nil {
			return Metrics{}, fmt.Errorf("atlas metrics: data: %w", err)
		}
		raw = inner
	}
	var g struct {
		EntityCount int64 `json:"entityCount"`
		TypeCount   int64 `json:"typeCount"`
		TagCount    int64 `json:"tagCount"`
	}
	var e struct {
		Active  map[string]int64 `json:"entityActive"`
		Deleted map[string]int64 `json:"entityDeleted"`
		Shell   map[string]int64 `json:"entityShell"`
	}
	var t struct {
		Entities map[string]int64 `json:"tagEntities"`
	}
	for k, v := range map[string]any{"general": &g, "entity": &e, "tag": &t} {
		if b, ok := raw[k]; ok {
			if err := json.Unmarshal(b, v); err != nil {
				return Metrics{}, fmt.Errorf("atlas metrics: %s: %w", k, err)
			}
		}
	}
	if _, ok := raw["entity"]; !ok {
		return Metrics{}, errors.New("atlas metrics: no \"entity\" group in the answer")
	}
	m := Metrics{EntityCount: g.EntityCount, TypeCount: g.TypeCount, TagCount: g.TagCount,
		EntityActive: e.Active, EntityDeleted: e.Deleted, EntityShell: e.Shell, TagEntities: t.Entities}
	for _, p := range []*map[string]int64{&m.EntityActive, &m.EntityDeleted, &m.EntityShell, &m.TagEntities} {
		if *p == nil {
			*p = map[string]int64{}
		}
	}
	return m, nil
}

// Record is what Atlas itself answered when a backup was taken: the facts a restored
// Atlas must answer again (Check compares them).
type Record struct {
	URL     string    `json:"url"`
	TakenAt time.Time `json:"takenAt"`
	// Answered: Atlas gave an HTTP answer. Error says why not, or why the record is
	// short (an answer other than 2xx, e.g. 401 with wrong credentials).
	Answered bool   `json:"answered"`
	Error    string `json:"error,omitempty"`
	Version  string `json:"version,omitempty"`
	Status   string `json:"status,omitempty"`
	// Metrics: entity counts by type and state (from Solr's vertex index).
	Metrics *Metrics `json:"metrics,omitempty"`
	// Entities is a small deterministic sample (Sample): each entity by guid, with its
	// classifications (propagated ones included), labels, glossary terms and a digest
	// of Atlas's whole answer.
	Entities []EntityRecord `json:"entities,omitempty"`
	// Searches are the basic searches the sample came from (answered from Solr), with
	// the guids they found.
	Searches []SearchRecord `json:"searches,omitempty"`
	// Lineage of a sampled process; Audit of a sampled entity.
	Lineage *DigestRecord `json:"lineage,omitempty"`
	Audit   *DigestRecord `json:"audit,omitempty"`
	// Problems: parts of the record Atlas could not give (e.g. a type the sample searches
	// for does not exist); the rest of the record stands.
	Problems []string `json:"problems,omitempty"`
}

// EntityRecord is one sampled entity.
type EntityRecord struct {
	GUID            string   `json:"guid"`
	TypeName        string   `json:"typeName"`
	Status          string   `json:"status"`
	QualifiedName   string   `json:"qualifiedName,omitempty"`
	Classifications []string `json:"classifications"`
	Labels          []string `json:"labels"`
	Terms           []string `json:"terms"`
	// Digest is "sha256:" over Atlas's answer in canonical form (Canonical).
	Digest string `json:"digest"`
	// Missing: Atlas answered 404 for the guid (only in a Check's view).
	Missing bool `json:"missing,omitempty"`
}

// SearchRecord is one basic search and what it found.
type SearchRecord struct {
	Name   string       `json:"name"`
	Search Search       `json:"search"`
	Result SearchResult `json:"result"`
}

// DigestRecord is an answer about one entity recorded by its size and digest.
type DigestRecord struct {
	GUID string `json:"guid"`
	// Count: relations of a lineage, events of an audit.
	Count  int    `json:"count"`
	Digest string `json:"digest"`
}

// sampleSearches are the searches a record's sample comes from: deterministic (sorted
// by qualifiedName, deleted entities left out), small, and answered by Solr. Types that
// do not exist on this Atlas are skipped (a Problem notes it).
var sampleSearches = []struct {
	name string
	s    Search
}{
	{"datasets", Search{TypeName: "DataSet", SortBy: "qualifiedName", Limit: 3}},
	{"processes", Search{TypeName: "Process", SortBy: "qualifiedName", Limit: 2}},
	{"classified", Search{TypeName: "Referenceable", Classification: "_CLASSIFIED", SortBy: "qualifiedName", Limit: 2}},
}

// LineageDepth and AuditCount bound the lineage and audit a record reads.
const (
	LineageDepth = 3
	AuditCount   = 100
)

// Take asks Atlas for its record. Atlas down is not an error: the record says it did
// not answer. Every request is bounded by perRequest.
func Take(ctx context.Context, c *Client, now time.Time, perRequest time.Duration) Record {
	r := takeServer(ctx, c, now, perRequest)
	if r.Version != "" {
		takeSample(ctx, c, &r, perRequest)
	}
	return r
}

func bounded(ctx context.Context, perRequest time.Duration) func(func(ctx context.Context) error) error {
	return func(fn func(ctx context.Context) error) error {
		rctx, cancel := context.WithTimeout(ctx, perRequest)
		defer cancel()
		return fn(rctx)
	}
}

// takeServer records the version, status and metrics.
func takeServer(ctx context.Context, c *Client, now time.Time, perRequest time.Duration) Record {
	r := Record{URL: c.BaseURL, TakenAt: now.UTC()}
	call := bounded(ctx, perRequest)
	var vi VersionInfo
	err := call(func(ctx context.Context) (err error) { vi, err = c.Version(ctx); return })
	if err != nil {
		var un *Unreachable
		r.Answered = !errors.As(err, &un)
		r.Error = err.Error()
		return r
	}
	r.Answered, r.Version = true, vi.Version
	problem := func(what string, err error) { r.Problems = append(r.Problems, what+": "+err.Error()) }
	if err := call(func(ctx context.Context) (err error) { r.Status, err = c.Status(ctx); return }); err != nil {
		problem("status", err)
	}
	var m Metrics
	if err := call(func(ctx context.Context) (err error) { m, err = c.Metrics(ctx); return }); err != nil {
		problem("metrics", err)
	} else {
		r.Metrics = &m
	}
	return r
}

// takeSample records the sample: the searches, their entities, a lineage, an audit.
func takeSample(ctx context.Context, c *Client, r *Record, perRequest time.Duration) {
	call := bounded(ctx, perRequest)
	problem := func(what string, err error) { r.Problems = append(r.Problems, what+": "+err.Error()) }
	var guids []string
	seen := map[string]bool{}
	byName := map[string][]string{}
	for _, ss := range sampleSearches {
		var res SearchResult
		if err := call(func(ctx context.Context) (err error) { res, err = c.BasicSearch(ctx, ss.s); return }); err != nil {
			problem("search "+ss.name, err)
			continue
		}
		r.Searches = append(r.Searches, SearchRecord{Name: ss.name, Search: ss.s, Result: res})
		byName[ss.name] = res.GUIDs
		for _, g := range res.GUIDs {
			if !seen[g] {
				seen[g] = true
				guids = append(guids, g)
			}
		}
	}
	for _, g := range guids {
		var e EntityRecord
		if err := call(func(ctx context.Context) (err error) { e, err = entityRecord(ctx, c, g); return }); err != nil {
			problem("entity "+g, err)
			continue
		}
		r.Entities = append(r.Entities, e)
	}
	if p := byName["processes"]; len(p) > 0 {
		if err := call(func(ctx context.Context) (err error) { r.Lineage, err = lineageRecord(ctx, c, p[0]); return }); err != nil {
			problem("lineage "+p[0], err)
		}
	}
	if len(guids) > 0 {
		if err := call(func(ctx context.Context) (err error) { r.Audit, err = auditRecord(ctx, c, guids[0]); return }); err != nil {
			problem("audit "+guids[0], err)
		}
	}
}

func entityRecord(ctx context.Context, c *Client, guid string) (EntityRecord, error) {
	ans, err := c.Entity(ctx, guid)
	if err != nil {
		return EntityRecord{GUID: guid}, err
	}
	e := EntityRecord{GUID: guid, Classifications: []string{}, Labels: []string{}, Terms: []string{}, Digest: Digest(ans)}
	ent, _ := ans["entity"].(map[string]any)
	e.TypeName, _ = ent["typeName"].(string)
	e.Status, _ = ent["status"].(string)
	if attrs, ok := ent["attributes"].(map[string]any); ok {
		e.QualifiedName, _ = attrs["qualifiedName"].(string)
	}
	cls, _ := ent["classifications"].([]any)
	for _, x := range cls {
		cm, _ := x.(map[string]any)
		name, _ := cm["typeName"].(string)
		if from, _ := cm["entityGuid"].(string); from != "" && from != guid {
			name += " (propagated from " + from + ")"
		}
		e.Classifications = append(e.Classifications, name)
	}
	labels, _ := ent["labels"].([]any)
	for _, x := range labels {
		if s, ok := x.(string); ok {
			e.Labels = append(e.Labels, s)
		}
	}
	meanings, _ := ent["meanings"].([]any)
	for _, x := range meanings {
		mm, _ := x.(map[string]any)
		if s, _ := mm["displayText"].(string); s != "" {
			e.Terms = append(e.Terms, s)
		} else if s, _ := mm["termGuid"].(string); s != "" {
			e.Terms = append(e.Terms, s)
		}
	}
	sort.Strings(e.Classifications)
	sort.Strings(e.Labels)
	sort.Strings(e.Terms)
	return e, nil
}

func lineageRecord(ctx context.Context, c *Client, guid string) (*DigestRecord, error) {
	ans, err := c.Lineage(ctx, guid, LineageDepth)
	if err != nil {
		return nil, err
	}
	rel, _ := ans["relations"].([]any)
	return &DigestRecord{GUID: guid, Count: len(rel), Digest: Digest(ans)}, nil
}

func auditRecord(ctx context.Context, c *Client, guid string) (*DigestRecord, error) {
	ans, err := c.Audit(ctx, guid, AuditCount)
	if err != nil {
		return nil, err
	}
	return &DigestRecord{GUID: guid, Count: len(ans), Digest: Digest(ans)}, nil
}

// Canonical renders a decoded JSON value in one canonical form: object keys in order
// (encoding/json sorts map keys) and every array's elements sorted by their own
// canonical form, so two answers with the same content in another order are equal.
func Canonical(v any) []byte {
	b, _ := json.Marshal(canonical(v))
	return b
}

func canonical(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonical(e)
		}
		return out
	case []any:
		enc := make([]string, len(x))
		for i, e := range x {
			b, _ := json.Marshal(canonical(e))
			enc[i] = string(b)
		}
		sort.Strings(enc)
		out := make([]any, len(enc))
		for i, s := range enc {
			out[i] = json.RawMessage(s)
		}
		return out
	}
	return v
}

// Digest is "sha256:" and the hex SHA-256 of Canonical(v).
func Digest(v any) string {
	sum := sha256.Sum256(Canonical(v))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Section states of a Check.
const (
	Same        = "same"
	Different   = "different"
	NotRecorded = "not recorded"
)

// Section is one part of a Check: same or different, and what differs.
type Section struct {
	Name    string   `json:"name"`
	State   string   `json:"state"`
	Details []string `json:"details,omitempty"`
}

// CheckResult is what Check found.
type CheckResult struct {
	URL      string    `json:"url"`
	Answered bool      `json:"answered"`
	Error    string    `json:"error,omitempty"`
	Version  string    `json:"version,omitempty"`
	Status   string    `json:"status,omitempty"`
	Sections []Section `json:"sections"`
	// Same: every recorded section is the same.
	Same bool `json:"same"`
}

// Check asks the (restored) Atlas the record's questions again and compares, section by
// section: version and status, metrics, each sampled entity, the searches, the lineage,
// the audit. A section the record lacks is "not recorded".
func Check(ctx context.Context, c *Client, rec Record, perRequest time.Duration) CheckResult {
	now := takeServer(ctx, c, time.Now(), perRequest)
	res := CheckResult{URL: c.BaseURL, Answered: now.Answered, Error: now.Error, Version: now.Version, Status: now.Status}
	if !now.Answered || now.Version == "" {
		return res
	}
	call := bounded(ctx, perRequest)
	add := func(s Section) { res.Sections = append(res.Sections, s) }

	// server
	srv := Section{Name: "server", State: Same}
	if now.Version != rec.Version {
		srv.State = Different
		srv.Details = append(srv.Details, fmt.Sprintf("version %s, recorded %s", now.Version, rec.Version))
	}
	if now.Status != "ACTIVE" {
		srv.State = Different
		srv.Details = append(srv.Details, fmt.Sprintf("status %q, want ACTIVE", now.Status))
	}
	add(srv)

	// metrics
	switch {
	case rec.Metrics == nil:
		add(Section{Name: "metrics", State: NotRecorded})
	case now.Metrics == nil:
		add(Section{Name: "metrics", State: Different, Details: problemsAbout(now, "metrics")})
	default:
		add(compareMetrics(*rec.Metrics, *now.Metrics))
	}

	// entities: each recorded guid asked again (not the new sample, which would hide a
	// missing entity)
	if len(rec.Entities) == 0 {
		add(Section{Name: "entities", State: NotRecorded})
	} else {
		s := Section{Name: "entities", State: Same}
		for _, want := range rec.Entities {
			var got EntityRecord
			err := call(func(ctx context.Context) (err error) { got, err = entityRecord(ctx, c, want.GUID); return })
			switch {
			case err != nil:
				s.State = Different
				if st, ok := IsHTTPError(err); ok && st == 404 {
					s.Details = append(s.Details, fmt.Sprintf("%s %s %s: not found", want.GUID, want.TypeName, want.QualifiedName))
				} else {
					s.Details = append(s.Details, fmt.Sprintf("%s: %v", want.GUID, err))
				}
			case got.Digest != want.Digest:
				s.State = Different
				s.Details = append(s.Details, fmt.Sprintf("%s %s %s: %s", want.GUID, want.TypeName, want.QualifiedName, entityDiff(want, got)))
			}
		}
		add(s)
	}

	// searches
	if len(rec.Searches) == 0 {
		add(Section{Name: "search", State: NotRecorded})
	} else {
		s := Section{Name: "search", State: Same}
		qualifiedNames := map[string]string{}
		for _, e := range rec.Entities {
			qualifiedNames[e.GUID] = e.QualifiedName
		}
		for _, want := range rec.Searches {
			got, err := func() (SearchResult, error) {
				var r SearchResult
				err := call(func(ctx context.Context) (err error) { r, err = c.BasicSearch(ctx, want.Search); return })
				return r, err
			}()
			if err != nil {
				s.State = Different
				s.Details = append(s.Details, fmt.Sprintf("%s: %v", want.Name, err))
				continue
			}
			if got.Approximate != want.Result.Approximate {
				s.State = Different
				s.Details = append(s.Details, fmt.Sprintf("%s: about %d found, %d recorded", want.Name, got.Approximate, want.Result.Approximate))
			}
			// The first page's order is Solr's document order, which segment merges
			// change (a restore brings back the merged index): each recorded guid must
			// be found again by the same search narrowed to its qualifiedName instead.
			for _, g := range want.Result.GUIDs {
				qn := qualifiedNames[g]
				if qn == "" {
					s.State = Different
					s.Details = append(s.Details, fmt.Sprintf("%s: %s has no recorded qualifiedName to search it by", want.Name, g))
					continue
				}
				var byName SearchResult
				err := call(func(ctx context.Context) (err error) {
					byName, err = c.FindByQualifiedName(ctx, want.Search, qn)
					return
				})
				switch {
				case err != nil:
					s.State = Different
					s.Details = append(s.Details, fmt.Sprintf("%s: search for %s: %v", want.Name, qn, err))
				case !slices.Contains(byName.GUIDs, g):
					s.State = Different
					s.Details = append(s.Details, fmt.Sprintf("%s: %s %s not found by its qualifiedName (found %v)", want.Name, g, qn, byName.GUIDs))
				}
			}
		}
		add(s)
	}

	// lineage and audit of the recorded guids
	add(compareDigest("lineage", rec.Lineage, func(ctx context.Context, g string) (*DigestRecord, error) { return lineageRecord(ctx, c, g) }, call))
	add(compareDigest("audit", rec.Audit, func(ctx context.Context, g string) (*DigestRecord, error) { return auditRecord(ctx, c, g) }, call))

	res.Same = true
	for _, s := range res.Sections {
		if s.State == Different {
			res.Same = false
		}
	}
	return res
}

func problemsAbout(r Record, what string) []string {
	var out []string
	for _, p := range r.Problems {
		if strings.HasPrefix(p, what) {
			out = append(out, p)
		}
	}
	return out
}

func compareDigest(name string, want *DigestRecord, get func(context.Context, string) (*DigestRecord, error), call func(func(context.Context) error) error) Section {
	if want == nil {
		return Section{Name: name, State: NotRecorded}
	}
	var got *DigestRecord
	if err := call(func(ctx context.Context) (err error) { got, err = get(ctx, want.GUID); return }); err != nil {
		return Section{Name: name, State: Different, Details: []string{fmt.Sprintf("%s: %v", want.GUID, err)}}
	}
	if got.Digest != want.Digest {
		return Section{Name: name, State: Different, Details: []string{fmt.Sprintf("%s: %d entries, digest %s; recorded %d entries, digest %s", want.GUID, got.Count, got.Digest, want.Count, want.Digest)}}
	}
	return Section{Name: name, State: Same}
}

func entityDiff(want, got EntityRecord) string {
	var d []string
	cmp := func(what string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			d = append(d, fmt.Sprintf("%s %v, recorded %v", what, b, a))
		}
	}
	cmp("type", want.TypeName, got.TypeName)
	cmp("status", want.Status, got.Status)
	cmp("classifications", want.Classifications, got.Classifications)
	cmp("labels", want.Labels, got.Labels)
	cmp("terms", want.Terms, got.Terms)
	if len(d) == 0 {
		d = append(d, "other attributes or relationships differ (digest "+got.Digest+", recorded "+want.Digest+")")
	}
	return strings.Join(d, "; ")
}

func compareMetrics(want, got Metrics) Section {
	s := Section{Name: "metrics", State: Same}
	num := func(what string, a, b int64) {
		if a != b {
			s.State = Different
			s.Details = append(s.Details, fmt.Sprintf("%s %d, recorded %d", what, b, a))
		}
	}
	num("entityCount", want.EntityCount, got.EntityCount)
	num("typeCount", want.TypeCount, got.TypeCount)
	num("tagCount", want.TagCount, got.TagCount)
	maps := []struct {
		what string
		a, b map[string]int64
	}{{"entityActive", want.EntityActive, got.EntityActive}, {"entityDeleted", want.EntityDeleted, got.EntityDeleted},
		{"entityShell", want.EntityShell, got.EntityShell}, {"tagEntities", want.TagEntities, got.TagEntities}}
	for _, m := range maps {
		keys := map[string]bool{}
		for k := range m.a {
			keys[k] = true
		}
		for k := range m.b {
			keys[k] = true
		}
		var names []string
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			num(m.what+"."+k, m.a[k], m.b[k])
		}
	}
	return s
}

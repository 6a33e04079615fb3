// Package atlastest is a fake Apache Atlas REST API for unit tests (httptest): a few
// entities with classifications, a lineage, audits, the admin endpoints, basic search,
// and file-login behaviour (401 without the right basic credentials). Acceptance tests
// run against the stack's real Atlas 2.1.0; this lets unit tests drive the client, the
// backup's record and check-atlas in-process.
package atlastest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Entity is one fake entity.
type Entity struct {
	GUID            string
	TypeName        string
	SuperTypes      []string // e.g. DataSet, Process, Referenceable
	QualifiedName   string
	Status          string // ACTIVE (default) or DELETED
	Classifications []string
	Labels          []string
	Audit           []map[string]any
}

// Server is the fake; change its fields under Mu between requests.
type Server struct {
	Mu       sync.Mutex
	Version  string
	State    string // ACTIVE, PASSIVE, ...
	User     string
	Password string
	Entities map[string]*Entity
	// Lineage by process guid.
	Lineage map[string]map[string]any
	// Requests counts requests by path.
	Requests map[string]int
	// ReverseSearch returns a basic search's entities in reverse qualifiedName order
	// before the limit applies, as a Solr whose segments were merged may order them.
	ReverseSearch bool

	*httptest.Server
}

// New starts a fake Atlas 2.1.0 with user admin/admin-secret and no entities.
func New() *Server {
	s := &Server{Version: "2.1.0", State: "ACTIVE", User: "admin", Password: "admin-secret",
		Entities: map[string]*Entity{}, Lineage: map[string]map[string]any{}, Requests: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Seed adds a small deterministic catalog: two tables, a process between them with
// lineage, a classification propagated along it, labels and audit events.
func (s *Server) Seed() {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	add := func(e *Entity) { s.Entities[e.GUID] = e }
	add(&Entity{GUID: "00000000-0000-0000-0000-00000000000a", TypeName: "hive_table", SuperTypes: []string{"DataSet", "Referenceable"},
		QualifiedName: "db1.a@cl1", Classifications: []string{"PII"}, Labels: []string{"gold"},
		Audit: []map[string]any{{"entityId": "00000000-0000-0000-0000-00000000000a", "action": "ENTITY_CREATE", "timestamp": 1764650000000, "user": "admin"}}})
	add(&Entity{GUID: "00000000-0000-0000-0000-00000000000b", TypeName: "hive_table", SuperTypes: []string{"DataSet", "Referenceable"},
		QualifiedName: "db1.b@cl1", Classifications: []string{"PII@00000000-0000-0000-0000-00000000000a"}})
	add(&Entity{GUID: "00000000-0000-0000-0000-00000000000c", TypeName: "hive_process", SuperTypes: []string{"Process", "Referenceable"},
		QualifiedName: "db1.a_to_b@cl1"})
	s.Lineage["00000000-0000-0000-0000-00000000000c"] = map[string]any{
		"baseEntityGuid": "00000000-0000-0000-0000-00000000000c",
		"relations": []any{
			map[string]any{"fromEntityId": "00000000-0000-0000-0000-00000000000a", "toEntityId": "00000000-0000-0000-0000-00000000000c"},
			map[string]any{"fromEntityId": "00000000-0000-0000-0000-00000000000c", "toEntityId": "00000000-0000-0000-0000-00000000000b"},
		}}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Requests[r.URL.Path]++
	if u, p, ok := r.BasicAuth(); !ok || u != s.User || p != s.Password {
		w.Header().Set("WWW-Authenticate", `Basic realm="atlas"`)
		http.Error(w, "<html><body>Error 401 Unauthorized</body></html>", http.StatusUnauthorized)
		return
	}
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	notFound := func(msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"errorCode": "ATLAS-404-00-005", "errorMessage": msg})
	}
	p := r.URL.Path
	switch {
	case p == "/api/atlas/admin/version":
		reply(map[string]string{"Version": s.Version, "Name": "apache-atlas", "Description": "Metadata Management and Data Governance Platform over Hadoop"})
	case p == "/api/atlas/admin/status":
		reply(map[string]string{"Status": s.State})
	case p == "/api/atlas/admin/metrics":
		active, deleted, tags := map[string]int64{}, map[string]int64{}, map[string]int64{}
		for _, e := range s.Entities {
			if e.Status == "DELETED" {
				deleted[e.TypeName]++
			} else {
				active[e.TypeName]++
			}
			for _, c := range e.Classifications {
				if !strings.Contains(c, "@") {
					tags[c]++
				}
			}
		}
		reply(map[string]any{"data": map[string]any{
			"general": map[string]any{"entityCount": len(s.Entities), "typeCount": 42, "tagCount": 1, "collectionTime": 1764650000000,
				"stats": map[string]any{"Server:upTime": "1 min"}},
			"entity": map[string]any{"entityActive": active, "entityDeleted": deleted, "entityShell": map[string]int64{}},
			"tag":    map[string]any{"tagEntities": tags},
			"system": map[string]any{"memory": map[string]any{"heapUsed": 12345}},
		}})
	case p == "/api/atlas/v2/search/basic":
		q := r.URL.Query()
		typ, cls := q.Get("typeName"), q.Get("classification")
		limit, _ := strconv.Atoi(q.Get("limit"))
		qn := ""
		if r.Method == http.MethodPost {
			var body struct {
				TypeName               string `json:"typeName"`
				Classification         string `json:"classification"`
				ExcludeDeletedEntities bool   `json:"excludeDeletedEntities"`
				Limit                  int    `json:"limit"`
				EntityFilters          *struct {
					AttributeName  string `json:"attributeName"`
					Operator       string `json:"operator"`
					AttributeValue string `json:"attributeValue"`
				} `json:"entityFilters"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				reply(map[string]string{"errorCode": "ATLAS-400-00-001", "errorMessage": err.Error()})
				return
			}
			typ, cls, limit = body.TypeName, body.Classification, body.Limit
			q = url.Values{}
			if body.ExcludeDeletedEntities {
				q.Set("excludeDeletedEntities", "true")
			}
			if f := body.EntityFilters; f != nil {
				if f.AttributeName != "qualifiedName" || f.Operator != "=" {
					w.WriteHeader(http.StatusBadRequest)
					reply(map[string]string{"errorCode": "ATLAS-400-00-001", "errorMessage": "filter not faked"})
					return
				}
				qn = f.AttributeValue
			}
		}
		if typ != "" && typ != "Referenceable" && typ != "DataSet" && typ != "Process" && typ != "hive_table" && typ != "hive_process" {
			w.WriteHeader(http.StatusBadRequest)
			reply(map[string]string{"errorCode": "ATLAS-400-00-005", "errorMessage": "Unknown type: " + typ})
			return
		}
		var found []*Entity
		for _, e := range s.Entities {
			if e.Status == "DELETED" && q.Get("excludeDeletedEntities") == "true" {
				continue
			}
			if typ != "" && e.TypeName != typ && !contains(e.SuperTypes, typ) {
				continue
			}
			if cls == "_CLASSIFIED" && len(e.Classifications) == 0 {
				continue
			}
			if qn != "" && e.QualifiedName != qn {
				continue
			}
			found = append(found, e)
		}
		sort.Slice(found, func(i, j int) bool { return (found[i].QualifiedName < found[j].QualifiedName) != s.ReverseSearch })
		total := len(found)
		if limit > 0 && len(found) > limit {
			found = found[:limit]
		}
		var ents []any
		for _, e := range found {
			ents = append(ents, map[string]any{"guid": e.GUID, "typeName": e.TypeName, "attributes": map[string]any{"qualifiedName": e.QualifiedName}})
		}
		reply(map[string]any{"queryType": "BASIC", "entities": ents, "approximateCount": total})
	case strings.HasPrefix(p, "/api/atlas/v2/entity/guid/"):
		e, ok := s.Entities[strings.TrimPrefix(p, "/api/atlas/v2/entity/guid/")]
		if !ok {
			notFound("Given instance guid is invalid/not found")
			return
		}
		reply(map[string]any{"entity": s.entityJSON(e), "referredEntities": map[string]any{}})
	case strings.HasPrefix(p, "/api/atlas/v2/entity/") && strings.HasSuffix(p, "/audit"):
		e, ok := s.Entities[strings.TrimSuffix(strings.TrimPrefix(p, "/api/atlas/v2/entity/"), "/audit")]
		if !ok {
			reply([]any{})
			return
		}
		out := []any{}
		for _, a := range e.Audit {
			out = append(out, a)
		}
		reply(out)
	case strings.HasPrefix(p, "/api/atlas/v2/lineage/"):
		l, ok := s.Lineage[strings.TrimPrefix(p, "/api/atlas/v2/lineage/")]
		if !ok {
			notFound("lineage not found")
			return
		}
		reply(l)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) entityJSON(e *Entity) map[string]any {
	status := e.Status
	if status == "" {
		status = "ACTIVE"
	}
	cls := []any{}
	for _, c := range e.Classifications {
		name, from, _ := strings.Cut(c, "@")
		if from == "" {
			from = e.GUID
		}
		cls = append(cls, map[string]any{"typeName": name, "entityGuid": from, "propagate": true})
	}
	labels := []any{}
	for _, l := range e.Labels {
		labels = append(labels, l)
	}
	return map[string]any{"guid": e.GUID, "typeName": e.TypeName, "status": status, "version": 0,
		"attributes":      map[string]any{"qualifiedName": e.QualifiedName, "name": e.QualifiedName},
		"classifications": cls, "labels": labels}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

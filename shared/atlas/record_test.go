package atlas_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/atlas"
	"github.com/atlas-backup/atlas-backup/shared/atlas/atlastest"
	"github.com/atlas-backup/atlas-backup/shared/secret"
)

func client(s *atlastest.Server) *atlas.Client {
	return &atlas.Client{BaseURL: s.URL, HTTP: s.Client(), User: "admin", Password: secret.Bytes("admin-secret")}
}

func TestUp(t *testing.T) {
	s := atlastest.New()
	defer s.Close()
	// no credentials at all: a file-login Atlas answers 401, which is "up"
	l := (&atlas.Client{BaseURL: s.URL, HTTP: s.Client()}).Up(context.Background())
	if !l.Up || l.HTTPStatus != http.StatusUnauthorized {
		t.Fatalf("401 must be up: %+v", l)
	}
	s.Close()
	if l := client(s).Up(context.Background()); l.Up || l.Err == "" {
		t.Fatalf("closed server must be down: %+v", l)
	}
}

func TestClientErrors(t *testing.T) {
	s := atlastest.New()
	defer s.Close()
	c := client(s)
	c.Password = secret.Bytes("wrong")
	_, err := c.Version(context.Background())
	if st, ok := atlas.IsHTTPError(err); !ok || st != 401 {
		t.Fatalf("wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("the password leaked into the error: %v", err)
	}
	if _, err := client(s).Entity(context.Background(), "../admin"); err == nil {
		t.Fatal("a guid with '/' must be refused before any request")
	}
	if _, err := client(s).Entity(context.Background(), "00000000-0000-0000-0000-000000000404"); err == nil {
		t.Fatal("unknown guid: want 404")
	} else if st, _ := atlas.IsHTTPError(err); st != 404 || !strings.Contains(err.Error(), "ATLAS-404-00-005") {
		t.Fatalf("unknown guid: %v", err)
	}
}

func TestTakeAndCheckSame(t *testing.T) {
	s := atlastest.New()
	defer s.Close()
	s.Seed()
	ctx := context.Background()
	rec := atlas.Take(ctx, client(s), time.Now(), 10*time.Second)
	if !rec.Answered || rec.Version != "2.1.0" || rec.Status != "ACTIVE" || len(rec.Problems) != 0 {
		t.Fatalf("record %+v", rec)
	}
	if rec.Metrics == nil || rec.Metrics.EntityActive["hive_table"] != 2 || rec.Metrics.TagEntities["PII"] != 1 || rec.Metrics.EntityCount != 3 {
		t.Fatalf("metrics %+v", rec.Metrics)
	}
	if len(rec.Entities) != 3 || rec.Lineage == nil || rec.Lineage.Count != 2 || rec.Audit == nil || rec.Audit.Count != 1 {
		t.Fatalf("sample: %d entities, lineage %+v, audit %+v", len(rec.Entities), rec.Lineage, rec.Audit)
	}
	var b atlas.EntityRecord
	for _, e := range rec.Entities {
		if e.QualifiedName == "db1.b@cl1" {
			b = e
		}
	}
	if len(b.Classifications) != 1 || !strings.Contains(b.Classifications[0], "propagated from 00000000-0000-0000-0000-00000000000a") {
		t.Fatalf("propagated classification: %+v", b)
	}
	res := atlas.Check(ctx, client(s), rec, 10*time.Second)
	if !res.Same {
		t.Fatalf("check of the same Atlas: %+v", res)
	}
	for _, sec := range res.Sections {
		if sec.State != atlas.Same {
			t.Errorf("section %s: %s %v", sec.Name, sec.State, sec.Details)
		}
	}
}

// A restored Solr index may hold its documents in another order (segment merges): the
// first page of a search changes, and check-atlas must still say "same". A recorded
// guid that its qualifiedName no longer finds is "different".
func TestCheckSearchIgnoresSolrOrder(t *testing.T) {
	s := atlastest.New()
	defer s.Close()
	s.Seed()
	ctx := context.Background()
	rec := atlas.Take(ctx, client(s), time.Now(), 10*time.Second)
	s.Mu.Lock()
	s.ReverseSearch = true
	s.Mu.Unlock()
	if res := atlas.Check(ctx, client(s), rec, 10*time.Second); !res.Same {
		t.Fatalf("check with the search order reversed: %+v", res)
	}
	if s.Requests["/api/atlas/v2/search/basic"] == 0 {
		t.Fatal("no search asked")
	}

	s.Mu.Lock()
	s.Entities["00000000-0000-0000-0000-00000000000b"].QualifiedName = "db1.renamed@cl1"
	s.Mu.Unlock()
	res := atlas.Check(ctx, client(s), rec, 10*time.Second)
	var search atlas.Section
	for _, sec := range res.Sections {
		if sec.Name == "search" {
			search = sec
		}
	}
	if search.State != atlas.Different || !strings.Contains(strings.Join(search.Details, "\n"), "db1.b@cl1 not found by its qualifiedName") {
		t.Fatalf("search section %+v", search)
	}
}

// What issue 8's restore left: the audit rows came back but the graph did not, and the
// metrics counted entities from Solr documents: every section must say "different".
func TestCheckFindsWhatChanged(t *testing.T) {
	s := atlastest.New()
	defer s.Close()
	s.Seed()
	ctx := context.Background()
	rec := atlas.Take(ctx, client(s), time.Now(), 10*time.Second)

	s.Mu.Lock()
	delete(s.Entities, "00000000-0000-0000-0000-00000000000b")      // entity gone
	s.Entities["00000000-0000-0000-0000-00000000000a"].Labels = nil // a label lost
	s.Entities["00000000-0000-0000-0000-00000000000a"].Audit = nil  // audit lost
	delete(s.Lineage, "00000000-0000-0000-0000-00000000000c")       // lineage lost
	s.Mu.Unlock()

	res := atlas.Check(ctx, client(s), rec, 10*time.Second)
	if res.Same {
		t.Fatal("want different")
	}
	got := map[string]atlas.Section{}
	for _, sec := range res.Sections {
		got[sec.Name] = sec
	}
	for _, name := range []string{"metrics", "entities", "search", "lineage", "audit"} {
		if got[name].State != atlas.Different {
			t.Errorf("section %s: %+v, want different", name, got[name])
		}
	}
	if got["server"].State != atlas.Same {
		t.Errorf("server: %+v", got["server"])
	}
	details := strings.Join(got["entities"].Details, "\n")
	if !strings.Contains(details, "db1.b@cl1: not found") || !strings.Contains(details, "labels [], recorded [gold]") {
		t.Errorf("entity details:\n%s", details)
	}
}

func TestTakeWhenAtlasIsDown(t *testing.T) {
	s := atlastest.New()
	url := s.URL
	s.Close()
	rec := atlas.Take(context.Background(), &atlas.Client{BaseURL: url, HTTP: http.DefaultClient}, time.Now(), time.Second)
	if rec.Answered || rec.Error == "" || rec.Version != "" {
		t.Fatalf("down: %+v", rec)
	}
	res := atlas.Check(context.Background(), &atlas.Client{BaseURL: url, HTTP: http.DefaultClient}, rec, time.Second)
	if res.Answered || res.Same {
		t.Fatalf("check while down: %+v", res)
	}
}

func TestTakeWithWrongCredentialsIsUpButShort(t *testing.T) {
	s := atlastest.New()
	defer s.Close()
	c := client(s)
	c.Password = secret.Bytes("nope")
	rec := atlas.Take(context.Background(), c, time.Now(), time.Second)
	if !rec.Answered || !strings.Contains(rec.Error, "HTTP 401") || rec.Metrics != nil {
		t.Fatalf("401: %+v", rec)
	}
}

func TestCanonicalIgnoresOrder(t *testing.T) {
	a := map[string]any{"x": []any{map[string]any{"b": 1.0, "a": 2.0}, "z", "y"}, "k": "v"}
	b := map[string]any{"k": "v", "x": []any{"y", "z", map[string]any{"a": 2.0, "b": 1.0}}}
	if atlas.Digest(a) != atlas.Digest(b) {
		t.Fatalf("%s\n%s", atlas.Canonical(a), atlas.Canonical(b))
	}
	c := map[string]any{"k": "v", "x": []any{"y", "z", map[string]any{"a": 2.0, "b": 3.0}}}
	if atlas.Digest(a) == atlas.Digest(c) {
		t.Fatal("different content, same digest")
	}
}

func TestWaitActive(t *testing.T) {
	s := atlastest.New()
	defer s.Close()
	s.State = "BECOMING_ACTIVE"
	polls := 0
	go func() {
		time.Sleep(100 * time.Millisecond)
		s.Mu.Lock()
		s.State = "ACTIVE"
		s.Mu.Unlock()
	}()
	st, err := client(s).WaitActive(context.Background(), 30*time.Second, func(string, error) { polls++ })
	if err != nil || st != "ACTIVE" || polls < 2 {
		t.Fatalf("%s %v after %d polls", st, err, polls)
	}
}

package solr

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func docs(t *testing.T, s string) []map[string]json.RawMessage {
	t.Helper()
	var out []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func sumOf(t *testing.T, ds []map[string]json.RawMessage) string {
	t.Helper()
	var s DocSum
	for _, d := range ds {
		h, err := DocHash(d)
		if err != nil {
			t.Fatal(err)
		}
		s.Add(h)
	}
	return s.String()
}

func TestDocHash(t *testing.T) {
	base := `[{"id":"v-1","n":17,"s":"a","m":["x","y"],"b":true,"_version_":1},{"id":"v-2","n":-2.5}]`
	want := sumOf(t, docs(t, base))
	if !ValidDocDigest(want) {
		t.Fatalf("digest %q not valid", want)
	}
	tests := []struct {
		name  string
		docs  string
		equal bool
	}{
		{"same", base, true},
		{"documents in another order", `[{"id":"v-2","n":-2.5},{"id":"v-1","n":17,"s":"a","m":["x","y"],"b":true,"_version_":1}]`, true},
		{"fields in another order", `[{"_version_":1,"b":true,"m":["x","y"],"s":"a","n":17,"id":"v-1"},{"n":-2.5,"id":"v-2"}]`, true},
		{"_version_ differs", `[{"id":"v-1","n":17,"s":"a","m":["x","y"],"b":true,"_version_":999},{"id":"v-2","n":-2.5,"_version_":3}]`, true},
		{"value differs", `[{"id":"v-1","n":18,"s":"a","m":["x","y"],"b":true},{"id":"v-2","n":-2.5}]`, false},
		{"id differs", `[{"id":"v-3","n":17,"s":"a","m":["x","y"],"b":true},{"id":"v-2","n":-2.5}]`, false},
		{"multi-value order differs", `[{"id":"v-1","n":17,"s":"a","m":["y","x"],"b":true},{"id":"v-2","n":-2.5}]`, false},
		{"single vs one-element array", `[{"id":"v-1","n":17,"s":["a"],"m":["x","y"],"b":true},{"id":"v-2","n":-2.5}]`, false},
		{"string vs number", `[{"id":"v-1","n":"17","s":"a","m":["x","y"],"b":true},{"id":"v-2","n":-2.5}]`, false},
		{"field missing", `[{"id":"v-1","n":17,"s":"a","m":["x","y"]},{"id":"v-2","n":-2.5}]`, false},
		{"value moved to another field", `[{"id":"v-1","n":17,"s":"","m":["x","y"],"b":true,"t":"a"},{"id":"v-2","n":-2.5}]`, false},
		{"document missing", `[{"id":"v-1","n":17,"s":"a","m":["x","y"],"b":true}]`, false},
		{"document twice", `[{"id":"v-1","n":17,"s":"a","m":["x","y"],"b":true},{"id":"v-2","n":-2.5},{"id":"v-2","n":-2.5}]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sumOf(t, docs(t, tt.docs))
			if (got == want) != tt.equal {
				t.Fatalf("digest %s vs %s: equal=%v, want %v", got, want, got == want, tt.equal)
			}
		})
	}
}

func TestDigestParams(t *testing.T) {
	p, err := DigestParams("id", "*", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Encode(); got != "cursorMark=%2A&fl=%2A&q=%2A%3A%2A&rows=1000&sort=id+asc" {
		t.Fatalf("params %s", got)
	}
	for _, bad := range []struct {
		key, cursor string
		rows        int
	}{{"id desc", "*", 10}, {"id", "", 10}, {"id", "*", 0}, {"id", "*", 10001}} {
		if _, err := DigestParams(bad.key, bad.cursor, bad.rows); err == nil {
			t.Errorf("DigestParams(%q, %q, %d): no error", bad.key, bad.cursor, bad.rows)
		}
	}
}

func TestDigestPaging(t *testing.T) {
	f := newFake(t)
	page1 := `{"responseHeader":{"status":0},"response":{"numFound":3,"docs":[{"id":"a","x":1},{"id":"b","x":2}]},"nextCursorMark":"C1"}`
	page2 := `{"responseHeader":{"status":0},"response":{"numFound":3,"docs":[{"id":"c","x":3}]},"nextCursorMark":"C2"}`
	page3 := `{"responseHeader":{"status":0},"response":{"numFound":3,"docs":[]},"nextCursorMark":"C2"}`
	f.on("/vertex_index/select", reply{200, page1}, reply{200, page2}, reply{200, page3})
	c := newClient(t, f.url())
	d, err := c.Digest(context.Background(), "vertex_index")
	if err != nil {
		t.Fatal(err)
	}
	want := sumOf(t, docs(t, `[{"id":"a","x":1},{"id":"b","x":2},{"id":"c","x":3}]`))
	if d.Docs != 3 || d.Digest != want {
		t.Fatalf("digest %+v, want 3 %s", d, want)
	}
	if n := f.count("/vertex_index/select"); n != 3 {
		t.Fatalf("%d pages asked, want 3", n)
	}
	if q := f.last().URL.Query(); q.Get("cursorMark") != "C2" || q.Get("sort") != "id asc" {
		t.Fatalf("last page query %v", q)
	}

	// the collection changed while it was read: numFound and the documents read differ
	f2 := newFake(t)
	f2.on("/edge_index/select", reply{200, strings.Replace(page1, `"numFound":3`, `"numFound":5`, 1)}, reply{200, page2}, reply{200, page3})
	if _, err := newClient(t, f2.url()).Digest(context.Background(), "edge_index"); err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("err = %v", err)
	}
	// partial results are an error
	f3 := newFake(t)
	f3.on("/edge_index/select", reply{200, `{"responseHeader":{"status":0,"partialResults":true},"response":{"numFound":0,"docs":[]},"nextCursorMark":"*"}`})
	if _, err := newClient(t, f3.url()).Digest(context.Background(), "edge_index"); err == nil || !strings.Contains(err.Error(), "partial") {
		t.Fatalf("err = %v", err)
	}
}

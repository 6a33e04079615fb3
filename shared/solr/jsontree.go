package solr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// jnode is a JSON value that keeps duplicate object keys and their order. Solr writes
// NamedLists with repeated keys (the "success"/"failure" maps of async answers repeat a
// node name per shard); encoding/json would keep only the last.
type jnode struct {
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	str  string
	keys []string
	vals []*jnode
}

func parseTree(b []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := readNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return n, nil
}

func readNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &jnode{kind: 'o'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v is not a string", kt)
				}
				v, err := readNode(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token() // '}'
			return n, err
		case '[':
			n := &jnode{kind: 'a'}
			for dec.More() {
				v, err := readNode(dec)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token() // ']'
			return n, err
		}
		return nil, fmt.Errorf("unexpected delimiter %v", t)
	case string:
		return &jnode{kind: 's', str: t}, nil
	case json.Number:
		return &jnode{kind: 'n', str: t.String()}, nil
	case bool:
		return &jnode{kind: 'b', str: fmt.Sprint(t)}, nil
	case nil:
		return &jnode{kind: 'z'}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// get returns the first value of key in an object node, or nil.
func (n *jnode) get(key string) *jnode {
	if n == nil || n.kind != 'o' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// text is a string value, or "" for anything else.
func (n *jnode) text() string {
	if n == nil || n.kind != 's' {
		return ""
	}
	return n.str
}

// failureTexts collects, in document order and without repeats, the texts Solr gives
// about a failure anywhere in an answer: "exception.msg", keys "Operation ... caused
// exception:", and "response"/"msg" strings of objects whose STATUS is "failed" (the
// per-shard results, under "failure" and under top-level "<asyncid><n>" keys), and the
// string values of a "failure" map (Solr 7/8 shape).
func failureTexts(root *jnode) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	var walk func(n *jnode, underFailure bool)
	walk = func(n *jnode, underFailure bool) {
		if n == nil {
			return
		}
		switch n.kind {
		case 'o':
			failed := strings.EqualFold(n.get("STATUS").text(), "failed")
			for i, k := range n.keys {
				v := n.vals[i]
				switch {
				case strings.HasPrefix(k, "Operation ") && strings.Contains(k, "exception"):
					add(v.text())
				case k == "exception":
					add(v.get("msg").text())
					add(v.text())
				case failed && (k == "response" || k == "msg"):
					add(v.text())
				case underFailure && v.kind == 's':
					add(v.text())
				}
				walk(v, k == "failure")
			}
		case 'a':
			for _, v := range n.vals {
				walk(v, false)
			}
		}
	}
	walk(root, false)
	return out
}

package solr

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// DocDigestPrefix starts every document digest string.
const DocDigestPrefix = "docsum-sha256:"

// DigestPageSize is the number of documents Digest asks for per page.
const DigestPageSize = 1000

// DigestExcluded are the fields Digest leaves out: _version_ is Solr's optimistic
// concurrency stamp, set anew whenever a document is written (a RESTORE may keep it, a
// reindex does not), and score is not a stored field.
var DigestExcluded = []string{"_version_", "score"}

// DocDigest is what Digest read from a collection.
type DocDigest struct {
	// Docs is the number of documents read.
	Docs int64 `json:"docs"`
	// Digest is "docsum-sha256:" and 64 hex digits (see Digest).
	Digest string `json:"digest"`
	// ReadBytes is the size of the answers read to make it (what the reader took from
	// Solr).
	ReadBytes int64 `json:"readBytes,omitempty"`
}

// Digest reads every document of a collection and returns their number and an
// order-independent digest over their ids and stored fields.
//
// Documents are read with q=*:*, sort=<uniqueKey> asc, fl=* and cursorMark paging
// (DigestParams), DigestPageSize at a time, through any node (distributed), so the read
// is consistent with Solr's deep-paging rules and works behind a front that only proxies
// /solr/*. fl=* returns stored fields and docValues fields Solr treats as stored
// (useDocValuesAsStored); fields in DigestExcluded are left out.
//
// For every document
//
//	h = SHA-256( for each field in name order:
//	               u32(len(name)) name  u8(shape)  u32(count)
//	               for each value in the order Solr returns it: u8(kind) u32(len(text)) text )
//
// with u32 big-endian, shape 's' for a single value and 'm' for a multi-valued field (a
// JSON array), kind 's' string, 'n' number (the JSON literal as Solr wrote it), 'b'
// boolean, 'z' null, 'o' anything else (its JSON with object keys sorted). The digest is
// the sum of all h as 256-bit big-endian unsigned integers modulo 2^256, like the HBase
// cell digest, so it does not depend on the order in which shards or pages return
// documents. The uniqueKey field is one of the hashed fields, so ids are covered.
func (c *Client) Digest(ctx context.Context, collection string) (DocDigest, error) {
	return c.DigestByKey(ctx, collection, "id")
}

// DigestByKey is Digest for a collection whose uniqueKey field is not "id".
func (c *Client) DigestByKey(ctx context.Context, collection, uniqueKey string) (DocDigest, error) {
	if err := ValidateCollection(collection); err != nil {
		return DocDigest{}, err
	}
	var (
		sum    DocSum
		docs   int64
		read   int64
		cursor       = "*"
		found  int64 = -1
	)
	for page := 0; ; page++ {
		params, err := DigestParams(uniqueKey, cursor, DigestPageSize)
		if err != nil {
			return DocDigest{}, err
		}
		a, err := c.do(ctx, call{action: "select", path: "/" + url.PathEscape(collection) + "/select", params: params, strictBody: true})
		if err != nil {
			return DocDigest{}, fmt.Errorf("solr digest %s: %w", collection, err)
		}
		read += int64(len(a.body))
		pg, err := parseDigestPage(a.body)
		if err != nil {
			return DocDigest{}, fmt.Errorf("solr digest %s at %s: %w", collection, a.node, err)
		}
		if pg.partial {
			return DocDigest{}, fmt.Errorf("solr digest %s at %s: partial results (a shard did not answer)", collection, a.node)
		}
		if found < 0 {
			found = pg.numFound
		}
		for _, d := range pg.docs {
			h, err := DocHash(d)
			if err != nil {
				return DocDigest{}, fmt.Errorf("solr digest %s: document %d: %w", collection, docs, err)
			}
			sum.Add(h)
			docs++
		}
		if pg.next == "" {
			return DocDigest{}, fmt.Errorf("solr digest %s at %s: no nextCursorMark in answer", collection, a.node)
		}
		if pg.next == cursor || len(pg.docs) == 0 {
			break
		}
		cursor = pg.next
	}
	if found >= 0 && found != docs {
		return DocDigest{}, fmt.Errorf("solr digest %s: read %d documents, numFound said %d (the collection changed while it was read)", collection, docs, found)
	}
	return DocDigest{Docs: docs, Digest: sum.String(), ReadBytes: read}, nil
}

// DigestParams builds one page of Digest's read: q=*:*, sort=<uniqueKey> asc, fl=*,
// rows, cursorMark.
func DigestParams(uniqueKey, cursor string, rows int) (url.Values, error) {
	if err := validateIdentifier("uniqueKey", uniqueKey); err != nil {
		return nil, fmt.Errorf("solr digest params: %w", err)
	}
	if cursor == "" {
		return nil, errors.New("solr digest params: cursorMark: empty (the first page is \"*\")")
	}
	if rows < 1 || rows > 10000 {
		return nil, fmt.Errorf("solr digest params: rows %d: must be 1..10000", rows)
	}
	return url.Values{
		"q": {"*:*"}, "sort": {uniqueKey + " asc"}, "fl": {"*"},
		"rows": {strconv.Itoa(rows)}, "cursorMark": {cursor},
	}, nil
}

type digestPage struct {
	numFound int64
	partial  bool
	next     string
	docs     []map[string]json.RawMessage
}

func parseDigestPage(body []byte) (digestPage, error) {
	var out struct {
		Header struct {
			PartialResults bool `json:"partialResults"`
		} `json:"responseHeader"`
		Response *struct {
			NumFound json.Number                  `json:"numFound"`
			Docs     []map[string]json.RawMessage `json:"docs"`
		} `json:"response"`
		Next string `json:"nextCursorMark"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return digestPage{}, fmt.Errorf("decode page: %w", err)
	}
	if out.Response == nil {
		return digestPage{}, errors.New("no response in answer")
	}
	n, err := out.Response.NumFound.Int64()
	if err != nil {
		return digestPage{}, fmt.Errorf("numFound %q: %w", out.Response.NumFound, err)
	}
	return digestPage{numFound: n, partial: out.Header.PartialResults, next: out.Next, docs: out.Response.Docs}, nil
}

// DocHash is the hash of one document as Solr returned it in JSON (see Digest).
func DocHash(doc map[string]json.RawMessage) ([32]byte, error) {
	names := make([]string, 0, len(doc))
	for name := range doc {
		if excluded(name) {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	var n [4]byte
	putLen := func(l int) {
		binary.BigEndian.PutUint32(n[:], uint32(l))
		h.Write(n[:])
	}
	for _, name := range names {
		putLen(len(name))
		h.Write([]byte(name))
		raw := bytes.TrimSpace(doc[name])
		var vals []json.RawMessage
		shape := byte('s')
		if len(raw) > 0 && raw[0] == '[' {
			shape = 'm'
			if err := json.Unmarshal(raw, &vals); err != nil {
				return [32]byte{}, fmt.Errorf("field %s: %w", name, err)
			}
		} else {
			vals = []json.RawMessage{raw}
		}
		h.Write([]byte{shape})
		putLen(len(vals))
		for _, v := range vals {
			kind, text, err := canonicalValue(v)
			if err != nil {
				return [32]byte{}, fmt.Errorf("field %s: %w", name, err)
			}
			h.Write([]byte{kind})
			putLen(len(text))
			h.Write(text)
		}
	}
	var out [32]byte
	h.Sum(out[:0])
	return out, nil
}

func excluded(name string) bool {
	for _, x := range DigestExcluded {
		if name == x {
			return true
		}
	}
	return false
}

// canonicalValue is a value's kind and text: a string's characters, a number's literal,
// true/false, or the JSON of anything else with object keys sorted.
func canonicalValue(v json.RawMessage) (byte, []byte, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return 0, nil, errors.New("empty value")
	}
	switch c := v[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return 0, nil, err
		}
		return 's', []byte(s), nil
	case c == '-' || c >= '0' && c <= '9':
		return 'n', v, nil
	case c == 't' || c == 'f':
		return 'b', v, nil
	case c == 'n':
		return 'z', nil, nil
	default:
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			return 0, nil, err
		}
		if _, err := dec.Token(); err != io.EOF {
			return 0, nil, errors.New("trailing data after value")
		}
		b, err := json.Marshal(x) // map keys come out sorted
		if err != nil {
			return 0, nil, err
		}
		return 'o', b, nil
	}
}

// DocSum is an order-independent multiset digest: the sum modulo 2^256 of 32-byte
// hashes read as big-endian integers. The zero value is the digest of nothing.
type DocSum struct {
	sum [4]uint64 // sum[0] is the most significant limb
}

// Add adds one hash.
func (d *DocSum) Add(h [32]byte) {
	var carry uint64
	for i := 3; i >= 0; i-- {
		d.sum[i], carry = bits.Add64(d.sum[i], binary.BigEndian.Uint64(h[i*8:]), carry)
	}
}

// String is "docsum-sha256:" and 64 hex digits.
func (d DocSum) String() string {
	var b [32]byte
	for i := 0; i < 4; i++ {
		binary.BigEndian.PutUint64(b[i*8:], d.sum[i])
	}
	return DocDigestPrefix + hex.EncodeToString(b[:])
}

// ValidDocDigest reports whether s is a digest string written by DocSum.String.
func ValidDocDigest(s string) bool {
	h, ok := strings.CutPrefix(s, DocDigestPrefix)
	if !ok || len(h) != 64 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}
